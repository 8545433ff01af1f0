"""The database handle: one SQLAlchemy engine plus a thread pool, so blocking calls never block
the event loop. Repository functions are plain sync functions `fn(engine, ...)`; the service
awaits them with `await db.run(fn, ...)`, the command-line tools call them directly.

SQLite file (the default): the first start creates it (mode 0600, so its -wal and -shm files get
0600 too), logs a warning that says so, and leaves a marker `<file>-created` next to it. When the
file is missing but the marker is there, the database was deleted: `open_engine` refuses
(`DatabaseMissing`) instead of starting empty with a new demo agent. Connections never create the
file (SQLite `mode=rw`), so a file deleted while the service runs is not recreated either.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import agents, metadata

T = TypeVar("T")
logger = logging.getLogger(__name__)

PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # the files SQLite keeps next to the database
CREATED_MARKER_SUFFIX = "-created"
# The largest id an `sa.Integer` primary key holds on every supported database (PostgreSQL int4).
MAX_ROW_ID = 2**31 - 1


class DatabaseMissing(RuntimeError):
    """The SQLite file this installation created earlier is gone: refuse to start empty."""


class DatabaseUnhealthy(RuntimeError):
    """The database cannot be used now; `reason` is a short code for /health."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def sqlite_file(url: str | sa.engine.URL) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def created_marker(path: Path) -> Path:
    return path.with_name(path.name + CREATED_MARKER_SUFFIX)


def _make_private(path: Path) -> None:
    for file in [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)]:
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(PRIVATE_FILE_MODE)


def _write_marker(path: Path) -> None:
    marker = created_marker(path)
    descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(
            f"The live-chat service uses the database {path} (marked {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC).\n"
            "While this file exists, the service refuses to start when the database is missing.\n"
        )


def prepare_sqlite_file(path: Path) -> None:
    """Creates a new database file (0600, with a marker and a warning) on the first start; makes an
    existing one private; raises DatabaseMissing for a file that existed before and is gone."""
    marker = created_marker(path)
    if path.exists():
        _make_private(path)
        if not marker.exists():  # installed before the marker existed
            _write_marker(path)
        return
    if marker.exists():
        raise DatabaseMissing(
            f"the live-chat database {path} is missing, but it was created earlier (see {marker}). "
            f"Restore it from a backup, or delete {marker} to start with a new, empty database."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    _write_marker(path)
    logger.warning(
        "created a new, empty live-chat database at %r (no earlier one here); from now on a missing file "
        "stops the service (marker %r)", str(path), str(marker),
    )


def create_engine(url: str, *, create_file: bool = True) -> Engine:
    """An engine for SQLite (foreign keys on, WAL, waits for locks) or PostgreSQL.

    `create_file=False`: SQLite connections open an existing file only (`mode=rw`), so a deleted
    database gives errors instead of a new, empty file."""
    path = sqlite_file(url)
    if url.startswith("sqlite"):
        if path is not None and create_file:
            path.parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if path is not None and not create_file:
            uri = f"file:{quote(str(path))}?mode=rw"
            options = {"creator": lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)}
        engine = sa.create_engine(url, future=True, **options)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def open_engine(url: str) -> Engine:
    """Engine with the schema created (idempotent): for the service start and the CLI tools.
    Raises DatabaseMissing for a SQLite file that was deleted (see the module docstring)."""
    path = sqlite_file(url)
    if path is not None:
        prepare_sqlite_file(path)
    engine = create_engine(url, create_file=False)
    metadata.create_all(engine)
    add_missing_columns(engine)
    add_missing_indexes(engine)
    return engine


def add_missing_indexes(engine: Engine) -> list[str]:
    """Creates the indexes a newer release defines on tables an older release created
    (`create_all` makes indexes only with a new table). Returns their names."""
    inspector = sa.inspect(engine)
    added = []
    for table in metadata.sorted_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(engine, checkfirst=True)
                added.append(str(index.name))
    return added


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


def check_health(engine: Engine) -> None:
    """A real read and a write that changes nothing (rolled back); DatabaseUnhealthy otherwise."""
    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        raise DatabaseUnhealthy("database_missing", f"{path} does not exist")
    try:
        with engine.connect() as connection:
            connection.execute(sa.select(sa.func.count()).select_from(agents)).scalar_one()
            try:
                # Matches no row, but a read-only file or transaction refuses it all the same.
                connection.execute(agents.update().where(sa.false()).values(id=agents.c.id))
            except sa.exc.SQLAlchemyError as error:
                raise DatabaseUnhealthy("database_read_only", str(error)) from error
            finally:
                connection.rollback()
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseUnhealthy("database_unreadable", str(error)) from error


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

    async def check_health(self) -> None:
        """See `check_health`; raises DatabaseUnhealthy."""
        await self.run(check_health)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, self.engine, *args, **kwargs))

    async def close(self) -> None:
        if self._engine is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._engine.dispose)
            self._engine = None
        self._executor.shutdown(wait=False)
