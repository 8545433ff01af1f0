"""Which Chatwoot conversation belongs to which customer, kept on our side (SQLite, mode 0600).

Chatwoot only ever sees a hash of the customer's Rasa conversation id (the contact's
`identifier`, `contact_identifier`): a sender id can be a phone number or an e-mail address. The
back end (in the action server and the event broker) writes here; the webhook receiver reads here
to find the Rasa conversation of a Chatwoot conversation. All of them must reach the same file
(`NAADLOOS_CHATWOOT_DB`), so they run on one machine.

Also here: the idempotency keys of what the back end created (a retry finds the conversation it
made before), the customer messages already forwarded (each once), and the webhook deliveries
already processed (each once; kept until their signature could no longer be accepted anyway).

**Chatwoot as the front door** (the `chatwoot` channel, `naadloos.channels.chatwoot`): the customer
writes in a Chatwoot conversation and the Rasa sender id names it, ``chatwoot-<account>-<conversation>``
(`front_door_sender_id`). The back end then hands over in that conversation itself, and its link
keeps the id of the hand-over's private note (`Link.note_id`): a customer message after it in a
`pending` conversation means the agents gave the conversation back to the bot.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from naadloos.core.local_db import open_sqlite

HANDOVER = "handover"
TICKET = "ticket"
CALLBACK = "callback"
PURGE_EVERY = 100  # every n-th claimed delivery deletes the expired ones

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    identifier TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id INTEGER PRIMARY KEY,
    sender_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    open INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    ask_satisfaction INTEGER,
    note_id INTEGER
);
CREATE INDEX IF NOT EXISTS conversations_of_sender ON conversations (sender_id, kind, open);
CREATE TABLE IF NOT EXISTS requests (
    idempotency_key TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS forwarded (
    sender_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (sender_id, message_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery TEXT NOT NULL UNIQUE,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_attempts (
    message_key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL
);
"""
# Columns a later release added to a table of an older file: (table, column, type). The file of an
# older release gets them on first use (NULL in the rows it had).
_ADDED_COLUMNS = (("conversations", "ask_satisfaction", "INTEGER"), ("conversations", "note_id", "INTEGER"))
_FRONT_DOOR_SENDER = re.compile(r"chatwoot-([1-9][0-9]{0,17})-([1-9][0-9]{0,17})")


