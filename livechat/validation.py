"""Validation of request bodies: types, required fields, sizes and allowed values.

Every check raises `ValidationError(field, message)`, which the API turns into a 422 JSON body
``{"error": "validation_error", "field": "transcript[3].role", "message": "..."}``.

What the bot sends (a hand-over, ticket, callback, customer message) is checked against the
hand-over contract's own limits, priorities and code form (`naadloos.handover_contract.schema`),
never against copies. The contract's request shapes (`HandoverRequest`, `TicketRequest`,
`CallbackRequest`) are what comes in; what goes out of here is what this service stores: a
`NewHandover` is a row of the hand-over table (the transcript cleaned, timestamps as Unix seconds,
the events in the column `raw_events`, the fields the idempotency fingerprint is taken over), and a
callback gains `preferred_at` from the customer's chosen moment. tests/livechat/test_contract_shapes.py
checks that every field of the contract's shapes arrives.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from livechat.storage.handovers import NewHandover
from livechat.storage.schema import INBOX_OUTCOMES, OUTCOMES
from naadloos.core.parsing import parse_phone_number
from naadloos.handover_contract.schema import (
    CODE_PATTERN,
    MAX_CODE,
    MAX_CONVERSATION_ID,
    MAX_EVENTS,
    MAX_ID,
    MAX_SUMMARY,
    MAX_TEXT,
    MAX_TRANSCRIPT_TURNS,
    PRIORITIES,
)

MAX_MAPPING_KEYS = 200
ROLES = ("user", "bot")


class ValidationError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def require_object(data: Any, field: str = "body") -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError(field, "must be a JSON object")
    return data


def text(
    data: Mapping[str, Any],
    key: str,
    max_length: int,
    required: bool = True,
    allowed: Sequence[str] | None = None,
    token: bool = False,
    prefix: str = "",
    default: str = "",
) -> str:
    """A string field: present (when required), non-empty, not too long, optionally from a set."""
    field = prefix + key
    value = data.get(key)
    if value is None:
        if required:
            raise ValidationError(field, "is required")
        return default
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    value = value.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL; it means nothing in a chat
    if required and not value:
        raise ValidationError(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationError(field, f"is longer than {max_length} characters")
    if allowed is not None and value not in allowed:
        raise ValidationError(field, f"must be one of: {', '.join(allowed)}")
    if token and value and not CODE_PATTERN.match(value):
        raise ValidationError(field, "may only contain letters, digits and _ . : -")
    return value


def mapping(data: Mapping[str, Any], key: str, prefix: str = "") -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(prefix + key, "must be an object")
    if len(value) > MAX_MAPPING_KEYS:
        raise ValidationError(prefix + key, f"has more than {MAX_MAPPING_KEYS} keys")
    return dict(value)


def array(data: Mapping[str, Any], key: str, max_items: int, prefix: str = "") -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(prefix + key, "must be an array")
    if len(value) > max_items:
        raise ValidationError(prefix + key, f"has more than {max_items} items")
    return value


def _transcript_turn(turn: Any, index: int) -> dict[str, Any]:
    prefix = f"transcript[{index}]."
    turn = require_object(turn, f"transcript[{index}]")
    clean: dict[str, Any] = {
        "role": text(turn, "role", 8, allowed=ROLES, prefix=prefix),
        "text": text(turn, "text", MAX_TEXT, required=False, prefix=prefix),
        "timestamp": _timestamp(turn.get("timestamp"), prefix + "timestamp"),
    }
    intent = turn.get("intent")
    if intent is not None:
        intent = require_object(intent, prefix + "intent")
        confidence = intent.get("confidence")
        if confidence is not None and (
            isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1
        ):
            raise ValidationError(prefix + "intent.confidence", "must be a number from 0 to 1")
        clean["intent"] = {"name": text(intent, "name", 200, prefix=prefix + "intent."), "confidence": confidence}
    entities = array(turn, "entities", 100, prefix=prefix)
    for position, entity in enumerate(entities):
        require_object(entity, f"{prefix}entities[{position}]")
    clean["entities"] = entities
    if turn.get("message_id") is not None:
        clean["message_id"] = text(turn, "message_id", MAX_ID, prefix=prefix)
    for extra in ("buttons", "metadata", "safety_net", "scope"):
        if extra in turn:
            clean[extra] = turn[extra]
    return clean


def _timestamp(value: Any, field: str) -> float | None:
    """Unix seconds (as Rasa stores them) or an ISO 8601 string; returned as Unix seconds."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be Unix seconds or an ISO 8601 date-time")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise ValidationError(field, "must be Unix seconds or an ISO 8601 date-time")


def yes_no(data: Mapping[str, Any], key: str, default: bool) -> bool:
    """A true/false field; `default` when absent or null."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(key, "must be true or false")
    return value


def team(data: Mapping[str, Any], teams: Sequence[str], default_team: str) -> str:
    """The request's team: one of LIVECHAT_TEAMS (`teams`), the default team when absent."""
    return text(data, "team", MAX_CODE, required=False, allowed=teams) or default_team


