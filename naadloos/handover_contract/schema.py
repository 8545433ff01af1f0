"""What the bot asks a live-chat back end and what it gets back: one home for these shapes, used by
every back end (`naadloos.handover_contract.builtin`, `naadloos.handover_contract.chatwoot`).

Failures are one family, so a caller has one path for "no person now":

- `LiveChatUnavailable`: the back end could not be reached or did not answer properly (retry later);
- `LiveChatRejected` (a `LiveChatUnavailable`): it answered that it will not take this request
  (HTTP 4xx); sending the same again will not help. For a forwarded customer message, 404 means
  the conversation has no open hand-over;
- `HandoverRefused`: nobody can take over now, with the reason (`CLOSED`, `HOLIDAY`, `NO_AGENTS`,
  `QUEUE_FULL`).

The request shapes are plain JSON-able dataclasses, so a record that waits in the bot's outbox is
stored as its kind (`TICKET`, `CALLBACK`, `CUSTOMER_MESSAGE`) and its JSON, never as a URL of one
back end, and replayed through whichever back end is configured (`record_from_json`).

The limits below are the contract's: the bot cuts what it sends to them, and every back end takes
anything within them (the built-in live chat refuses more with 422: `livechat.validation`). The
reason of a request (`EscalationRecord.reason`) is an escalation reason code; which codes exist is
the escalation configuration's business (config/escalation.yml, `naadloos.escalation.config`),
the contract only fixes their form (`CODE_PATTERN`, `MAX_CODE`), so a new topic needs no change here.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

# Why a person can or cannot take over (`Availability.reason`, `HandoverRefused.reason`).
OPEN = "open"
CLOSED = "closed"
HOLIDAY = "holiday"
NO_AGENTS = "no_agents"
QUEUE_FULL = "queue_full"
AVAILABILITY_REASONS = (OPEN, CLOSED, HOLIDAY, NO_AGENTS, QUEUE_FULL)
TEAM_BUSY = (NO_AGENTS, QUEUE_FULL)  # then another team (the default team) may still help

# How urgent a request is: the order of the colleagues' queue, most urgent first. The escalation
# file's triggers choose one (`naadloos.escalation.config`); the domain's `escalation_priority` slot
# lists the same values (checked by tests/unit/test_handover_contract_schema.py).
PRIORITIES = ("urgent", "high", "normal")

# Limits of what a request may hold, in characters or items.
MAX_ID = 128  # an idempotency key, a message id
MAX_CONVERSATION_ID = 255
MAX_CODE = 64  # a channel, reason or team code
MAX_SUMMARY = 2000
MAX_TEXT = 5000  # one message, one turn of the transcript
MAX_TRANSCRIPT_TURNS = 2000
MAX_EVENTS = 10000  # raw Rasa events with a hand-over
# What an idempotency key, a channel and a reason code look like.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")

# The channel a record names (`EscalationRecord.channel`): Rasa's input channel of the conversation,
# except that Twilio carries SMS and WhatsApp, told apart by the customer's address
# (`channel_code`). Each with the words a colleague reads: one home for every back end and desk.
TWILIO = "twilio"  # SMS through Twilio (also older records of WhatsApp through Twilio)
TWILIO_WHATSAPP = "twilio_whatsapp"  # WhatsApp through Twilio
TWILIO_WHATSAPP_PREFIX = "whatsapp:"  # how a Twilio conversation id of a WhatsApp customer starts
CHANNEL_LABELS = {
    "socketio": "chat op de website",
    "rest": "chat via de API",
    "whatsapp": "WhatsApp",  # the WhatsApp Cloud API
    TWILIO_WHATSAPP: "WhatsApp",
    TWILIO: "SMS",
    "telegram": "Telegram",
    "chatwoot": "Chatwoot",
    "facebook": "Facebook Messenger",
    "cmdline": "testconsole",
    "unknown": "onbekend kanaal",
}


def channel_code(input_channel: str, conversation_id: str) -> str:
    """The channel a record names for a conversation on Rasa's `input_channel`: for Twilio, SMS
    (`TWILIO`) or WhatsApp (`TWILIO_WHATSAPP`, the id starts with "whatsapp:"); else the input channel."""
    if input_channel == TWILIO and conversation_id.startswith(TWILIO_WHATSAPP_PREFIX):
        return TWILIO_WHATSAPP
    return input_channel


def channel_label(channel: str) -> str:
    """The channel in a colleague's words ("SMS", "WhatsApp", ...); an unknown code as it is."""
    return CHANNEL_LABELS.get(channel, channel)


# Kinds of the records that may wait in the outbox.
TICKET = "ticket"
CALLBACK = "callback"
CUSTOMER_MESSAGE = "customer_message"


