"""The `twilio` channel on its own: the signature (Twilio's documented example), the webhook in a
real Sanic server against the fake Twilio, and the output channel. Rasa's Agent is replaced by
`StandInAgent` here, because these tests are about the channel; test_channels_live.py runs the
same channel in the real Rasa with the trained model."""
from __future__ import annotations

import json
import logging

import pytest
from twilio.request_validator import RequestValidator

from naadloos.channels.delivery import ProviderError
from naadloos.channels.twilio import TwilioInput
from naadloos.channels.twilio_api import (
    TwilioSettings,
    address_of,
    conversation_id_of,
    twilio_signature,
    valid_twilio_signature,
)
from naadloos.core.environment import SettingError
from tests.channels.conftest import Served, StandInAgent, serving
from tests.channels.fake_twilio import OUR_NUMBER, FakeTwilio
from tests.processes import free_port

CUSTOMER = "+31612345678"
WHATSAPP_CONVERSATION = "whatsapp:31612345678"  # the customer's conversation id: no "+" (see conversation_id_of)
SMS_CONVERSATION = "31612345678"
# https://www.twilio.com/docs/usage/security#validating-requests
DOCUMENTED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCUMENTED_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
    ("From", "+12349013030"), ("To", "+18005551212"),
]
DOCUMENTED_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_signature_of_twilios_documented_example():
    assert twilio_signature(DOCUMENTED_URL, DOCUMENTED_PARAMS, "12345") == DOCUMENTED_SIGNATURE
    assert valid_twilio_signature(DOCUMENTED_URL, DOCUMENTED_PARAMS, "12345", DOCUMENTED_SIGNATURE)
    assert valid_twilio_signature(DOCUMENTED_URL, list(reversed(DOCUMENTED_PARAMS)), "12345", DOCUMENTED_SIGNATURE)


@pytest.mark.parametrize(
    "url, params, token",
    [
        (DOCUMENTED_URL, DOCUMENTED_PARAMS, "54321"),  # another auth token
        ("https://mycompany.com/myapp.php?foo=1&bar=3", DOCUMENTED_PARAMS, "12345"),  # another URL
        ("http://mycompany.com/myapp.php?foo=1&bar=2", DOCUMENTED_PARAMS, "12345"),  # http instead of https
        (DOCUMENTED_URL, [*DOCUMENTED_PARAMS[:2], ("Digits", "1235"), *DOCUMENTED_PARAMS[3:]], "12345"),  # a changed value
        (DOCUMENTED_URL, [*DOCUMENTED_PARAMS, ("Body", "")], "12345"),  # an added blank parameter
    ],
)
def test_any_change_breaks_the_signature(url, params, token):
    assert not valid_twilio_signature(url, params, token, DOCUMENTED_SIGNATURE)


@pytest.mark.parametrize("signature", ["", "0/KCTR6DLpKmkAf8muzZqo1nDgQ", "ünïcode", DOCUMENTED_SIGNATURE.lower()])
def test_malformed_signatures_are_refused_without_an_error(signature):
    assert not valid_twilio_signature(DOCUMENTED_URL, DOCUMENTED_PARAMS, "12345", signature)


def test_the_signature_agrees_with_twilios_own_library_on_blank_and_unicode_values():
    params = [("Body", ""), ("ProfileName", "Ëlla van 't Hof"), ("NumMedia", "1"), ("MediaUrl0", "https://x.test/a?b=c&d")]
    url = "https://bot.example.nl/webhooks/twilio/webhook"
    assert twilio_signature(url, params, "geheim") == RequestValidator("geheim").compute_signature(url, dict(params))


@pytest.mark.parametrize(
    "address, conversation_id",
    [("whatsapp:+31612345678", "whatsapp:31612345678"), ("+31612345678", "31612345678"), ("+447700900123", "447700900123")],
)
def test_a_conversation_id_has_no_plus_and_leads_back_to_the_address(address, conversation_id):
    assert conversation_id_of(address) == conversation_id
    assert address_of(conversation_id) == address
    assert address_of(address) == address  # an address that already has its "+"


