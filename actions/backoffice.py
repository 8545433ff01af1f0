"""The back office: where submitted meter readings and moves are recorded.

A stand-in for the supplier's customer system, kept in a local SQLite file so the assistant does
real work out of the box. An organisation replaces this module's implementation with a client for
its own system; the actions only use `record_meter_reading` and `record_move`.

Every reading has its own column: a supplier bills normal and off-peak (normaal/dal) and the
return readings of solar panels separately. A customer without a customer number is identified by
postcode and house number. Files written by an older version (one electricity column, customer
number required) are migrated when opened: the table is rebuilt with the new columns in one
transaction, every row and its reference number kept.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from naadloos.core.local_db import immediate_transaction, open_sqlite
from naadloos.core.settings import Settings

# table -> (column, declaration) in order; `id` is the reference number.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "meter_readings": (
        ("id", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ("created_at", "TEXT NOT NULL"),
        ("conversation_id", "TEXT NOT NULL"),
        ("customer_number", "TEXT"),
        ("customer_postcode", "TEXT"),  # with customer_house_number when there is no customer number
        ("customer_house_number", "TEXT"),
        ("meter_type", "TEXT"),  # 'enkel' | 'dubbel'; NULL in rows from before the question existed
        ("electricity_kwh", "TEXT"),  # single meter
        ("electricity_normal_kwh", "TEXT"),  # double meter: normaal (T2)
        ("electricity_offpeak_kwh", "TEXT"),  # double meter: dal (T1)
        ("return_kwh", "TEXT"),  # solar panels, single meter
        ("return_normal_kwh", "TEXT"),  # solar panels, double meter
        ("return_offpeak_kwh", "TEXT"),
        ("gas_m3", "TEXT"),  # NULL: no gas
        ("reading_date", "TEXT NOT NULL"),
    ),
    "moves": (
        ("id", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ("created_at", "TEXT NOT NULL"),
        ("conversation_id", "TEXT NOT NULL"),
        ("customer_number", "TEXT"),
        ("customer_postcode", "TEXT"),  # the current address, when there is no customer number
        ("customer_house_number", "TEXT"),
        ("postcode", "TEXT NOT NULL"),  # the new address
        ("house_number", "TEXT NOT NULL"),
        ("moving_date", "TEXT NOT NULL"),
    ),
}


def _create_statement(table: str, name: str | None = None) -> str:
    columns = ",\n    ".join(f"{column} {declaration}" for column, declaration in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {name or table} (\n    {columns}\n)"


SCHEMA = ";\n".join(_create_statement(table) for table in TABLES) + ";"


@dataclass(frozen=True)
class Identification:
    """Who the customer is: a customer number, or else postcode and house number."""

    customer_number: str | None = None
    customer_postcode: str | None = None
    customer_house_number: str | None = None

    def __post_init__(self) -> None:
        if not self.customer_number and not (self.customer_postcode and self.customer_house_number):
            raise ValueError("a submission needs a customer number, or postcode and house number")


@dataclass(frozen=True)
class MeterReading:
    conversation_id: str
    identification: Identification
    reading_date: str  # ISO date
    meter_type: str | None = None
    electricity_kwh: str | None = None
    electricity_normal_kwh: str | None = None
    electricity_offpeak_kwh: str | None = None
    return_kwh: str | None = None
    return_normal_kwh: str | None = None
    return_offpeak_kwh: str | None = None
    gas_m3: str | None = None

    def __post_init__(self) -> None:
        if not (self.electricity_kwh or (self.electricity_normal_kwh and self.electricity_offpeak_kwh)):
            raise ValueError("a meter reading needs one electricity reading, or normal and off-peak")


@dataclass(frozen=True)
class Move:
    conversation_id: str
    identification: Identification
    postcode: str
    house_number: str
    moving_date: str  # ISO date


def _row(record: MeterReading | Move) -> dict[str, str | None]:
    """The record as table columns: the identification's fields become columns of their own."""
    row = asdict(record)
    row.update(row.pop("identification"))
    return row


def _table_columns(connection: sqlite3.Connection, table: str) -> dict[str, bool]:
    """Column name -> NOT NULL, as the file has them."""
    return {name: bool(notnull) for _, name, _, notnull, _, _ in connection.execute(f"PRAGMA table_info({table})")}


def _is_current(connection: sqlite3.Connection, table: str) -> bool:
    existing = _table_columns(connection, table)
    wanted = {column: "NOT NULL" in declaration for column, declaration in TABLES[table]}
    return all(column in existing and existing[column] == notnull for column, notnull in wanted.items() if column != "id")


def migrate(connection: sqlite3.Connection) -> list[str]:
    """Brings tables of an older file to the current columns; returns the tables it rebuilt.

    SQLite cannot drop a NOT NULL constraint in place, so an outdated table is rebuilt the way
    SQLite's documentation describes (create, copy, drop, rename) inside one
    `immediate_transaction`: a second process waits, then finds the table current. Ids, and so
    the customers' reference numbers, are kept, and a new row never reuses one.
    """
    rebuilt = []
    for table in TABLES:
        if _is_current(connection, table):
            continue
        with immediate_transaction(connection):
            if not _is_current(connection, table):
                _rebuild(connection, table)
                rebuilt.append(table)
    return rebuilt


def _rebuild(connection: sqlite3.Connection, table: str) -> None:
    shared = [column for column, _ in TABLES[table] if column in _table_columns(connection, table)]
    names = ", ".join(shared)
    sequence = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    connection.execute(_create_statement(table, f"{table}_new"))
    connection.execute(f"INSERT INTO {table}_new ({names}) SELECT {names} FROM {table}")
    connection.execute(f"DROP TABLE {table}")
    connection.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    if sequence:
        connection.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (sequence[0], table))


class Backoffice:
    def __init__(self, database: Path) -> None:
        self._database = database

    @classmethod
    def from_settings(cls) -> Backoffice:
        return cls(Settings.from_environment().backoffice_db)

    def _connect(self) -> sqlite3.Connection:
        connection = open_sqlite(self._database, SCHEMA)
        migrate(connection)
        return connection

    def _insert(self, table: str, record: dict[str, str | None]) -> int:
        row = {"created_at": datetime.now(timezone.utc).isoformat(), **record}
        columns = ", ".join(row)
        placeholders = ", ".join(f":{name}" for name in row)
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", row)
            if cursor.lastrowid is None:
                raise sqlite3.DatabaseError(f"insert into {table} returned no row id")
            return cursor.lastrowid

    def record_meter_reading(self, reading: MeterReading) -> str:
        """Stores the readings; returns the reference the customer gets ('MS-000001')."""
        return f"MS-{self._insert('meter_readings', _row(reading)):06d}"

    def record_move(self, move: Move) -> str:
        """Stores the move; returns the reference the customer gets ('VH-000001')."""
        return f"VH-{self._insert('moves', _row(move)):06d}"