class LiveChatUnavailable(Exception):
    """The live-chat back end could not be reached or did not answer properly."""


class LiveChatRejected(LiveChatUnavailable):
    """The back end answered 4xx: retrying the same request will not help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class HandoverRefused(Exception):
    """The back end refused the hand-over: no human can take over now."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Availability:
    can_take_over: bool
    reason: str  # open | closed | holiday | no_agents | queue_full
    estimated_wait_minutes: int
    team: str  # the team this answer is about


@dataclass(frozen=True)
class Handover:
    id: int
    status: str
    queue_position: int | None
    estimated_wait_minutes: int
    # For the web chat page to ask how its own wait goes (`wait_token`); only a back end whose
    # waiting status the page can ask for (the built-in desk) gives one.
    wait_token: str | None = None


@dataclass(frozen=True)
class OpenedHandover:
    """A hand-over that a back end accepted, and the team that took it (the trigger's own team,
    or the fallback team when that one was busy)."""

    handover: Handover
    team: str


@dataclass(frozen=True)
class EscalationRecord:
    """What every record of an escalated conversation names: whose it is, the key that makes a
    repeated delivery harmless, why, how urgent, for which team, and a few Dutch lines (the first
    the reason in words)."""

    conversation_id: str
    idempotency_key: str
    channel: str
    reason: str
    priority: str
    team: str
    summary: str

    def __post_init__(self) -> None:
        # The bot passes Rasa's input channel; the record names the carrier (`channel_code`).
        object.__setattr__(self, "channel", channel_code(self.channel, self.conversation_id))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HandoverRequest(EscalationRecord):
    """Everything a colleague needs to take over without asking again. `transcript` holds the
    turns (`role` user|bot, `text`, `timestamp`, for the customer `message_id`, `intent`,
    `entities`); `events` the raw Rasa events. `ask_satisfaction`: whether the back end asks the
    customer how satisfied they are when a colleague closes the conversation as solved
    (`satisfaction`). The bot decides it (false after a death or a crisis: the trigger's
    `ask_satisfaction` in config/escalation.yml), so no back end needs to know the reasons."""

    customer: dict[str, str] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    ask_satisfaction: bool = True

    def for_team(self, team: str) -> HandoverRequest:
        """The same request for another team. Its idempotency key differs: a key stands for one
        request, and a retry of the first team's request must not collide with this one."""
        if team == self.team:
            return self
        return replace(self, team=team, idempotency_key=f"{self.idempotency_key}.{team}")


@dataclass(frozen=True)
class TicketRequest(EscalationRecord):
    """The conversation stored for a person to follow up, when nobody could take over."""

    contact_preference: str  # callback_offered | referred
    customer: dict[str, str] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CallbackRequest:
    """"Bel me terug": the number and the moment the customer gave. Without a team the back end
    gives it to its default team."""

    conversation_id: str
    idempotency_key: str
    phone: str
    preferred_moment: str
    team: str | None = None

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        if self.team is None:
            del body["team"]
        return body


@dataclass(frozen=True)
class CustomerMessage:
    """What the customer typed during a hand-over; `message_id` makes a repeated delivery harmless."""

    conversation_id: str
    text: str
    message_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def customer_message_id(event: dict[str, Any]) -> str:
    """The id of a Rasa `user` event for de-duplication: Rasa's own message id, or, when it gave
    none, the conversation and the event's timestamp (the same on every path that carries it)."""
    return str(event.get("message_id") or f"{event.get('sender_id')}-{event.get('timestamp')}")


Record = TicketRequest | CallbackRequest | CustomerMessage
_RECORD_TYPES: dict[str, type[TicketRequest] | type[CallbackRequest] | type[CustomerMessage]] = {
    TICKET: TicketRequest,
    CALLBACK: CallbackRequest,
    CUSTOMER_MESSAGE: CustomerMessage,
}


class RecordError(ValueError):
    """A stored record of an unknown kind or with missing fields."""


def record_kind(record: Record) -> str:
    """The kind under which `record` is stored (`TICKET`, `CALLBACK`, `CUSTOMER_MESSAGE`)."""
    return next(kind for kind, cls in _RECORD_TYPES.items() if isinstance(record, cls))


def record_from_json(kind: str, payload: dict[str, Any]) -> Record:
    """The record stored as `kind` and `payload` (`to_json()`); fields it does not know are ignored,
    so an older record still reads after a field was added."""
    cls = _RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordError(f"unknown record kind {kind!r}")
    known = {f.name for f in fields(cls)}
    try:
        return cls(**{key: value for key, value in payload.items() if key in known})
    except TypeError as error:
        raise RecordError(f"{kind} record without its required fields: {error}") from error