def test_settings_come_from_the_environment_and_credentials_win(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC-env")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token-env")
    monkeypatch.setenv("TWILIO_NUMBER", "+3197000000001")
    monkeypatch.setenv("TWILIO_WEBHOOK_URL", "https://bot.example.nl/webhooks/twilio/webhook")
    settings = TwilioSettings.from_environment({"auth_token": "token-credentials", "whatsapp_number": "whatsapp:+3197000000002"})
    assert (settings.account_sid, settings.auth_token) == ("AC-env", "token-credentials")
    assert (settings.sms_number, settings.whatsapp_number) == ("+3197000000001", "+3197000000002")
    assert settings.api_url == "https://api.twilio.com"
    assert settings.sender_for("whatsapp:+31612345678") == "whatsapp:+3197000000002"
    assert settings.sender_for("+31612345678") == "+3197000000001"
    assert "token" not in repr(settings)


def test_a_webhook_url_that_is_not_a_url_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("TWILIO_WEBHOOK_URL", "bot.example.nl/webhook")
    with pytest.raises(SettingError, match="TWILIO_WEBHOOK_URL"):
        TwilioSettings.from_environment()


def settings_for(fake: FakeTwilio, port: int, **changes: str) -> TwilioSettings:
    values = {
        "account_sid": fake.account_sid, "auth_token": fake.auth_token, "sms_number": OUR_NUMBER,
        "whatsapp_number": OUR_NUMBER, "webhook_url": f"http://127.0.0.1:{port}/webhooks/twilio/webhook",
        "api_url": fake.url, "timeout_seconds": 5.0, **changes,
    }
    return TwilioSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def agent() -> StandInAgent:
    return StandInAgent()


@pytest.fixture
async def served(fake_twilio: FakeTwilio, agent: StandInAgent):
    port = free_port()
    async with serving([TwilioInput(settings_for(fake_twilio, port))], agent, port) as running:
        yield running


async def test_a_signed_whatsapp_message_reaches_the_bot_and_the_reply_reaches_the_customer(served, fake_twilio, agent):
    params = fake_twilio.incoming(CUSTOMER, "Ik wil mijn meterstand doorgeven")
    status, body = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert status == 200 and "<Response>" in body
    [message] = agent.received
    assert (message.text, message.sender_id) == ("Ik wil mijn meterstand doorgeven", WHATSAPP_CONVERSATION)
    assert message.input_channel == "twilio"
    assert message.message_id == dict(params)["MessageSid"]
    [sent] = await fake_twilio.wait_for(1)
    assert sent | {"sid": None} == {"to": f"whatsapp:{CUSTOMER}", "from": f"whatsapp:{OUR_NUMBER}", "body": agent.reply,
                                    "media_url": [], "sid": None}


async def test_an_sms_is_answered_from_the_sms_number(served, fake_twilio, agent):
    await fake_twilio.webhook(served.webhook("twilio"), fake_twilio.incoming(CUSTOMER, "hallo", whatsapp=False))
    [sent] = await fake_twilio.wait_for(1)
    assert (sent["to"], sent["from"]) == (CUSTOMER, OUR_NUMBER)


@pytest.mark.parametrize("forgery", ["wrong token", "other url", "tampered body", "no header"])
async def test_a_webhook_without_twilios_signature_is_refused_with_403(served: Served, fake_twilio, agent, forgery, caplog):
    url = served.webhook("twilio")
    params = fake_twilio.incoming(CUSTOMER, "hallo")
    signature = {
        "wrong token": fake_twilio.signature(url, params, auth_token="not-the-token"),
        "other url": fake_twilio.signature("https://evil.example/webhooks/twilio/webhook", params),
        "tampered body": fake_twilio.signature(url, fake_twilio.incoming(CUSTOMER, "iets anders")),
        "no header": "",
    }[forgery]
    with caplog.at_level(logging.WARNING):
        status, body = await fake_twilio.webhook(url, params, signature=signature)
    assert (status, json.loads(body)) == (403, {"error": "invalid signature"})
    assert agent.received == [] and fake_twilio.sent == []
    assert "X-Twilio-Signature" in caplog.text


async def test_a_message_delivered_twice_is_handled_once(served, fake_twilio, agent):
    params = fake_twilio.incoming(CUSTOMER, "hallo")
    first = await fake_twilio.webhook(served.webhook("twilio"), params)
    second = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert first[0] == second[0] == 200
    assert len(agent.received) == 1 and len(await fake_twilio.wait_for(1)) == 1


