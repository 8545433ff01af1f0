"""What Chatwoot sends its agent bot, and which of it the assistant answers.

Chatwoot posts every event of the bot's inboxes to the bot's URL (app/listeners/agent_bot_listener.rb:
``message_created``, ``message_updated``, ``conversation_opened``, ``conversation_resolved``,
``conversation_status_changed``, ``webwidget_triggered``), signed like its other webhooks
(`naadloos.handover_contract.chatwoot.webhook_signing`). A ``message_created`` body is the message
(`Message#webhook_data`): ``id``, ``content``, ``message_type`` (incoming | outgoing | activity |
template), ``private``, ``attachments``, ``account``, ``inbox`` and ``conversation`` with its
display ``id`` and ``status`` (open | pending | resolved | snoozed).

The assistant answers only a customer's message (``incoming``, not private) in a ``pending``
conversation: pending is the bot's turn, open belongs to the agents. A file's ``attachments``
entry (`Attachment#push_event_data`: ``file_type``, ``data_url``; a place's coordinates or
``fallback_title``) becomes a `naadloos.channels.media.Media`, for a colleague of the built-in
desk.

The customer's pick of the bot's options (an ``input_select`` message, `naadloos.channels.chatwoot.output`)
comes as ``message_updated`` of that message, with ``content_attributes.submitted_values``
``[{"title", "value"}]`` (Chatwoot's web widget, or an API channel's client). Its value is the
button's payload, taken only when it is the value of one of the message's own ``items``: the
widget can change only ``submitted_values``, not the items Chatwoot stored when the bot sent them.
Other updates of a message (read, delivered, edited) hold no pick and are ignored.

Everything else (the bot's own replies, agents' messages and notes, other events, other accounts)
is ignored. A body that is not JSON, or a message event without the ids it needs, is refused
(`BadEvent`, answer 400).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naadloos.channels.media import CONTACT, DOCUMENT, LOCATION, OTHER, PHOTO, VIDEO, VOICE, Media
from naadloos.handover_contract.chatwoot.links import front_door_sender_id

MESSAGE_CREATED = "message_created"
MESSAGE_UPDATED = "message_updated"
INCOMING = "incoming"
OUTGOING = "outgoing"
TEMPLATE = "template"
INPUT_SELECT = "input_select"  # the content_type of a message with options
PENDING = "pending"
CHANNEL = "chatwoot"
MAX_ATTACHMENTS = 15  # Chatwoot's most files in one message (Message::NUMBER_OF_PERMITTED_ATTACHMENTS)
# An attachment's file_type as a `naadloos.channels.media` kind; any other is OTHER.
FILE_TYPES = {"image": PHOTO, "audio": VOICE, "video": VIDEO, "file": DOCUMENT, "location": LOCATION,
              "contact": CONTACT}


class BadEvent(ValueError):
    """Not an event Chatwoot sends (the message says what is wrong)."""


@dataclass(frozen=True)
class CustomerMessage:
    """A customer's message for the assistant."""

    account_id: int
    inbox_id: int | None
    conversation_id: int  # the display id, as in Chatwoot's API paths
    message_id: int
    text: str  # "" when only a file came
    media: tuple[Media, ...]  # a photo, voice message, file, location ... (none: empty)
    channel_type: str  # the inbox's kind: "Channel::Whatsapp", "Channel::WebWidget", ...

    @property
    def sender_id(self) -> str:
        return front_door_sender_id(self.account_id, self.conversation_id)

    @property
    def rasa_message_id(self) -> str:
        return f"chatwoot-{self.account_id}-{self.message_id}"

    def metadata(self) -> dict[str, Any]:
        """The user message's metadata in Rasa's tracker."""
        chatwoot = {"account_id": self.account_id, "inbox_id": self.inbox_id, "conversation_id": self.conversation_id,
                    "message_id": self.message_id, "channel_type": self.channel_type}
        return {"channel": CHANNEL, CHANNEL: chatwoot}


@dataclass(frozen=True)
class Ignored:
    """An event the assistant does not answer, and why (for the log)."""

    reason: str


