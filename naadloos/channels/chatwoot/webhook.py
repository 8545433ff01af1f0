"""What Chatwoot sends its agent bot, and which of it the assistant answers.

Chatwoot posts every event of the bot's inboxes to the bot's URL (app/listeners/agent_bot_listener.rb:
``message_created``, ``message_updated``, ``conversation_opened``, ``conversation_resolved``,
``conversation_status_changed``, ``webwidget_triggered``), signed like its other webhooks
(`naadloos.handover_contract.chatwoot.webhook_signing`). A ``message_created`` body is the message
(`Message#webhook_data`): ``id``, ``content``, ``message_type`` (incoming | outgoing | activity |
template), ``private``, ``attachments``, ``account``, ``inbox`` and ``conversation`` with its
display ``id`` and ``status`` (open | pending | resolved | snoozed).

The assistant answers only a customer's message (``incoming``, not private) in a ``pending``
conversation: pending is the bot's turn, open belongs to the agents. Everything else (the bot's
own replies, agents' messages and notes, other events, other accounts) is ignored. A body that is
not JSON, or a ``message_created`` without the ids it needs, is refused (`BadEvent`, answer 400).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naadloos.handover_contract.chatwoot.links import front_door_sender_id

MESSAGE_CREATED = "message_created"
INCOMING = "incoming"
PENDING = "pending"
CHANNEL = "chatwoot"


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
    media: bool  # a photo, voice message, file, location ...
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


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadEvent(f"the field '{field}' is missing or not a whole number")
    return value


def customer_message(event: Mapping[str, Any], account_id: int) -> CustomerMessage | Ignored:
    """The customer's message in `event` for the assistant, or why there is none."""
    if event["event"] != MESSAGE_CREATED:
        return Ignored(f"event {event['event']}")
    if not isinstance(event.get("conversation"), dict):
        raise BadEvent("the field 'conversation' is missing or not an object")
    conversation = event["conversation"]
    conversation_id = _id(conversation.get("id"), "conversation.id")
    message_id = _id(event.get("id"), "id")
    if _object(event.get("account")).get("id") != account_id:
        return Ignored("another account")
    if event.get("message_type") != INCOMING or event.get("private") is True:
        return Ignored("not a message from the customer")
    if conversation.get("status") != PENDING:
        return Ignored(f"the conversation is {conversation.get('status')!r}, not pending")
    content = event.get("content")
    text = content.strip() if isinstance(content, str) else ""
    media = bool(event.get("attachments"))
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
