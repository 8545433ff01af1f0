"""Opening the small local SQLite files (back office stand-in, outbox) the same way everywhere."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_SECONDS = 5.0  # how long a writer waits for another one to finish


def open_sqlite(database: Path, schema: str) -> sqlite3.Connection:
    """Connects to `database` (creating its folder) and makes sure `schema` exists."""
    database.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(database, timeout=TIMEOUT_SECONDS)
    connection.executescript(schema)
    return connection


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction (committed, or rolled back on any error) on `connection`: it takes
    the write lock at once, so a second process that wants to migrate the same file waits and then
    sees the work done. For rebuilding a table, which SQLite cannot change in place."""
    isolation = connection.isolation_level
    connection.isolation_level = None  # explicit BEGIN/COMMIT below
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.isolation_level = isolation
