"""A local file (SQLite) of conversation events that could not be published to RabbitMQ yet.

`naadloos.brokers.durable_pika` keeps events here while RabbitMQ is unreachable and publishes them,
oldest first, once it is back, also after a restart of Rasa. A row holds the event exactly as it
will be published (its JSON body) and its message headers.

Why not the hand-over outbox (`naadloos.handover_contract.outbox`): that one holds typed hand-over
records delivered through a live-chat back end; this one holds every Rasa event, for a message
broker. And it must belong to one Rasa process at a time: two processes that took rows from one
file would publish each other's events twice and out of order. So every broker claims a slot
(`EventSpool.claim`): the first of `pika-events.sqlite3`, `pika-events-2.sqlite3`, ... whose lock
file no other process holds (`flock`, released by the kernel when a process dies). A Rasa started
after a crash takes the lowest free slot, usually the one it had, and publishes what waits there.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from naadloos.core.local_db import open_sqlite

logger = logging.getLogger(__name__)

MAX_SLOTS = 64  # Rasa processes on one var folder at the same time; more is a configuration mistake

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    headers TEXT
)
"""


@dataclass(frozen=True)
class KeptEvent:
    row_id: int
    body: str  # the event's JSON, as published
    headers: dict[str, str] | None


class SpoolTaken(RuntimeError):
    """Every slot of a spool file is held by another process."""


def slot_path(first: Path, slot: int) -> Path:
    """`pika-events.sqlite3` for slot 1, `pika-events-2.sqlite3` for slot 2, ..."""
    return first if slot == 1 else first.with_name(f"{first.stem}-{slot}{first.suffix}")


class EventSpool:
    """The events of one slot, oldest first. Each method opens the file itself (callers run them in
    a worker thread, and SQLite connections stay in the thread that opened them)."""

    def __init__(self, database: Path, lock_fd: int | None = None) -> None:
        self.database = database
        self._lock_fd = lock_fd

    @classmethod
    def claim(cls, first: Path, max_slots: int = MAX_SLOTS) -> EventSpool:
        """The spool of the first slot no other process (or other broker in this one) holds."""
        first.parent.mkdir(parents=True, exist_ok=True)
        for slot in range(1, max_slots + 1):
            database = slot_path(first, slot)
            fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            spool = cls(database, fd)
            with closing(open_sqlite(database, _SCHEMA)):
                pass
            return spool
        raise SpoolTaken(f"all {max_slots} slots of {first} are taken by other processes")

    def release(self) -> None:
        """Lets another process claim this slot (what waits stays in the file)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def keep(self, events: list[tuple[str, dict[str, str] | None]]) -> None:
        """Appends (body, headers) pairs, in order, in one transaction."""
        with closing(open_sqlite(self.database, _SCHEMA)) as connection, connection:
            connection.executemany(
                "INSERT INTO events (body, headers) VALUES (?, ?)",
                [(body, None if headers is None else json.dumps(headers)) for body, headers in events],
            )

    def oldest(self, limit: int) -> list[KeptEvent]:
        with closing(open_sqlite(self.database, _SCHEMA)) as connection:
            rows = connection.execute("SELECT id, body, headers FROM events ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [KeptEvent(row_id, body, _headers(row_id, headers)) for row_id, body, headers in rows]

    def forget_through(self, row_id: int) -> None:
        """Removes the events up to and including `row_id` (they were published)."""
        with closing(open_sqlite(self.database, _SCHEMA)) as connection, connection:
            connection.execute("DELETE FROM events WHERE id <= ?", (row_id,))

    def count(self) -> int:
        with closing(open_sqlite(self.database, _SCHEMA)) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def _headers(row_id: int, raw: str | None) -> dict[str, str] | None:
    if raw is None:
        return None
    try:
        headers = json.loads(raw)
    except ValueError:
        headers = None
    if not isinstance(headers, dict):
        logger.error("event spool: the headers of kept event %s cannot be read; it is published without them", row_id)
        return None
    return {str(key): str(value) for key, value in headers.items()}
