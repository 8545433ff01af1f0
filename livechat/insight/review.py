"""Conversation review on the insight page: the review tags a team lead or designer can put on a
conversation, the list of conversations of a period with their tags, and one conversation's
transcript as Rasa's conversation store has it (read only; `livechat.insight.conversations`)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.desk_labels import reason_label
from livechat.insight import tracker_names as names
from livechat.insight.conversations import EVENTS, ConversationsUnavailable, Session, event_data
from livechat.storage.schema import iso
from naadloos.handover_contract.schema import channel_label

# code -> what the page shows; the order is the page's order.
REVIEW_TAGS = {
    "fout_antwoord": "Fout antwoord",
    "terecht_doorgezet": "Terecht doorgezet",
    "onterecht_doorgezet": "Onterecht doorgezet",
    "niet_begrepen": "Niet begrepen",
    "goed_geholpen": "Goed geholpen",
}
MAX_LISTED = 200  # newest sessions of the period
MAX_LINES = 2000  # lines of one transcript


def _moment(timestamp: float | None) -> str | None:
    return iso(datetime.fromtimestamp(timestamp, timezone.utc)) if timestamp is not None else None


def listed(
    found: Sequence[Session], channel: str | None, tags: Mapping[str, list[str]], tag: str | None,
    reasons: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The sessions with a customer message (of `channel`, with `tag`), newest first."""
    chosen = [
        s for s in found
        if s.user_messages and (channel is None or s.channel == channel) and (tag is None or tag in tags.get(s.sender_id, ()))
    ]
    chosen.sort(key=lambda s: (-s.start, s.sender_id))
    return [
        {
            "conversation_id": s.sender_id,
            "started_at": _moment(s.start),
            "channel": channel_label(s.channel),
            "contained": s.contained,
            "handover_reasons": [reason_label(h.reason, reasons) for h in s.handovers],
            "not_understood": len(s.not_understood),
            "tags": tags.get(s.sender_id, []),
        }
        for s in chosen[:MAX_LISTED]
    ]


def transcript(engine: Engine, conversation_id: str, reasons: Mapping[str, str]) -> list[dict[str, Any]]:
    """What the customer and the assistant said, in order, with the moments a session started and
    the conversation was handed over; [] for a conversation the store does not have."""
    query = (
        sa.select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.action_name, EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot", "action", "slot")))
        .order_by(EVENTS.c.id)
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    except sa.exc.SQLAlchemyError as error:
        raise ConversationsUnavailable(str(error).splitlines()[0]) from error
    lines: list[dict[str, Any]] = []
    reason: str | None = None
    handed_over_at: int | None = None
    for row in rows:
        data = event_data(row.data)
        if row.type_name == "slot" and data.get("name") == names.ESCALATION_REASON and data.get("value"):
            reason = str(data["value"])
            if handed_over_at is not None:  # action_handover sets the reason right after it runs
                lines[handed_over_at]["text"] = f"Doorgezet naar een collega: {reason_label(reason, reasons)}"
            continue
        if row.type_name == "action":
            handed_over_at = None
            if row.action_name == names.SESSION_START_ACTION:
                lines.append({"from": "systeem", "text": "Nieuwe sessie", "at": _moment(row.timestamp)})
            elif row.action_name == names.HANDOVER_ACTION:
                handed_over_at = len(lines)
                label = reason_label(reason, reasons) if reason else "reden onbekend"
                lines.append({"from": "systeem", "text": f"Doorgezet naar een collega: {label}", "at": _moment(row.timestamp)})
            continue
        if row.type_name in ("user", "bot") and data.get("text"):
            lines.append({"from": "klant" if row.type_name == "user" else "assistent", "text": str(data["text"]),
                          "at": _moment(row.timestamp)})
        if len(lines) >= MAX_LINES:
            break
    return lines
