"""The WhatsApp channel's parts on their own: the signature and handshake, reading Meta's webhook
bodies (made by the fake, in Meta's shapes), our messages within WhatsApp's limits, the 24-hour
window file, and the settings."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import pytest
from rasa.core.run import create_http_input_channels

from naadloos.channels.customer_notices import ChannelMessagesError
from naadloos.channels.text_parts import text_parts
from naadloos.channels.whatsapp import WhatsAppInput
from naadloos.channels.whatsapp.messages import (
    MAX_TEXT,
    ChoiceWording,
    NumberedChoices,
    shortened,
    template_message,
    with_buttons,
)
from naadloos.channels.whatsapp.settings import WhatsAppSettings
from naadloos.channels.whatsapp.webhook import (
    IGNORED,
    MEDIA,
    TEXT,
    handshake_challenge,
    hub_signature,
    parse_delivery,
    valid_signature,
)
from naadloos.channels.whatsapp.window import CustomerWindows, message_time
from naadloos.core.environment import SettingError
from tests.channels.whatsapp.fake_whatsapp import PHONE_NUMBER_ID, FakeWhatsApp, meta_signature
from tests.unit.test_env_example import ENV_EXAMPLE, RecordingEnviron, documented_settings

ROOT = Path(__file__).resolve().parents[3]

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'
WORDING = ChoiceWording("Kies een antwoord", "Stuur het nummer van je keuze.")
CUSTOMER = "31612345678"


def test_the_signature_is_hex_hmac_sha256_of_the_raw_body():
    expected = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert hub_signature(SECRET, BODY) == expected == meta_signature(SECRET, BODY)
    assert valid_signature(SECRET, BODY, expected)
    assert valid_signature(SECRET, BODY, f"  {expected} ")


@pytest.mark.parametrize(
    "secret, body, header",
    [
        (SECRET, BODY + b" ", None),  # one byte more than was signed
        ("another-secret", BODY, None),
        (SECRET, BODY, ""),
        (SECRET, BODY, "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()),  # Messenger's old header
        (SECRET, BODY, hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()),  # without "sha256="
        (SECRET, BODY, "sha256=ünïcode"),
        ("", BODY, "sha256=" + hmac.new(b"", BODY, hashlib.sha256).hexdigest()),  # no secret configured: never valid
    ],
)
def test_anything_else_is_not_a_valid_signature(secret, body, header):
    signed = hub_signature(SECRET, BODY)
    assert not valid_signature(secret, body, signed if header is None else header)


@pytest.mark.parametrize(
    "args, challenge",
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "ons-woord", "hub.challenge": "1158201444"}, "1158201444"),
        ({"hub.mode": "subscribe", "hub.verify_token": "fout", "hub.challenge": "1158201444"}, None),
        ({"hub.mode": "unsubscribe", "hub.verify_token": "ons-woord", "hub.challenge": "1"}, None),
        ({"hub.mode": "subscribe", "hub.verify_token": "ons-woord", "hub.challenge": ""}, None),
        ({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, None),
        ({}, None),
    ],
)
def test_the_handshake_answers_only_our_verify_token(args, challenge):
    assert handshake_challenge(args, "ons-woord") == challenge


def test_no_verify_token_configured_answers_no_handshake():
    assert handshake_challenge({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, "") is None


def _one(webhook):
    [message] = parse_delivery(json.loads(json.dumps(webhook))).messages
    return message


def test_a_text_message_names_its_sender_id_and_time():
    fake = FakeWhatsApp()
    webhook = fake.text(CUSTOMER, "Hoi, mijn meterstand", sent_at=1772442000)
    message = _one(webhook)
    assert (message.wa_id, message.wamid, message.phone_number_id) == (CUSTOMER, fake.message_id(webhook), PHONE_NUMBER_ID)
    assert (message.kind, message.text, message.timestamp) == (TEXT, "Hoi, mijn meterstand", 1772442000.0)


def test_a_chosen_reply_button_or_list_row_is_its_payload():
    fake = FakeWhatsApp()
    assert _one(fake.button_reply(CUSTOMER, "/affirm", "Ja")).text == "/affirm"
    assert _one(fake.list_reply(CUSTOMER, '/inform{"score":"4"}', "4")).text == '/inform{"score":"4"}'


@pytest.mark.parametrize("kind", ["image", "audio", "sticker", "document", "location", "video", "contacts", "unsupported"])
def test_media_and_anything_unknown_get_the_polite_reply(kind):
    message = _one(FakeWhatsApp().media(CUSTOMER, kind))
    assert (message.kind, message.text) == (MEDIA, "")


def test_a_caption_of_a_photo_is_still_read():
    assert _one(FakeWhatsApp().media(CUSTOMER, "image", caption="mijn meter")).text == "mijn meter"


def test_a_reaction_needs_no_answer():
    assert _one(FakeWhatsApp().reaction(CUSTOMER)).kind == IGNORED


def test_statuses_are_read_apart_from_messages():
    fake = FakeWhatsApp()
    delivery = parse_delivery(fake.status(CUSTOMER, "failed", [{"code": 131047, "title": "Re-engagement message"}]))
    assert delivery.messages == ()
    [status] = delivery.statuses
    assert (status.status, status.recipient_id, status.errors) == ("failed", CUSTOMER, ("131047 Re-engagement message",))


@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"object": "page", "entry": []}, {"object": "whatsapp_business_account", "entry": "x"},
     {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"messages": [{}]}}]}]},
     {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "account_update", "value": {}}]}]}],
)
def test_anything_that_is_not_a_whatsapp_message_is_left_out(body):
    delivery = parse_delivery(body)
    assert delivery.messages == () and delivery.statuses == ()


def _buttons(*titles: str) -> list[dict[str, str]]:
    return [{"title": title, "payload": f"/choose{{\"n\":{n}}}"} for n, title in enumerate(titles, start=1)]


def test_up_to_three_short_buttons_become_reply_buttons():
    outgoing = with_buttons("Klopt dit?", _buttons("Ja", "Nee", "Een collega spreken"), WORDING)
    [message] = outgoing.messages
    assert message["interactive"]["type"] == "button"
    assert message["interactive"]["body"] == {"text": "Klopt dit?"}
    assert [b["reply"] for b in message["interactive"]["action"]["buttons"]] == [
        {"id": '/choose{"n":1}', "title": "Ja"}, {"id": '/choose{"n":2}', "title": "Nee"},
        {"id": '/choose{"n":3}', "title": "Een collega spreken"},
    ]
    assert outgoing.numbered == ()


def test_more_buttons_or_longer_titles_become_a_list_with_shortened_titles():
    titles = ("1", "2", "3", "4", "Heel tevreden, dank je wel voor de hulp")
    outgoing = with_buttons("Hoe tevreden ben je?", _buttons(*titles), WORDING)
    [message] = outgoing.messages
    interactive = message["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Kies een antwoord"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f'/choose{{"n":{n}}}' for n in range(1, 6)]
    assert [row["title"] for row in rows[:4]] == ["1", "2", "3", "4"]
    assert rows[4]["title"] == "Heel tevreden, dank je…" and len(rows[4]["title"]) <= 24
    assert rows[4]["description"] == "Heel tevreden, dank je wel voor de hulp"
    assert "description" not in rows[0]


def test_more_than_ten_choices_become_a_numbered_text_whose_numbers_are_remembered():
    outgoing = with_buttons("Over welk onderwerp?", _buttons(*[f"Onderwerp {n}" for n in range(1, 13)]), WORDING)
    [message] = outgoing.messages
    body = message["text"]["body"]
    assert body.startswith("Over welk onderwerp?\n\n1. Onderwerp 1\n2. Onderwerp 2\n")
    assert body.endswith("12. Onderwerp 12\n\nStuur het nummer van je keuze.")
    choices = NumberedChoices()
    choices.offer(CUSTOMER, outgoing.numbered)
    assert choices.answer(CUSTOMER, " 12. ") == '/choose{"n":12}'
    assert choices.answer(CUSTOMER, "12") == "12", "an offer is answered once"
    choices.offer(CUSTOMER, outgoing.numbered)
    assert choices.answer(CUSTOMER, "13") == "13"
    assert choices.answer("31600000000", "1") == "1", "another customer has no offer"


def test_a_payload_too_long_for_a_list_row_goes_as_a_numbered_text():
    buttons = [{"title": "Ja", "payload": "/x" + "a" * 300}, {"title": "Nee", "payload": "/deny"},
               {"title": "Misschien", "payload": "/m"}, {"title": "Weet ik niet", "payload": "/w"}]
    assert with_buttons("Klopt dit?", buttons, WORDING).messages[0]["type"] == "text"


def test_a_long_text_goes_first_and_the_buttons_follow_under_the_lists_label():
    text = "Lange uitleg. " * 100
    first, second = with_buttons(text, _buttons("Ja", "Nee"), WORDING).messages
    assert first["text"]["body"] == text.strip()
    assert second["interactive"]["body"]["text"] == "Kies een antwoord"


def test_buttons_without_title_are_left_out_and_without_payload_answer_with_their_title():
    [message] = with_buttons("Kies", [{"payload": "/x"}, {"title": "Ja"}, "nonsense"], WORDING).messages
    assert [b["reply"] for b in message["interactive"]["action"]["buttons"]] == [{"id": "Ja", "title": "Ja"}]


@pytest.mark.parametrize(
    "text, limit, shortened_text",
    [("Kort", 24, "Kort"), ("Heel tevreden, dank je wel", 24, "Heel tevreden, dank je…"),
     ("Eenheelerglangwoordzonderspaties", 10, "Eenheeler…")],
)
def test_shortened(text, limit, shortened_text):
    assert shortened(text, limit) == shortened_text and len(shortened(text, limit)) <= limit


def test_a_template_variable_holds_no_line_breaks():
    message = template_message("antwoord_klantenservice", "nl", "*Sanne (Polderstroom):* Hoi!\n\nKun je\tbellen?")
    assert message["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "*Sanne (Polderstroom):* Hoi! Kun je bellen?"}]}
    ]
    assert message["template"]["language"] == {"code": "nl"}


def test_long_texts_are_split_between_words():
    text = ("woord " * 1000).strip()
    parts = text_parts(text, MAX_TEXT)
    assert len(parts) == 2 and all(len(part) <= MAX_TEXT for part in parts)
    assert " ".join(parts) == text
    assert text_parts("  ", 10) == [] and text_parts("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_the_choice_wording_is_checked_against_whatsapps_limits():
    assert ChoiceWording.load().choose_button  # the project's config/channel_messages.yml
    with pytest.raises(ChannelMessagesError, match="choose_by_number"):
        ChoiceWording.load({"choose_button": "Kies"})
    with pytest.raises(ChannelMessagesError, match="at most 20 characters"):
        ChoiceWording.load({"choose_button": "Kies hier een van de antwoorden", "choose_by_number": "Stuur het nummer."})


def test_the_window_survives_a_new_store_on_the_same_file(tmp_path):
    database = tmp_path / "var" / "whatsapp.sqlite3"
    windows = CustomerWindows(database)
    assert windows.last_inbound(CUSTOMER) is None and not windows.is_open(CUSTOMER, 1000.0)
    windows.record(CUSTOMER, 1000.0)
    windows.record(CUSTOMER, 900.0)  # an older message delivered late does not move the window back
    again = CustomerWindows(database)
    assert again.last_inbound(CUSTOMER) == 1000.0
    assert again.is_open(CUSTOMER, 1000.0 + 23 * 3600)
    assert not again.is_open(CUSTOMER, 1000.0 + 24 * 3600)
    assert not again.is_open(CUSTOMER, 1000.0 + 24 * 3600 - 60), "closed a few minutes early, to be safe"


def test_a_message_counts_from_whatsapps_time_but_never_from_the_future():
    assert message_time(1000.0, 1005.0) == 1000.0
    assert message_time(9999.0, 1005.0) == 1005.0
    assert message_time(None, 1005.0) == 1005.0


def test_without_settings_the_channel_names_what_is_missing(monkeypatch):
    for name in ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
                 "WHATSAPP_API_URL", "WHATSAPP_TEMPLATE_NAME", "WHATSAPP_TEMPLATE_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    settings = WhatsAppSettings.from_environment()
    assert settings.missing() == ["WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_PHONE_NUMBER_ID",
                                  "WHATSAPP_ACCESS_TOKEN"]
    assert settings.api_url == "https://graph.facebook.com/v19.0"
    assert (settings.template_name, settings.template_language) == ("", "nl")
    assert "app_secret" not in repr(settings) and "access_token" not in repr(settings)


def test_credentials_yml_keys_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "from-env")
    secret_file = tmp_path / "token"
    secret_file.write_text("from-file\n")
    monkeypatch.delenv("WHATSAPP_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN_FILE", str(secret_file))
    settings = WhatsAppSettings.from_environment({"app_secret": "from-credentials", "template_name": "  ", "api_url": None})
    assert settings.app_secret == "from-credentials"
    assert settings.access_token == "from-file"


@pytest.mark.parametrize(
    "name, value, message",
    [("WHATSAPP_API_URL", "graph.facebook.com", "WHATSAPP_API_URL must be a full URL"),
     ("WHATSAPP_PHONE_NUMBER_ID", "+31 85 000 1234", "WHATSAPP_PHONE_NUMBER_ID must be Meta's numeric"),
     ("WHATSAPP_TIMEOUT_SECONDS", "0", "WHATSAPP_TIMEOUT_SECONDS must be more than 0")],
)
def test_a_wrong_setting_names_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=message):
        WhatsAppSettings.from_environment()


def test_every_whatsapp_setting_is_in_env_example_with_a_comment(monkeypatch):
    environ = RecordingEnviron({})
    monkeypatch.setattr(os, "environ", environ)
    WhatsAppSettings.from_environment()
    assert {"WHATSAPP_APP_SECRET_FILE", "WHATSAPP_TEMPLATE_NAME", "NAADLOOS_WHATSAPP_DB"} <= environ.asked
    listed = documented_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert sorted(environ.asked - set(listed)) == [], "add these to .env.example, each with a comment"
    assert sorted(name for name in environ.asked if not listed[name]) == []


def test_the_project_credentials_start_the_channel_off_without_a_whatsapp_account(monkeypatch, tmp_path):
    """What `make run` and the e2e tests do on a laptop: Rasa reads credentials.yml (it refuses an
    unset ${VAR}) and creates every channel in it; without settings this one is off."""
    for name in list(os.environ):
        if name.startswith("WHATSAPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path))
    channels = {channel.name(): channel for channel in create_http_input_channels(None, str(ROOT / "credentials.yml"))}
    whatsapp = channels["whatsapp"]
    assert isinstance(whatsapp, WhatsAppInput) and whatsapp.settings.missing()
    assert whatsapp.get_output_channel() is not None, "it needs no request to reach a customer"
    assert list(tmp_path.iterdir()) == [], "no file is made before a customer writes"
