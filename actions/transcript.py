"""What the agent sees of the bot conversation: transcript, customer details and a short summary.

Pure functions over Rasa tracker events (dicts), so the agent gets exactly what happened.
"""
from __future__ import annotations

from typing import Any

from actions.constants import CUSTOMER_NUMBER, HOUSE_NUMBER, NEW_HOUSE_NUMBER, NEW_POSTCODE, POSTCODE
from naadloos.core.parse_data import VERDICT_KNOWN, scope_of
from naadloos.handover_contract.schema import MAX_TEXT

CUSTOMER_SLOTS = {
    CUSTOMER_NUMBER: "klantnummer",
    POSTCODE: "postcode",
    HOUSE_NUMBER: "huisnummer",
    NEW_POSTCODE: "nieuwe postcode",
    NEW_HOUSE_NUMBER: "nieuw huisnummer",
}
SUMMARY_QUESTION_CHARS = 200
MAX_TURN_CHARS = MAX_TEXT  # the hand-over contract's limit of one turn
MAX_TURNS = 1000


def transcript_from_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every user and bot turn, with time, and for the customer the intent, confidence and entities."""
    turns: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            turns.append(
                {
                    "role": "user",
                    "text": (event.get("text") or "")[:MAX_TURN_CHARS],
                    "message_id": event.get("message_id"),
                    "timestamp": event.get("timestamp"),
                    "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
                    "entities": [
                        {"entity": e.get("entity"), "value": e.get("value")} for e in parse.get("entities") or []
                    ],
                    **({"safety_net": parse["safety_net"]} if parse.get("safety_net") else {}),
                    **not_understood_because(parse),
                }
            )
        elif kind == "bot" and event.get("text"):
            turns.append({"role": "bot", "text": event["text"][:MAX_TURN_CHARS], "timestamp": event.get("timestamp")})
    return turns[-MAX_TURNS:]


def not_understood_because(parse: dict[str, Any]) -> dict[str, Any]:
    """The out-of-scope detector's verdict when it did not understand the message: the colleague
    then knows the assistant had no idea, rather than a wrong one."""
    scope = scope_of(parse)
    if scope.get("verdict") in (None, VERDICT_KNOWN):
        return {}
    return {"scope": {"verdict": scope["verdict"], "score": scope.get("score")}}


def customer_details(slots: dict[str, Any]) -> dict[str, str]:
    """What the customer told the bot about themselves, by Dutch label."""
    return {label: str(slots[slot]) for slot, label in CUSTOMER_SLOTS.items() if slots.get(slot)}


def handover_summary(reason_label: str, transcript: list[dict[str, Any]], slots: dict[str, Any]) -> str:
    """A few Dutch lines so the agent knows at a glance why the customer is here."""
    lines = [reason_label]
    questions = [turn["text"] for turn in transcript if turn["role"] == "user" and not turn["text"].startswith("/")]
    substantive = [q for q in questions if len(q.split()) > 2] or questions
    if substantive:
        lines.append(f"Laatste vraag: \"{substantive[-1][:SUMMARY_QUESTION_CHARS]}\"")
    details = customer_details(slots)
    if details:
        lines.append("Gegevens: " + ", ".join(f"{label} {value}" for label, value in details.items()) + ".")
    return "\n".join(lines)