async def test_a_photo_without_text_gets_the_polite_dutch_reply_and_does_not_reach_the_bot(served, fake_twilio, agent):
    params = fake_twilio.incoming(CUSTOMER, "", NumMedia="1", MediaContentType0="image/jpeg",
                                  MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")
    status, _ = await fake_twilio.webhook(served.webhook("twilio"), params)  # the blank Body is signed too
    assert status == 200
    [sent] = await fake_twilio.wait_for(1)
    assert sent["body"].startswith("Sorry, ik kan alleen tekst lezen.")
    assert agent.received == []


async def test_a_photo_with_a_caption_gets_the_reply_and_the_caption_is_read(served, fake_twilio, agent):
    params = fake_twilio.incoming(CUSTOMER, "mijn meter", NumMedia="1", MediaContentType0="image/jpeg",
                                  MediaUrl0="https://api.twilio.com/media/ME1")
    await fake_twilio.webhook(served.webhook("twilio"), params)
    first, second = await fake_twilio.wait_for(2)
    assert first["body"].startswith("Sorry, ik kan alleen tekst lezen.") and second["body"] == agent.reply
    assert [message.text for message in agent.received] == ["mijn meter"]


async def test_during_a_hand_over_a_photo_reaches_the_colleague_as_a_line_with_its_url(served, fake_twilio, agent):
    await agent.hand_over(WHATSAPP_CONVERSATION)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    params = fake_twilio.incoming(CUSTOMER, "mijn meter", NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0=url)
    status, _ = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert status == 200
    [message] = agent.received
    assert message.text == f"[Foto gestuurd] mijn meter ({url})"
    assert message.message_id == dict(params)["MessageSid"]
    assert fake_twilio.sent == [], "the customer gets no 'I can only read text': a colleague reads along"


async def test_during_a_hand_over_an_sms_with_a_document_and_a_voice_message_are_named(served, fake_twilio, agent):
    await agent.hand_over("31612345678")
    params = fake_twilio.incoming(CUSTOMER, "", whatsapp=False, NumMedia="2",
                                  MediaContentType0="application/pdf", MediaUrl0="https://api.twilio.com/media/ME1",
                                  MediaContentType1="audio/ogg", MediaUrl1="https://api.twilio.com/media/ME2")
    await fake_twilio.webhook(served.webhook("twilio"), params)
    assert [m.text for m in agent.received] == [
        "[Document gestuurd] [Spraakbericht] (https://api.twilio.com/media/ME1; https://api.twilio.com/media/ME2)"
    ]
    assert fake_twilio.sent == []


async def test_a_shared_location_gets_the_polite_reply(served, fake_twilio, agent):
    params = fake_twilio.incoming(CUSTOMER, "", Latitude="52.37", Longitude="4.89", MessageType="location")
    await fake_twilio.webhook(served.webhook("twilio"), params)
    [sent] = await fake_twilio.wait_for(1)
    assert sent["body"].startswith("Sorry, ik kan alleen tekst lezen.") and agent.received == []


async def test_a_status_callback_is_acknowledged_and_ignored(served, fake_twilio, agent):
    params = [("MessageSid", "SM1"), ("MessageStatus", "delivered"), ("From", OUR_NUMBER), ("To", CUSTOMER),
              ("AccountSid", fake_twilio.account_sid)]
    status, _ = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert status == 200 and agent.received == []


async def test_a_body_that_is_not_a_form_gets_400(served, fake_twilio):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(served.webhook("twilio"), json={"Body": "hallo"}) as reply:
            assert reply.status == 400
            assert "x-www-form-urlencoded" in (await reply.json())["error"]


async def test_a_failing_turn_gets_503_without_a_traceback_and_twilios_retry_is_handled(served, fake_twilio, agent, caplog):
    params = fake_twilio.incoming(CUSTOMER, "hallo")
    agent.failing = True
    with caplog.at_level(logging.ERROR):
        status, body = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert status == 503 and json.loads(body) == {"error": "the message could not be handled; try again later"}
    assert "Traceback" not in body and "could not be handled" in caplog.text
    agent.failing = False
    status, _ = await fake_twilio.webhook(served.webhook("twilio"), params)
    assert status == 200 and len(agent.received) == 1


async def test_when_twilio_refuses_a_reply_the_turn_still_succeeds_and_the_failure_is_logged(served, fake_twilio, agent, caplog):
    fake_twilio.mode = "error"
    with caplog.at_level(logging.ERROR):
        status, _ = await fake_twilio.webhook(served.webhook("twilio"), fake_twilio.incoming(CUSTOMER, "hallo"))
    assert status == 200 and len(agent.received) == 1
    assert "did not reach the customer: Twilio answered HTTP 500: error 20500" in caplog.text
    assert SMS_CONVERSATION not in caplog.text  # the phone number is masked


async def test_a_pushed_agent_message_carries_the_agents_name_and_a_failure_is_raised(fake_twilio):
    channel = TwilioInput(settings_for(fake_twilio, 1))
    output = channel.get_output_channel()
    assert output is channel.get_output_channel()  # one output channel, made without network
    try:
        await output.send_response(WHATSAPP_CONVERSATION, {"text": "Ik kijk het voor je na.", "agent": "Sanne"})
        await output.send_response(SMS_CONVERSATION, {"text": "Ik bel je morgen.", "agent": "Sanne"})
        await output.send_response(SMS_CONVERSATION, {"text": "Je staat in de wachtrij.", "livechat": "system"})
        await output.send_response(SMS_CONVERSATION, {"text": "Heb ik je geholpen?", "buttons": [
            {"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]})
        await output.send_response(SMS_CONVERSATION, {"custom": {"data": {"handover": "waiting"}}})  # for the web page only
        sent = await fake_twilio.wait_for(4)
        assert [message["to"] for message in sent] == [f"whatsapp:{CUSTOMER}", CUSTOMER, CUSTOMER, CUSTOMER]
        assert [message["body"] for message in sent] == [
            "*Sanne (Polderstroom):* Ik kijk het voor je na.",
            "Sanne (Polderstroom): Ik bel je morgen.",
            "Je staat in de wachtrij.",
            "Heb ik je geholpen?\n- Ja\n- Nee",
        ]
        assert len(fake_twilio.sent) == 4
        fake_twilio.mode = "refuse"
        with pytest.raises(ProviderError, match="HTTP 400: error 21211"):
            await output.send_response(SMS_CONVERSATION, {"text": "Nog iets?", "agent": "Sanne"})
    finally:
        await channel.api.close()


async def test_a_long_text_goes_in_pieces_within_twilios_limit_and_paragraphs_stay_together(fake_twilio):
    channel = TwilioInput(settings_for(fake_twilio, 1))
    text = "Goed dat je het vraagt.\n\n" + ("woord " * 700).strip()
    try:
        await channel.get_output_channel().send_response(SMS_CONVERSATION, {"text": text})
    finally:
        await channel.api.close()
    bodies = [message["body"] for message in fake_twilio.sent]
    assert len(bodies) == 3 and all(len(body) <= 1600 for body in bodies)
    assert bodies[0].startswith("Goed dat je het vraagt.\n\nwoord") and " ".join(bodies) == text


async def test_a_slow_or_unreachable_twilio_is_a_clear_error(fake_twilio):
    fake_twilio.mode = "slow"
    slow = TwilioInput(settings_for(fake_twilio, 1, timeout_seconds=0.3))  # type: ignore[arg-type]
    gone = TwilioInput(settings_for(fake_twilio, 1, api_url=f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(ProviderError, match="Twilio did not answer within 0.3 s"):
            await slow.get_output_channel().send_response(SMS_CONVERSATION, {"text": "Hallo"})
        with pytest.raises(ProviderError, match=r"Twilio is not reachable \(ClientConnectorError\)"):
            await gone.get_output_channel().send_response(SMS_CONVERSATION, {"text": "Hallo"})
    finally:
        await slow.api.close()
        await gone.api.close()


async def test_pushing_without_an_account_raises_a_clear_error(fake_twilio):
    channel = TwilioInput(settings_for(fake_twilio, 1, account_sid="", sms_number="", whatsapp_number=""))
    with pytest.raises(ProviderError, match="set TWILIO_ACCOUNT_SID, TWILIO_NUMBER"):
        await channel.get_output_channel().send_response(SMS_CONVERSATION, {"text": "Hallo"})
    assert fake_twilio.sent == []


async def test_without_settings_the_channel_starts_and_answers_every_webhook_with_503(monkeypatch, fake_twilio, caplog):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_FILE", "TWILIO_NUMBER", "TWILIO_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    agent = StandInAgent()
    channel = TwilioInput.from_credentials(None)  # `naadloos.channels.twilio.TwilioInput:` with nothing under it
    async with serving([channel], agent) as running:
        with caplog.at_level(logging.WARNING):
            status, body = await fake_twilio.webhook(running.webhook("twilio"), fake_twilio.incoming(CUSTOMER, "hallo"))
    assert (status, json.loads(body)) == (503, {"error": "the Twilio channel is not configured"})
    assert "set TWILIO_AUTH_TOKEN, TWILIO_WEBHOOK_URL" in caplog.text and agent.received == []