def contact_identifier(sender_id: str) -> str:
    """The Chatwoot contact's `identifier` (and contact inbox `source_id`) for a Rasa sender id:
    lowercase hex SHA-256, so Chatwoot never holds the raw id."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def front_door_sender_id(account_id: int, conversation_id: int) -> str:
    """The Rasa sender id of a customer who writes in Chatwoot conversation `conversation_id`
    (its display id) of `account_id`: ``chatwoot-3-42``."""
    return f"chatwoot-{account_id}-{conversation_id}"


def front_door_conversation(sender_id: str, account_id: int) -> int | None:
    """The Chatwoot conversation that `sender_id` names when it is a front-door sender id of
    `account_id` (`front_door_sender_id`), else None."""
    match = _FRONT_DOOR_SENDER.fullmatch(sender_id)
    return int(match.group(2)) if match and int(match.group(1)) == account_id else None


@dataclass(frozen=True)
class Link:
    conversation_id: int  # Chatwoot's display id
    sender_id: str  # Rasa's conversation id
    kind: str  # handover | ticket | callback
    reason: str  # the escalation reason
    open: bool  # a hand-over an agent has: customer messages go there, agent replies come back
    # A hand-over's `HandoverRequest.ask_satisfaction` (false after a death or a crisis); None for a
    # ticket or callback, and for a hand-over stored by an older release: not asked.
    ask_satisfaction: bool | None = None
    # Front door only: the id of the hand-over's private note; later customer messages came after it.
    note_id: int | None = None


_LINK_COLUMNS = "conversation_id, sender_id, kind, reason, open, ask_satisfaction, note_id"


def _link(row: tuple) -> Link:
    ask = row[5]
    note_id = None if row[6] is None else int(row[6])
    return Link(int(row[0]), row[1], row[2], row[3], bool(row[4]), None if ask is None else bool(ask), note_id)


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    for table, column, kind in _ADDED_COLUMNS:
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            try:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):  # another process added it just now
                    raise


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class ChatwootLinks:
    def __init__(self, database: Path) -> None:
        self._database = database
        self._columns_checked = False

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """One connection in one transaction (committed on success); the file is made 0600 first."""
        if not self._database.exists():
            self._database.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self._database, os.O_WRONLY | os.O_CREAT, 0o600))
        with closing(open_sqlite(self._database, _SCHEMA)) as connection, connection:
            if not self._columns_checked:
                _add_missing_columns(connection)
                self._columns_checked = True
            yield connection

    def check(self) -> None:
        """Raises `sqlite3.Error` when the file cannot be read and written (for /health)."""
        with self._connection() as connection:
            connection.execute("SELECT count(*) FROM conversations").fetchone()
            connection.execute("DELETE FROM deliveries WHERE 0")

    # --- contacts ------------------------------------------------------------------------------
    def contact_id(self, identifier: str) -> int | None:
        with self._connection() as connection:
            row = connection.execute("SELECT contact_id FROM contacts WHERE identifier = ?", (identifier,)).fetchone()
        return int(row[0]) if row else None

    def remember_contact(self, identifier: str, contact_id: int) -> None:
        with self._connection() as connection:
            connection.execute(
                "INSERT INTO contacts (identifier, contact_id) VALUES (?, ?) "
                "ON CONFLICT (identifier) DO UPDATE SET contact_id = excluded.contact_id",
                (identifier, contact_id),
            )

    # --- what the back end created, by idempotency key ----------------------------------------
    def request(self, key: str) -> tuple[int, bool] | None:
        """(conversation id, done) of the request with idempotency key `key`, or None."""
        with self._connection() as connection:
            row = connection.execute(
                "SELECT conversation_id, done FROM requests WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return (int(row[0]), bool(row[1])) if row else None

    def remember_request(self, key: str, conversation_id: int, link: Link) -> None:
        """Notes that `key` made `conversation_id` (not done yet) and what that conversation is."""
        with self._connection() as connection:
            connection.execute(
                "INSERT INTO requests (idempotency_key, conversation_id) VALUES (?, ?) "
                "ON CONFLICT (idempotency_key) DO UPDATE SET conversation_id = excluded.conversation_id",
                (key, conversation_id),
            )
            connection.execute(
                "INSERT INTO conversations (conversation_id, sender_id, kind, reason, open, created_at, ask_satisfaction, "
                "note_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET "
                "sender_id = excluded.sender_id, kind = excluded.kind, reason = excluded.reason, open = excluded.open, "
                "created_at = excluded.created_at, closed_at = NULL, ask_satisfaction = excluded.ask_satisfaction, "
                "note_id = excluded.note_id",
                (link.conversation_id, link.sender_id, link.kind, link.reason, int(link.open), _now(),
                 None if link.ask_satisfaction is None else int(link.ask_satisfaction), link.note_id),
            )

    def finish_request(self, key: str) -> None:
        with self._connection() as connection:
            connection.execute("UPDATE requests SET done = 1 WHERE idempotency_key = ?", (key,))

    # --- conversations -------------------------------------------------------------------------
    def link(self, conversation_id: int) -> Link | None:
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT {_LINK_COLUMNS} FROM conversations WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        return _link(row) if row else None

    def open_handover_of(self, sender_id: str) -> Link | None:
        """The customer's hand-over that an agent still has, or None."""
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT {_LINK_COLUMNS} FROM conversations "
                "WHERE sender_id = ? AND kind = ? AND open = 1 ORDER BY created_at DESC LIMIT 1",
                (sender_id, HANDOVER),
            ).fetchone()
        return _link(row) if row else None

    def close(self, conversation_id: int) -> bool:
        """Ends the hand-over; True only for the call that closed it (a repeat gets False)."""
        with self._connection() as connection:
            cursor = connection.execute(
                "UPDATE conversations SET open = 0, closed_at = ? WHERE conversation_id = ? AND open = 1",
                (_now(), conversation_id),
            )
        return cursor.rowcount == 1

    def reopen(self, conversation_id: int) -> None:
        """Undoes `close` when giving the conversation back to the bot failed (it is tried again)."""
        with self._connection() as connection:
            connection.execute(
                "UPDATE conversations SET open = 1, closed_at = NULL WHERE conversation_id = ?", (conversation_id,)
            )

    # --- customer messages forwarded -----------------------------------------------------------
    def was_forwarded(self, sender_id: str, message_id: str) -> bool:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT 1 FROM forwarded WHERE sender_id = ? AND message_id = ?", (sender_id, message_id)
            ).fetchone()
        return row is not None

    def mark_forwarded(self, sender_id: str, message_ids: Iterable[str]) -> None:
        with self._connection() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO forwarded (sender_id, message_id) VALUES (?, ?)",
                [(sender_id, message_id) for message_id in message_ids],
            )

    # --- webhook deliveries ----------------------------------------------------------------------
    def claim_delivery(self, delivery: str, expires_at: float, now: float) -> bool:
        """True when `delivery` is new (kept until `expires_at`); False for one seen before. The
        unique constraint decides, also between processes."""
        try:
            with self._connection() as connection:
                row_id = connection.execute(
                    "INSERT INTO deliveries (delivery, expires_at) VALUES (?, ?)", (delivery, expires_at)
                ).lastrowid
        except sqlite3.IntegrityError:
            return False
        if row_id is not None and row_id % PURGE_EVERY == 0:
            with self._connection() as connection:
                connection.execute("DELETE FROM deliveries WHERE expires_at < ?", (now,))
        return True

    def release_delivery(self, delivery: str) -> None:
        """Forgets a claimed delivery whose processing failed, so Chatwoot's retry is processed."""
        with self._connection() as connection:
            connection.execute("DELETE FROM deliveries WHERE delivery = ?", (delivery,))

    def count_relay_attempt(self, message_key: str) -> int:
        """How often relaying this message was started before (0 the first time)."""
        with self._connection() as connection:
            row = connection.execute(
                "SELECT attempts FROM relay_attempts WHERE message_key = ?", (message_key,)
            ).fetchone()
            connection.execute(
                "INSERT INTO relay_attempts (message_key, attempts) VALUES (?, 1) "
                "ON CONFLICT (message_key) DO UPDATE SET attempts = attempts + 1",
                (message_key,),
            )
        return int(row[0]) if row else 0
