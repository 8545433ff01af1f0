"""Local outbox: records for the live-chat back end that could not be delivered yet.

When the back end (the built-in desk, Chatwoot) cannot be reached, a record is kept here (SQLite)
instead of being lost, and delivered once the back end answers again, through whichever back end
is configured then (`naadloos.handover_contract.backend.send_record`). A row stores the record's
kind (`ticket`, `callback`, `customer_message`) and its JSON, never a URL of one back end. Every
record carries its own idempotency key (a ticket's `idempotency_key`, a forwarded message's
`message_id`), so delivering one twice never stores it twice on the other side. One file, two
queues with their own policy (`Queue`):

- `RECORDS`: tickets and callback requests from the actions, delivered the next time the bot
  reaches the back end. A record the back end rejects (4xx) stays for a person to look at.
- `CUSTOMER_MESSAGES`: what a customer typed during a hand-over, forwarded by the event broker
  (`naadloos.handover_contract.event_broker`). Oldest first and strictly in order: a round stops at
  the first message that cannot be delivered, so a later one never overtakes it. A rejected
  message (404: the conversation has no open hand-over) is done with; one older than `max_age` is
  dropped with a warning (it stays in the Rasa tracker): an outage that long is not "brief" any more.

A file of an older version stored the built-in desk's URL path instead of the kind; it is
migrated when it is opened (`migrate`): every row kept, in order, with its id.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from naadloos.core.json_object import json_object
from naadloos.core.local_db import immediate_transaction, open_sqlite
from naadloos.core.settings import Settings
from naadloos.handover_contract.backend import HandoverBackend, send_record
from naadloos.handover_contract.builtin.backend import record_from_builtin_path
from naadloos.handover_contract.schema import (
    LiveChatRejected,
    LiveChatUnavailable,
    Record,
    RecordError,
    record_from_json,
    record_kind,
)

logger = logging.getLogger(__name__)

_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    queue TEXT NOT NULL DEFAULT 'records'
)
"""
_SCHEMA = _TABLE.format(name="pending")


@dataclass(frozen=True)
class Queue:
    name: str
    keep_rejected: bool  # a 4xx answer: keep the record for a person (True) or drop it (False)
    max_age: timedelta | None = None  # older records are dropped instead of delivered


RECORDS = Queue("records", keep_rejected=True)
CUSTOMER_MESSAGES = Queue("customer_messages", keep_rejected=False, max_age=timedelta(hours=1))


@dataclass(frozen=True)
class DeliveryRound:
    sent: int
    unavailable: LiveChatUnavailable | None  # why the round stopped early; None: nothing deliverable left


def _columns(connection: sqlite3.Connection) -> set[str]:
    return {row[1] for row in connection.execute("PRAGMA table_info(pending)")}


def _as_kind(path: str, payload: str) -> tuple[str, str]:
    """(kind, payload) for a row that stored the built-in desk's path. A row that cannot be read
    keeps its path as its kind: it stays, and a delivery round reports it for a person."""
    try:
        record = record_from_builtin_path(path, json.loads(payload))
    except (RecordError, ValueError, TypeError) as error:
        logger.error("outbox: a kept write for %r cannot be read as a record (%s); it stays for a person", path, error)
        return path, payload
    return record_kind(record), json.dumps(record.to_json())


def migrate(connection: sqlite3.Connection) -> int:
    """Moves the rows of an older outbox file (a `path` column, perhaps no `queue`) to the kind
    column; returns how many rows it moved. SQLite cannot drop a NOT NULL column in place, so the
    table is rebuilt (create, copy, drop, rename) inside one `immediate_transaction`: a second
    process waits, then finds the table current. Ids, and so the order, are kept, and a new row
    never reuses one."""
    if "path" not in _columns(connection):
        return 0
    with immediate_transaction(connection):
        moved = _rebuild(connection) if "path" in _columns(connection) else 0
    if moved:
        logger.info("outbox: %s kept records moved to the new format", moved)
    return moved


def _rebuild(connection: sqlite3.Connection) -> int:
    queue = "queue" if "queue" in _columns(connection) else f"'{RECORDS.name}'"
    rows = connection.execute(f"SELECT id, created_at, path, payload, {queue} FROM pending ORDER BY id").fetchall()
    sequence = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'pending'").fetchone()
    connection.execute(_TABLE.format(name="pending_new"))
    for row_id, created_at, path, payload, queue_name in rows:
        kind, body = _as_kind(path, payload)
        connection.execute(
            "INSERT INTO pending_new (id, created_at, kind, payload, queue) VALUES (?, ?, ?, ?, ?)",
            (row_id, created_at, kind, body, queue_name),
        )
    connection.execute("DROP TABLE pending")
    connection.execute("ALTER TABLE pending_new RENAME TO pending")
    if sequence:
        connection.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'pending'", (sequence[0],))
    return len(rows)


