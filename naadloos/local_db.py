"""Opening the small local SQLite files (back office stand-in, outbox) the same way everywhere."""
from __future__ import annotations

import sqlite3
from pathlib import Path

TIMEOUT_SECONDS = 5.0  # how long a writer waits for another one to finish


def open_sqlite(database: Path, schema: str) -> sqlite3.Connection:
    """Connects to `database` (creating its folder) and makes sure `schema` exists."""
    database.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(database, timeout=TIMEOUT_SECONDS)
    connection.executescript(schema)
    return connection
