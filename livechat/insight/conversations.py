"""Rasa's conversation store, read only: the `events` table Rasa's SQL tracker store writes
(one row per event: sender_id, type_name, timestamp, intent_name, action_name, data as JSON),
split into sessions and reduced to what the insight counts (`Session`).

Where the store is: ``LIVECHAT_TRACKER_STORE_URL`` (a SQLAlchemy URL; production: the PostgreSQL
database of config/endpoints.production.yml), else ``conversations.sqlite3`` in the var folder, as
endpoints.yml keeps it on a laptop. A SQLite file is opened read only and never created.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.insight import tracker_names as names
from livechat.storage.db import sqlite_file
from naadloos.core.environment import read_text

TRACKER_STORE_FILE = "conversations.sqlite3"  # endpoints.yml: ${NAADLOOS_VAR_DIR}/conversations.sqlite3
UNKNOWN_CHANNEL = "unknown"


class ConversationsUnavailable(RuntimeError):
    """The conversation store cannot be read (missing file, no `events` table, no connection)."""


def tracker_store_url(var_dir: Path) -> str:
    return read_text("LIVECHAT_TRACKER_STORE_URL", f"sqlite:///{var_dir / TRACKER_STORE_FILE}")


def read_only_engine(url: str) -> Engine:
    """An engine that reads the store; a SQLite file must exist and is opened with mode=ro."""
    path = sqlite_file(url)
    if path is not None:
        if not path.is_file():
            raise ConversationsUnavailable(f"no conversation store at {path}")
        uri = f"file:{quote(str(path))}?mode=ro"
        return sa.create_engine("sqlite://", future=True, creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=2, max_overflow=2)


@dataclass
class Handover:
    reason: str
    team: str
    status: str


@dataclass
class Session:
    """One conversation session and what happened in it."""

    sender_id: str
    start: float  # Unix timestamp of its first event
    channel: str = UNKNOWN_CHANNEL
    user_messages: int = 0
    handovers: list[Handover] = field(default_factory=list)
    feedback: list[tuple[str, bool]] = field(default_factory=list)  # (feedback_subject, helped)
    not_understood: list[str] = field(default_factory=list)  # the customer's texts

    @property
    def contained(self) -> bool:
        """The assistant handled it without handing over (whether or not a colleague was free)."""
        return not self.handovers


EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


def read_sessions(engine: Engine, start: float, end: float) -> list[Session]:
    """The sessions that started in [start, end) (Unix timestamps), of every conversation that has
    an event in that range, in the order of the conversations and their events."""
    senders = sa.select(EVENTS.c.sender_id).where(EVENTS.c.timestamp >= start, EVENTS.c.timestamp < end).distinct()
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.intent_name,
                  EVENTS.c.action_name, EVENTS.c.data)
        .where(EVENTS.c.sender_id.in_(senders), EVENTS.c.timestamp < end)
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    except sa.exc.SQLAlchemyError as error:
        raise ConversationsUnavailable(str(error).splitlines()[0]) from error
    return [found for found in sessions(rows) if start <= found.start < end]


def event_data(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def sessions(rows: Iterable[Any]) -> Iterator[Session]:
    """Rows of the events table (ordered by conversation and id) -> sessions."""
    current: _Reader | None = None
    for row in rows:
        starts = row.type_name == "action" and row.action_name == names.SESSION_START_ACTION
        if current is None or current.session.sender_id != row.sender_id or starts:
            if current is not None:
                yield current.finish()
            current = _Reader(Session(row.sender_id, row.timestamp or 0.0))
        current.read(row.type_name, row.intent_name, row.action_name, event_data(row.data))
    if current is not None:
        yield current.finish()


class _Reader:
    """Reads the events of one session in order."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.slots: dict[str, Any] = {}
        self.after: str | None = None  # the action whose slots follow (handover, feedback)
        self.last_text: str | None = None  # the customer's last message, until the next one
        self.last_counted = False

    def _close_action(self) -> None:
        if self.after == names.HANDOVER_ACTION:
            self.session.handovers.append(Handover(
                str(self.slots.get(names.ESCALATION_REASON) or "onbekend"),
                str(self.slots.get(names.ESCALATION_TEAM) or ""),
                str(self.slots.get(names.HANDOVER_STATUS) or ""),
            ))
        elif self.after == names.FEEDBACK_ACTION:
            subject = self.slots.get(names.FEEDBACK_SUBJECT)
            if subject and isinstance(self.slots.get(names.FEEDBACK_HELPED), bool):
                self.session.feedback.append((str(subject), bool(self.slots[names.FEEDBACK_HELPED])))
        self.after = None

    def _not_understood(self) -> None:
        if self.last_text is not None and not self.last_counted:
            self.session.not_understood.append(self.last_text)
            self.last_counted = True

    def read(self, kind: str, intent: str | None, action: str | None, data: dict[str, Any]) -> None:
        if kind == "slot":
            self.slots[str(data.get("name"))] = data.get("value")
            return
        if kind not in ("action", "user"):
            return
        self._close_action()
        if kind == "user":
            session = self.session
            if session.user_messages == 0:
                session.channel = str(data.get("input_channel") or UNKNOWN_CHANNEL)
            session.user_messages += 1
            self.last_text, self.last_counted = str(data.get("text") or ""), False
            if intent == names.NLU_FALLBACK_INTENT:
                self._not_understood()
        elif action == names.FALLBACK_ACTION:
            self._not_understood()
        elif action in (names.HANDOVER_ACTION, names.FEEDBACK_ACTION):
            self.after = action

    def finish(self) -> Session:
        self._close_action()
        return self.session