def handover(data: Any, teams: Sequence[str], default_team: str) -> NewHandover:
    body = require_object(data)
    transcript = [_transcript_turn(turn, i) for i, turn in enumerate(array(body, "transcript", MAX_TRANSCRIPT_TURNS))]
    events = array(body, "events", MAX_EVENTS)
    for index, event in enumerate(events):
        if not isinstance(event, Mapping) or not isinstance(event.get("event"), str):
            raise ValidationError(f"events[{index}]", "must be a Rasa event object with an 'event' name")
    return NewHandover(
        conversation_id=text(body, "conversation_id", MAX_CONVERSATION_ID),
        idempotency_key=text(body, "idempotency_key", MAX_ID, token=True),
        channel=text(body, "channel", MAX_CODE, token=True),
        reason=text(body, "reason", MAX_CODE, token=True),
        priority=text(body, "priority", 16, required=False, allowed=PRIORITIES, default="normal") or "normal",
        team=team(body, teams, default_team),
        summary=text(body, "summary", MAX_SUMMARY),
        customer=mapping(body, "customer"),
        slots=mapping(body, "slots"),
        transcript=transcript,
        raw_events=[dict(e) for e in events],
        ask_satisfaction=yes_no(body, "ask_satisfaction", default=True),
    )


def customer_message(data: Any) -> dict[str, str]:
    body = require_object(data)
    return {"text": text(body, "text", MAX_TEXT), "message_id": text(body, "message_id", MAX_ID)}


def agent_message(data: Any) -> str:
    return text(require_object(data), "text", MAX_TEXT)


MAX_WRAP_UP_NOTE = 500  # the short note with a closing outcome, and with a transfer


def close(data: Any) -> tuple[str, str]:
    """(outcome, note): the agent's wrap-up when closing a hand-over."""
    body = require_object(data)
    return text(body, "outcome", 16, allowed=OUTCOMES), text(body, "note", MAX_WRAP_UP_NOTE, required=False)


def transfer(data: Any, teams: Sequence[str]) -> tuple[str, int | None, str]:
    """(team, agent_id, note): to a team of LIVECHAT_TEAMS (`teams`), optionally to one colleague."""
    body = require_object(data)
    agent_id = body.get("agent_id")
    if agent_id is not None and (isinstance(agent_id, bool) or not isinstance(agent_id, int) or agent_id < 1):
        raise ValidationError("agent_id", "must be a positive whole number (a colleague's id)")
    return text(body, "team", MAX_CODE, allowed=teams), agent_id, text(body, "note", MAX_WRAP_UP_NOTE, required=False)


def inbox_outcome(data: Any) -> tuple[str, str]:
    """(outcome, note) of a ticket or callback, recorded by its owner in the desk's inbox."""
    body = require_object(data)
    return text(body, "outcome", 16, allowed=INBOX_OUTCOMES), text(body, "note", MAX_SUMMARY, required=False)


def login(data: Any) -> dict[str, str]:
    body = require_object(data)
    return {"username": text(body, "username", 64), "password": text(body, "password", 256)}


def ticket(data: Any, teams: Sequence[str], default_team: str) -> dict[str, Any]:
    body = require_object(data)
    transcript = [_transcript_turn(turn, i) for i, turn in enumerate(array(body, "transcript", MAX_TRANSCRIPT_TURNS))]
    return {
        "conversation_id": text(body, "conversation_id", MAX_CONVERSATION_ID),
        "idempotency_key": text(body, "idempotency_key", MAX_ID, token=True),
        "channel": text(body, "channel", MAX_CODE, token=True),
        "reason": text(body, "reason", MAX_CODE, token=True),
        "summary": text(body, "summary", MAX_SUMMARY, required=False),
        "customer": mapping(body, "customer"),
        "transcript": transcript,
        "contact_preference": text(body, "contact_preference", 255, required=False),
        "priority": text(body, "priority", 16, required=False, allowed=PRIORITIES, default="normal") or "normal",
        "team": team(body, teams, default_team),
    }


def callback(data: Any, teams: Sequence[str], default_team: str) -> dict[str, Any]:
    body = require_object(data)
    raw_phone = text(body, "phone", 40)
    phone = parse_phone_number(raw_phone)
    if phone is None:
        raise ValidationError("phone", "is not a valid Dutch phone number")
    preferred_at = body.get("preferred_at")
    moment: datetime | None = None
    if preferred_at is not None:
        if not isinstance(preferred_at, str):
            raise ValidationError("preferred_at", "must be an ISO 8601 date-time string")
        try:
            moment = datetime.fromisoformat(preferred_at.replace("Z", "+00:00"))
        except ValueError as error:
            raise ValidationError("preferred_at", "must be an ISO 8601 date-time string") from error
        if moment.tzinfo is None:
            raise ValidationError("preferred_at", "must include a timezone offset")
    preferred_moment = text(body, "preferred_moment", 255, required=moment is None)
    return {
        "conversation_id": text(body, "conversation_id", MAX_CONVERSATION_ID),
        "idempotency_key": text(body, "idempotency_key", MAX_ID, token=True),
        "name": text(body, "name", 120, required=False),
        "phone": phone,
        "preferred_moment": preferred_moment or (moment.isoformat() if moment else ""),
        "preferred_at": moment,
        "team": team(body, teams, default_team),
    }
