"""WhatsApp's customer-service window: a business may send a free-form message only within 24
hours of the customer's last message; after that only an approved template.

`CustomerWindows` keeps, per customer (wa_id), when they last wrote, in a small SQLite file
(``NAADLOOS_WHATSAPP_DB``, default ``whatsapp.sqlite3`` in ``NAADLOOS_VAR_DIR``), so a restart of
Rasa does not forget it. The window counts from WhatsApp's own timestamp of the message (never
later than when we received it), and closes `SAFETY_MARGIN` early: a message sent in the last
minutes could reach WhatsApp just after its window closed.
"""
from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from pathlib import Path

from naadloos.core.local_db import open_sqlite

WINDOW = timedelta(hours=24)
SAFETY_MARGIN = timedelta(minutes=5)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS last_inbound (
    wa_id TEXT PRIMARY KEY,
    received_at REAL NOT NULL
)
"""


class CustomerWindows:
    """One row per customer; each call opens the file (created on first use, not at start-up)."""

    def __init__(self, database: Path) -> None:
        self.database = database

    def record(self, wa_id: str, received_at: float) -> None:
        """The customer wrote at `received_at` (Unix seconds); an older message never moves it back."""
        with closing(open_sqlite(self.database, _SCHEMA)) as connection, connection:
            connection.execute(
                "INSERT INTO last_inbound (wa_id, received_at) VALUES (?, ?) "
                "ON CONFLICT (wa_id) DO UPDATE SET received_at = MAX(received_at, excluded.received_at)",
                (wa_id, received_at),
            )

    def last_inbound(self, wa_id: str) -> float | None:
        """When the customer last wrote (Unix seconds), or None when we never heard from them."""
        with closing(open_sqlite(self.database, _SCHEMA)) as connection:
            row = connection.execute("SELECT received_at FROM last_inbound WHERE wa_id = ?", (wa_id,)).fetchone()
        return float(row[0]) if row else None

    def is_open(self, wa_id: str, now: float) -> bool:
        """Whether a free-form message to `wa_id` may still go out at `now`."""
        last = self.last_inbound(wa_id)
        return last is not None and now - last < (WINDOW - SAFETY_MARGIN).total_seconds()


def message_time(whatsapp_timestamp: float | None, received_at: float) -> float:
    """When the customer's message counts as sent: WhatsApp's timestamp, but never later than when
    it reached us (a wrong clock must not keep the window open), and ours when it has none."""
    return received_at if whatsapp_timestamp is None else min(whatsapp_timestamp, received_at)
