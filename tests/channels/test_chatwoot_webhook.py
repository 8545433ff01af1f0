"""What the `chatwoot` channel reads in the agent bot's webhooks (`naadloos.channels.chatwoot.webhook`),
without a server: which events are the customer's, their ids, their files, and the customer's pick
of the bot's options (``message_updated`` with ``submitted_values``). The channel in a server, against
the fake Chatwoot, is in test_chatwoot_channel.py."""
from __future__ import annotations

import json
from typing import Any

import pytest

from naadloos.channels.chatwoot.options import ConversationChannels, option_items
from naadloos.channels.chatwoot.webhook import BadEvent, CustomerMessage, Ignored, customer_message, parse_event
from naadloos.channels.media import CONTACT, DOCUMENT, LOCATION, OTHER, PHOTO, VOICE, Media
from naadloos.channels.whatsapp.messages import Choice

ACCOUNT = 3
ITEMS = [{"title": "Mijn factuur", "value": "/faq_invoice"}, {"title": "Verhuizen", "value": "/moving"}]


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": "message_created", "id": 501, "content": " Hoi ", "message_type": "incoming", "private": False,
        "account": {"id": ACCOUNT}, "inbox": {"id": 7}, "conversation": {"id": 42, "status": "pending",
                                                                          "channel": "Channel::Whatsapp"},
    }
    return {**base, **changes}


def pick(value: Any = "/moving", **changes: Any) -> dict[str, Any]:
    """The bot's options message 480 after the customer picked `value` in the web widget."""
    attributes = {"items": ITEMS, "submitted_values": [{"title": "Verhuizen", "value": value}]}
    return event(**{"event": "message_updated", "id": 480, "content": "Waar gaat je vraag over?",
                    "message_type": "outgoing", "content_type": "input_select", "content_attributes": attributes,
                    "conversation": {"id": 42, "status": "pending", "channel": "Channel::WebWidget"}, **changes})


@pytest.mark.parametrize(("changes", "reason"), [
    ({"event": "conversation_resolved"}, "event conversation_resolved"),
    ({"message_type": "outgoing"}, "not a message from the customer"),
    ({"message_type": "activity"}, "not a message from the customer"),
    ({"private": True}, "not a message from the customer"),
    ({"conversation": {"id": 42, "status": "open"}}, "'open', not pending"),
    ({"conversation": {"id": 42, "status": "resolved"}}, "'resolved', not pending"),
    ({"content": "  ", "attachments": []}, "no text and no file"),
    ({"account": {"id": 99}}, "another account"),
])
def test_only_a_customers_message_in_a_pending_conversation_is_for_the_assistant(changes, reason):
    found = customer_message(event(**changes), ACCOUNT)
    assert isinstance(found, Ignored) and reason in found.reason


def test_the_customers_message_is_read_with_its_ids():
    found = customer_message(event(), ACCOUNT)
    assert found == CustomerMessage(ACCOUNT, 7, 42, 501, "Hoi", (), "Channel::Whatsapp")
    assert isinstance(found, CustomerMessage) and found.sender_id == "chatwoot-3-42"


def test_a_non_object_body_is_a_bad_event():
    with pytest.raises(BadEvent, match="not a JSON object"):
        parse_event(b'"message_created"')


def test_files_are_read_with_their_kind_and_address():
    attachments = [
        {"id": 1, "file_type": "image", "data_url": "https://chatwoot.example.nl/rails/active_storage/foto.jpg"},
        {"id": 2, "file_type": "file", "data_url": "javascript:alert(1)"},
        {"id": 3, "file_type": "audio", "data_url": "https://chatwoot.example.nl/rails/active_storage/a.ogg"},
        {"id": 4, "file_type": "location", "coordinates_lat": 52.37, "coordinates_long": 4.89, "data_url": ""},
        {"id": 5, "file_type": "contact", "fallback_title": "Jan Jansen"},
        {"id": 6, "file_type": "ig_reel", "data_url": "data:text/html,x"},
        "not an object",
    ]
    found = customer_message(event(content="", attachments=attachments), ACCOUNT)
    assert isinstance(found, CustomerMessage) and found.text == ""
    assert found.media == (
        Media(PHOTO, "", attachments[0]["data_url"]), Media(DOCUMENT, "", "javascript:alert(1)"),
        Media(VOICE, "", attachments[2]["data_url"]), Media(LOCATION, "52.37, 4.89", ""),
        Media(CONTACT, "Jan Jansen", ""), Media(OTHER, "", "data:text/html,x"), Media(OTHER, "", ""),
    )  # whether an address may reach a colleague is media_line's to decide (test_attachment_links.py)


# --- the customer's pick of the bot's options --------------------------------------------------------
def test_the_customers_pick_is_the_buttons_payload():
    found = customer_message(pick(), ACCOUNT)
    assert found == CustomerMessage(ACCOUNT, 7, 42, 480, "/moving", (), "Channel::WebWidget")
    assert isinstance(found, CustomerMessage) and found.rasa_message_id == "chatwoot-3-480"  # one pick per message


def test_older_chatwoot_versions_send_the_attributes_as_json_text():
    changed = pick()
    changed["content_attributes"] = json.dumps(changed["content_attributes"])
    assert isinstance(customer_message(changed, ACCOUNT), CustomerMessage)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"content_type": "text"}, "not a pick of the bot's options"),  # an edited message
    ({"message_type": "incoming"}, "not a pick of the bot's options"),
    ({"content_attributes": {"items": ITEMS}}, "options without a pick"),  # read or delivered
    ({"content_attributes": {"items": ITEMS, "submitted_values": []}}, "options without a pick"),
    ({"content_attributes": "{not json"}, "options without a pick"),
    ({"conversation": {"id": 42, "status": "open"}}, "'open', not pending"),  # the agents have it
    ({"account": {"id": 99}}, "another account"),
])
def test_other_updates_of_a_message_are_no_pick(changes, reason):
    found = customer_message(pick(**changes), ACCOUNT)
    assert isinstance(found, Ignored) and reason in found.reason


@pytest.mark.parametrize("value", ["/request_human", '/inform{"customer_number": "1"}', "", None, 3, ["/moving"]])
def test_a_picked_value_that_was_not_offered_is_no_pick(value):
    """The widget lets the customer's browser change only submitted_values, so a value that is not
    one of the message's own items was not offered by the bot."""
    found = customer_message(pick(value), ACCOUNT)
    assert isinstance(found, Ignored) and "not one of the options" in found.reason


def test_a_pick_without_its_ids_is_a_bad_event():
    with pytest.raises(BadEvent, match="'id'"):
        customer_message(pick(id="480"), ACCOUNT)


def test_option_items_carry_the_title_and_the_payload_without_script_links():
    assert option_items([Choice("[klik](javascript:alert(1))", "/greet"), Choice("Verhuizen", "/moving")]) == [
        {"title": "[klik](#alert(1))", "value": "/greet"}, {"title": "Verhuizen", "value": "/moving"}]


def test_only_the_web_widget_and_api_inboxes_show_options():
    channels = ConversationChannels(limit=2)
    for sender, kind in (("a", "Channel::WebWidget"), ("b", "Channel::Email"), ("c", "Channel::Api")):
        channels.learn(sender, kind)
    assert [channels.shows_options(sender) for sender in "abc"] == [False, False, True]  # "a" was forgotten
    channels.learn("c", "")
    assert not channels.shows_options("c") and not channels.shows_options("unknown")
