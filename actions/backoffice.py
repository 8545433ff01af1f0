"""The back office: where submitted meter readings and moves are recorded.

A stand-in for the supplier's customer system, kept in a local SQLite file so the assistant does
real work out of the box. An organisation replaces this module's implementation with a client for
its own system; the actions only use `record_meter_reading` and `record_move`.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from naadloos.local_db import open_sqlite
from naadloos.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meter_readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    electricity_kwh TEXT NOT NULL,
    gas_m3 TEXT,
    reading_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    postcode TEXT NOT NULL,
    house_number TEXT NOT NULL,
    moving_date TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class MeterReading:
    conversation_id: str
    customer_number: str
    electricity_kwh: str
    gas_m3: str | None
    reading_date: str  # ISO date


@dataclass(frozen=True)
class Move:
    conversation_id: str
    customer_number: str
    postcode: str
    house_number: str
    moving_date: str  # ISO date


class Backoffice:
    def __init__(self, database: Path) -> None:
        self._database = database

    @classmethod
    def from_settings(cls) -> Backoffice:
        return cls(Settings.from_environment().backoffice_db)

    def _connect(self) -> sqlite3.Connection:
        return open_sqlite(self._database, _SCHEMA)

    def _insert(self, table: str, record: dict) -> int:
        row = {"created_at": datetime.now(timezone.utc).isoformat(), **record}
        columns = ", ".join(row)
        placeholders = ", ".join(f":{name}" for name in row)
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", row)
            if cursor.lastrowid is None:
                raise sqlite3.DatabaseError(f"insert into {table} returned no row id")
            return cursor.lastrowid

    def record_meter_reading(self, reading: MeterReading) -> str:
        """Stores the reading; returns the reference the customer gets ('MS-000001')."""
        return f"MS-{self._insert('meter_readings', asdict(reading)):06d}"

    def record_move(self, move: Move) -> str:
        """Stores the move; returns the reference the customer gets ('VH-000001')."""
        return f"VH-{self._insert('moves', asdict(move)):06d}"
