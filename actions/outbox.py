"""Local outbox: records for the live-chat service that could not be delivered yet.

When the live-chat service is down, a ticket or callback request is kept here (SQLite) instead of
being lost, and delivered the next time the bot reaches the service. Every record carries its own
idempotency key, so delivering one twice never creates a second ticket.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
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
    payload TEXT NOT NULL
)
"""


class Outbox:
    def __init__(self, database: Path) -> None:
        self._database = database

    @classmethod
    def from_settings(cls) -> Outbox:
        return cls(Settings.from_environment().outbox_db)

    def _connect(self) -> sqlite3.Connection:
        return open_sqlite(self._database, _SCHEMA)

    def keep(self, path: str, payload: dict[str, Any]) -> None:
        """Stores a signed write to the live-chat service for later delivery."""
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT INTO pending (created_at, path, payload) VALUES (?, ?, ?)",
                (datetime.now(timezone.utc).isoformat(), path, json.dumps(payload)),
            )

    def pending(self) -> list[tuple[int, str, dict[str, Any]]]:
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT id, path, payload FROM pending ORDER BY id").fetchall()
        return [(row_id, path, json.loads(payload)) for row_id, path, payload in rows]

    async def deliver(self, client: LiveChatClient) -> int:
        """Delivers what is pending, oldest first, until the service is unavailable.

        A record the service rejects (4xx) stays in the outbox for a person to look at; the others
        are still delivered. Returns how many went out.
        """
        delivered = 0
        for row_id, path, payload in self.pending():
            try:
                await client.post(path, payload)
            except LiveChatRejected as error:
                logger.error("outbox: record %s rejected by the live-chat service, kept: %s", row_id, error)
                continue
            except LiveChatUnavailable as error:
                logger.warning("outbox: live-chat service still unavailable (%s); %s record(s) wait", error, len(self.pending()))
                break
            with closing(self._connect()) as connection, connection:
                connection.execute("DELETE FROM pending WHERE id = ?", (row_id,))
            delivered += 1
        return delivered


async def send_or_keep(client: LiveChatClient, outbox: Outbox, path: str, payload: dict[str, Any]) -> bool:
    """Sends the write now, or keeps it in the outbox. Returns whether it was delivered now."""
    try:
        await client.post(path, payload)
    except LiveChatUnavailable as error:  # rejected ones too: kept, so nothing is lost
        logger.warning("live-chat service did not take %s (%s): kept in the outbox", path, error)
        outbox.keep(path, payload)
        return False
    return True
