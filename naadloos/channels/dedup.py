"""Remembering which webhook deliveries were handled, so a delivery that comes twice (a provider's
retry after a timeout, a replay) is processed once, also after a restart of Rasa.

`SeenDeliveries` is the one store of every channel (Twilio's ``MessageSid``, WhatsApp's ``wamid``,
Telegram's ``update_id``, Chatwoot's message id), each under its channel's name, in one small
SQLite file: ``NAADLOOS_SEEN_WEBHOOKS_DB`` (default ``seen_webhooks.sqlite3`` in
``NAADLOOS_VAR_DIR``), made on first use. It is bounded by age: an id older than
`DEFAULT_WINDOW_SECONDS` (a day: longer than any provider retries) is deleted when new ones come.
Several Rasa processes on one machine may share the file: the first to insert an id handles it.

When the file cannot be used (a full disk, a lock held too long), the failure is logged and the
ids are kept in memory (`RecentIds`) until it works again: a message is then at worst handled
twice after a restart, never dropped.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from naadloos.core.environment import var_file
from naadloos.core.local_db import open_sqlite

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 10_000
DEFAULT_WINDOW_SECONDS = 24 * 3600.0
DATABASE_VARIABLE = "NAADLOOS_SEEN_WEBHOOKS_DB"
DEFAULT_DATABASE = "seen_webhooks.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_delivery (
    channel TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (channel, delivery_id)
);
CREATE INDEX IF NOT EXISTS seen_delivery_age ON seen_delivery (seen_at);
"""


class RecentIds:
    """The ids seen in the last `window_seconds`, at most `capacity` of them (the oldest go first),
    in memory. For one event loop: no locking."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.window_seconds = window_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # id -> when it was first seen, oldest first

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (and remembers it); False when it was seen before."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - self.window_seconds:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        if len(self._seen) >= self.capacity:
            self._seen.popitem(last=False)
        self._seen[key] = now
        return True

    def forget(self, key: str) -> None:
        """Lets `key` through again (its processing failed, so a retry should be handled)."""
        self._seen.pop(key, None)


class SeenDeliveries:
    """The deliveries of one `channel` handled in the last `window_seconds`, in the shared file
    `database` (module doc); each call opens the file, so nothing is held between webhooks."""

    def __init__(
        self,
        database: Path,
        channel: str,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.channel = channel
        self.window_seconds = window_seconds
        self._clock = clock
        self._fallback = RecentIds(window_seconds=window_seconds, clock=clock)
        self._failing = False

    @classmethod
    def from_settings(cls, channel: str) -> SeenDeliveries:
        """The store of `channel` in the file ``NAADLOOS_SEEN_WEBHOOKS_DB`` names."""
        return cls(var_file(DATABASE_VARIABLE, DEFAULT_DATABASE), channel)

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (and remembers it); False when it was seen before,
        also by an earlier run of Rasa."""
        now = self._clock()
        try:
            with closing(open_sqlite(self.database, _SCHEMA)) as connection, connection:
                connection.execute("DELETE FROM seen_delivery WHERE seen_at < ?", (now - self.window_seconds,))
                inserted = connection.execute(
                    "INSERT OR IGNORE INTO seen_delivery (channel, delivery_id, seen_at) VALUES (?, ?, ?)",
                    (self.channel, key, now),
                ).rowcount == 1
        except sqlite3.Error:
            if not self._failing:
                logger.exception("%s: %s cannot be used; handled deliveries are kept in memory meanwhile",
                                 self.channel, self.database)
            self._failing = True
            return self._fallback.first_time(key)
        if self._failing:
            logger.info("%s: handled deliveries are kept in %s again", self.channel, self.database)
            self._failing = False
        return inserted and self._fallback.first_time(key)

    def forget(self, key: str) -> None:
        """Lets `key` through again (its processing failed, so a retry should be handled)."""
        self._fallback.forget(key)
        try:
            with closing(open_sqlite(self.database, _SCHEMA)) as connection, connection:
                connection.execute("DELETE FROM seen_delivery WHERE channel = ? AND delivery_id = ?", (self.channel, key))
        except sqlite3.Error:
            logger.exception("%s: delivery %s could not be forgotten in %s; a retry of it is skipped",
                             self.channel, key, self.database)
