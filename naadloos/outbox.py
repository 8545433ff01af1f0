"""Local outbox: writes for the live-chat service that could not be delivered yet.

When the live-chat service is down, a write is kept here (SQLite) instead of being lost, and
delivered once the service answers again. Every write carries its own idempotency key (a ticket's
`idempotency_key`, a forwarded message's `message_id`), so delivering one twice never stores it
twice on the service side. One file, two queues with their own policy (`Queue`):

- `RECORDS`: tickets and callback requests from the actions, delivered the next time the bot
  reaches the service. A record the service rejects (4xx) stays for a person to look at.
- `CUSTOMER_MESSAGES`: what a customer typed during a hand-over, forwarded by the event broker
  (`naadloos.livechat_broker`). Oldest first and strictly in order: a round stops at the first
  message that cannot be delivered, so a later one never overtakes it. A rejected message (404:
  the conversation has no open hand-over) is done with; one older than `max_age` is dropped with a
  warning (it stays in the Rasa tracker): an outage that long is not "brief" any more.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from naadloos.livechat_client import LiveChatClient, LiveChatRejected, LiveChatUnavailable
from naadloos.local_db import open_sqlite
from naadloos.settings import Settings

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    path TEXT NOT NULL,
    payload TEXT NOT NULL,
    queue TEXT NOT NULL DEFAULT 'records'
)
"""


@dataclass(frozen=True)
class Queue:
    name: str
    keep_rejected: bool  # a 4xx answer: keep the write for a person (True) or drop it (False)
    max_age: timedelta | None = None  # older writes are dropped instead of delivered


RECORDS = Queue("records", keep_rejected=True)
CUSTOMER_MESSAGES = Queue("customer_messages", keep_rejected=False, max_age=timedelta(hours=1))


@dataclass(frozen=True)
class DeliveryRound:
    sent: int
    unavailable: LiveChatUnavailable | None  # why the round stopped early; None: nothing deliverable left


class Outbox:
    def __init__(self, database: Path, queue: Queue = RECORDS) -> None:
        self._database = database
        self.queue = queue

    @classmethod
    def from_settings(cls, queue: Queue = RECORDS) -> Outbox:
        return cls(Settings.from_environment().outbox_db, queue)

    def _connect(self) -> sqlite3.Connection:
        connection = open_sqlite(self._database, _SCHEMA)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(pending)")}
        if "queue" not in columns:  # an outbox file from before the queues: all its rows are records
            with connection:
                connection.execute("ALTER TABLE pending ADD COLUMN queue TEXT NOT NULL DEFAULT 'records'")
        connection.execute("CREATE INDEX IF NOT EXISTS pending_queue ON pending (queue, id)")
        return connection

    def keep(self, path: str, payload: dict[str, Any]) -> None:
        """Stores a write to the live-chat service for later delivery (at the end of its queue)."""
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT INTO pending (created_at, path, payload, queue) VALUES (?, ?, ?, ?)",
                (datetime.now(timezone.utc).isoformat(), path, json.dumps(payload), self.queue.name),
            )

    def pending(self) -> list[tuple[int, str, dict[str, Any]]]:
        """(id, path, payload) of this queue, oldest first."""
        return [(row_id, path, payload) for row_id, _, path, payload in self._rows()]

    def _rows(self) -> list[tuple[int, datetime, str, dict[str, Any]]]:
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT id, created_at, path, payload FROM pending WHERE queue = ? ORDER BY id", (self.queue.name,)
            ).fetchall()
        return [(row_id, datetime.fromisoformat(created), path, json.loads(payload)) for row_id, created, path, payload in rows]

    def _done(self, row_id: int) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute("DELETE FROM pending WHERE id = ?", (row_id,))

    async def deliver(self, client: LiveChatClient) -> DeliveryRound:
        """Delivers what is pending, oldest first, until the service is unavailable."""
        sent = 0
        now = datetime.now(timezone.utc)
        for row_id, created_at, path, payload in self._rows():
            if self.queue.max_age is not None and now - created_at > self.queue.max_age:
                logger.warning("outbox: %s write %s older than %s, dropped", self.queue.name, row_id, self.queue.max_age)
                self._done(row_id)
                continue
            try:
                await client.post(path, payload)
            except LiveChatRejected as rejection:
                if self.queue.keep_rejected:
                    logger.error("outbox: record %s rejected by the live-chat service, kept: %r", row_id, rejection)
                    continue
                if rejection.status != 404:  # 404: no open hand-over, the normal answer outside one
                    logger.error("outbox: %s write %s rejected, dropped: %r", self.queue.name, row_id, rejection)
                self._done(row_id)
                continue
            except LiveChatUnavailable as error:
                logger.debug("outbox: live-chat service unavailable (%r); %s waits", error, self.queue.name)
                return DeliveryRound(sent, error)
            self._done(row_id)
            sent += 1
        return DeliveryRound(sent, None)


async def send_or_keep(client: LiveChatClient, outbox: Outbox, path: str, payload: dict[str, Any]) -> bool:
    """Sends the write now, or keeps it in the outbox. Returns whether it was delivered now."""
    try:
        await client.post(path, payload)
    except LiveChatUnavailable as error:  # rejected ones too: kept, so nothing is lost
        logger.warning("live-chat service did not take %r (%r): kept in the outbox", path, error)
        outbox.keep(path, payload)
        return False
    return True