class Outbox:
    def __init__(self, database: Path, queue: Queue = RECORDS) -> None:
        self._database = database
        self.queue = queue

    @classmethod
    def from_settings(cls, queue: Queue = RECORDS) -> Outbox:
        return cls(Settings.from_environment().outbox_db, queue)

    def _connect(self) -> sqlite3.Connection:
        connection = open_sqlite(self._database, _SCHEMA)
        migrate(connection)
        connection.execute("CREATE INDEX IF NOT EXISTS pending_queue ON pending (queue, id)")
        return connection

    def keep(self, record: Record) -> None:
        """Stores `record` for later delivery (at the end of its queue)."""
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT INTO pending (created_at, kind, payload, queue) VALUES (?, ?, ?, ?)",
                (datetime.now(timezone.utc).isoformat(), record_kind(record), json.dumps(record.to_json()), self.queue.name),
            )

    def waiting(self) -> bool:
        """Whether anything waits in this queue (one cheap query: no delivery round for nothing)."""
        with closing(self._connect()) as connection:
            found = connection.execute("SELECT 1 FROM pending WHERE queue = ? LIMIT 1", (self.queue.name,)).fetchone()
        return found is not None

    def pending(self) -> list[Record]:
        """The records of this queue, oldest first (a row that cannot be read is left out here;
        a delivery round reports it)."""
        records = []
        for _, _, kind, payload in self._rows():
            try:
                records.append(record_from_json(kind, json_object(payload, RecordError)))
            except RecordError:
                continue
        return records

    def _rows(self) -> list[tuple[int, datetime, str, str]]:
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT id, created_at, kind, payload FROM pending WHERE queue = ? ORDER BY id", (self.queue.name,)
            ).fetchall()
        return [(row_id, datetime.fromisoformat(created), kind, payload) for row_id, created, kind, payload in rows]

    def _done(self, row_id: int) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute("DELETE FROM pending WHERE id = ?", (row_id,))

    async def deliver(self, backend: HandoverBackend) -> DeliveryRound:
        """Delivers what is pending through `backend`, oldest first, until it is unavailable. The
        SQLite work runs in a worker thread: this runs inside Rasa's and the action server's loops."""
        sent = 0
        now = datetime.now(timezone.utc)
        for row_id, created_at, kind, payload in await asyncio.to_thread(self._rows):
            if self.queue.max_age is not None and now - created_at > self.queue.max_age:
                logger.warning("outbox: %s record %s older than %s, dropped", self.queue.name, row_id, self.queue.max_age)
                await asyncio.to_thread(self._done, row_id)
                continue
            try:
                record = record_from_json(kind, json_object(payload, RecordError))
            except RecordError as error:
                logger.error("outbox: %s record %s cannot be read (%s); kept for a person", self.queue.name, row_id, error)
                continue
            try:
                await send_record(backend, record)
            except LiveChatRejected as rejection:
                if self.queue.keep_rejected:
                    logger.error("outbox: record %s rejected by the live-chat back end, kept: %r", row_id, rejection)
                    continue
                if rejection.status != 404:  # 404: no open hand-over, the normal answer outside one
                    logger.error("outbox: %s record %s rejected, dropped: %r", self.queue.name, row_id, rejection)
                await asyncio.to_thread(self._done, row_id)
                continue
            except LiveChatUnavailable as error:
                logger.debug("outbox: live-chat back end unavailable (%r); %s waits", error, self.queue.name)
                return DeliveryRound(sent, error)
            await asyncio.to_thread(self._done, row_id)
            sent += 1
        return DeliveryRound(sent, None)


async def send_or_keep(backend: HandoverBackend, outbox: Outbox, record: Record) -> bool:
    """Sends `record` now, or keeps it in the outbox. Returns whether it was delivered now."""
    try:
        await send_record(backend, record)
    except LiveChatUnavailable as error:  # rejected ones too: kept, so nothing is lost
        logger.warning("the live-chat back end did not take a %s (%r): kept in the outbox", record_kind(record), error)
        await asyncio.to_thread(outbox.keep, record)
        return False
    return True
