"""The database handle: one SQLAlchemy engine plus a thread pool, so blocking calls never block
the event loop. Repository functions are plain sync functions `fn(engine, ...)`; the service
awaits them with `await db.run(fn, ...)`, the command-line tools call them directly.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import metadata

T = TypeVar("T")


def create_engine(url: str) -> Engine:
    """An engine for SQLite (foreign keys on, WAL, waits for locks) or PostgreSQL."""
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def open_engine(url: str) -> Engine:
    """Engine with the schema created (idempotent): for the service start and the CLI tools."""
    engine = create_engine(url)
    metadata.create_all(engine)
    add_missing_columns(engine)
    return engine


def add_missing_columns(engine: Engine) -> list[str]:
    """Adds columns that a newer release defines to the tables an older release created.

    Only additions (nullable or with a server default), so the upgrade keeps every row.
    Returns the added columns as "table.column".
    """
    inspector = sa.inspect(engine)
    added = []
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                column_type = column.type.compile(dialect=engine.dialect)
                default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
                not_null = "" if column.nullable else " NOT NULL"
                connection.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column_type}{default}{not_null}"))
                added.append(f"{table.name}.{column.name}")
    return added


class Database:
    """Owns the engine and the worker threads; `start()` connects and creates the schema."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        # SQLite allows one writer at a time: one worker serialises access and avoids lock errors.
        workers = 1 if url.startswith("sqlite") else 8
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="livechat-db")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("database not started")
        return self._engine

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._engine = await loop.run_in_executor(self._executor, open_engine, self.url)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, self.engine, *args, **kwargs))

    async def close(self) -> None:
        if self._engine is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._engine.dispose)
            self._engine = None
        self._executor.shutdown(wait=False)