def parse_event(body: bytes) -> dict[str, Any]:
    """The webhook as a dict with a string ``event``; `BadEvent` otherwise."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadEvent("the body is not valid JSON") from error
    if not isinstance(event, dict):
        raise BadEvent("the body is not a JSON object")
    if not isinstance(event.get("event"), str):
        raise BadEvent("the field 'event' is missing")
    return event


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def media_of(attachments: Any) -> tuple[Media, ...]:
    """The files of a message, each with its address (``data_url``) as the reference; whether that
    address may reach a colleague is `naadloos.channels.media.media_line`'s to decide."""
    found = []
    for attachment in attachments[:MAX_ATTACHMENTS] if isinstance(attachments, list) else []:
        item = _object(attachment)
        kind = FILE_TYPES.get(_text(item.get("file_type")), OTHER)
        latitude, longitude = _text(item.get("coordinates_lat")), _text(item.get("coordinates_long"))
        detail = f"{latitude}, {longitude}" if kind == LOCATION and latitude and longitude else _text(item.get("fallback_title"))
        found.append(Media(kind, detail, _text(item.get("data_url"))))
    return tuple(found)


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadEvent(f"the field '{field}' is missing or not a whole number")
    return value


def _attributes(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """A message's ``content_attributes`` (an object; older Chatwoot versions send it as JSON text)."""
    value = event.get("content_attributes")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    return _object(value)


def chosen_payload(event: Mapping[str, Any]) -> str | Ignored:
    """The payload the customer picked in the bot's options message `event`, or why there is none."""
    if event.get("content_type") != INPUT_SELECT or event.get("message_type") not in (OUTGOING, TEMPLATE):
        return Ignored("not a pick of the bot's options")
    attributes = _attributes(event)
    submitted = attributes.get("submitted_values")
    if not isinstance(submitted, list) or not submitted:
        return Ignored("options without a pick (yet)")
    value = _object(submitted[0]).get("value")
    items = attributes.get("items")
    offered = [_object(item).get("value") for item in items] if isinstance(items, list) else []
    if not isinstance(value, str) or not value.strip() or value not in offered:
        return Ignored("a picked value that is not one of the options")
    return value.strip()


def customer_message(event: Mapping[str, Any], account_id: int) -> CustomerMessage | Ignored:
    """The customer's message (or pick of the bot's options) in `event` for the assistant, or why
    there is none."""
    if event["event"] not in (MESSAGE_CREATED, MESSAGE_UPDATED):
        return Ignored(f"event {event['event']}")
    if not isinstance(event.get("conversation"), dict):
        raise BadEvent("the field 'conversation' is missing or not an object")
    conversation = event["conversation"]
    conversation_id = _id(conversation.get("id"), "conversation.id")
    message_id = _id(event.get("id"), "id")
    if _object(event.get("account")).get("id") != account_id:
        return Ignored("another account")
    media: tuple[Media, ...] = ()
    if event["event"] == MESSAGE_UPDATED:
        text = chosen_payload(event)
        if isinstance(text, Ignored):
            return text
    elif event.get("message_type") != INCOMING or event.get("private") is True:
        return Ignored("not a message from the customer")
    else:
        content = event.get("content")
        text = content.strip() if isinstance(content, str) else ""
        media = media_of(event.get("attachments"))
    if conversation.get("status") != PENDING:
        return Ignored(f"the conversation is {conversation.get('status')!r}, not pending")
    if not text and not media:
        return Ignored("no text and no file")
    inbox = _object(event.get("inbox")).get("id", conversation.get("inbox_id"))
    channel_type = conversation.get("channel") or _object(conversation.get("meta")).get("channel")
    return CustomerMessage(
        account_id=account_id,
        inbox_id=inbox if isinstance(inbox, int) and not isinstance(inbox, bool) else None,
        conversation_id=conversation_id,
        message_id=message_id,
        text=text,
        media=media,
        channel_type=channel_type if isinstance(channel_type, str) else "",
    )
