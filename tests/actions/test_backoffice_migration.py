"""A back-office file written by the previous version (one electricity column, customer number
required) is migrated when opened: new columns, nothing lost, reference numbers never reused."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from actions.backoffice import TABLES, Backoffice, Identification, MeterReading, Move, migrate

# The schema of actions/backoffice.py before meter types, return readings and postcode identification.
OLD_SCHEMA = """
CREATE TABLE meter_readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    electricity_kwh TEXT NOT NULL,
    gas_m3 TEXT,
    reading_date TEXT NOT NULL
);
CREATE TABLE moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    postcode TEXT NOT NULL,
    house_number TEXT NOT NULL,
    moving_date TEXT NOT NULL
);
INSERT INTO meter_readings VALUES (1, '2026-11-01T10:00:00+00:00', 'old-1', '11111111', '12345', '2345', '2026-11-01');
INSERT INTO meter_readings VALUES (2, '2026-11-02T10:00:00+00:00', 'old-2', '22222222', '23456', NULL, '2026-11-02');
INSERT INTO meter_readings VALUES (3, '2026-11-03T10:00:00+00:00', 'old-3', '33333333', '34567', NULL, '2026-11-03');
DELETE FROM meter_readings WHERE id = 3;
INSERT INTO moves VALUES (1, '2026-11-01T10:00:00+00:00', 'old-1', '11111111', '1234 AB', '12', '2026-12-01');
"""


def old_file(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(OLD_SCHEMA)
    return path


def rows(database: Path, query: str) -> list[tuple]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


def columns(database: Path, table: str) -> dict[str, bool]:
    return {name: bool(notnull) for _, name, _, notnull, _, _ in rows(database, f"PRAGMA table_info({table})")}


def double_meter_reading(conversation: str = "new") -> MeterReading:
    return MeterReading(
        conversation, Identification(customer_postcode="3511 AB", customer_house_number="14B"), "2026-11-17",
        meter_type="dubbel", electricity_normal_kwh="12345", electricity_offpeak_kwh="6789",
    )


def test_an_old_file_gets_the_new_columns_and_keeps_every_row(tmp_path):
    database = old_file(tmp_path / "backoffice.sqlite3")

    reference = Backoffice(database).record_meter_reading(double_meter_reading())

    assert columns(database, "meter_readings") == {
        column: "NOT NULL" in declaration for column, declaration in TABLES["meter_readings"]
    } | {"id": False}
    assert columns(database, "meter_readings")["customer_number"] is False  # no customer number: postcode
    query = "SELECT id, conversation_id, customer_number, electricity_kwh, gas_m3, meter_type FROM meter_readings"
    assert rows(database, query) == [
        (1, "old-1", "11111111", "12345", "2345", None),
        (2, "old-2", "22222222", "23456", None, None),
        (4, "new", None, None, None, "dubbel"),
    ]
    assert reference == "MS-000004"  # 3 was given out once (and deleted): never again


def test_moves_are_migrated_too(tmp_path):
    database = old_file(tmp_path / "backoffice.sqlite3")

    reference = Backoffice(database).record_move(
        Move("new", Identification(customer_postcode="3511 AB", customer_house_number="14B"), "2514 GL", "4", "2026-12-01")
    )

    assert reference == "VH-000002"
    assert rows(database, "SELECT id, customer_number, customer_postcode, postcode FROM moves") == [
        (1, "11111111", None, "1234 AB"),
        (2, None, "3511 AB", "2514 GL"),
    ]


def test_migration_runs_once_and_a_current_file_is_left_alone(tmp_path):
    database = old_file(tmp_path / "backoffice.sqlite3")
    with closing(sqlite3.connect(database)) as connection:
        assert migrate(connection) == ["meter_readings", "moves"]
        assert migrate(connection) == []
    with closing(sqlite3.connect(database)) as connection:
        assert migrate(connection) == []
    assert rows(database, "SELECT COUNT(*) FROM meter_readings") == [(2,)]


def test_two_processes_opening_an_old_file_at_once_migrate_it_once(tmp_path):
    database = old_file(tmp_path / "backoffice.sqlite3")
    references: list[str] = []
    errors: list[BaseException] = []

    def submit(name: str) -> None:
        try:
            references.append(Backoffice(database).record_meter_reading(double_meter_reading(name)))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(references) == ["MS-000004", "MS-000005", "MS-000006", "MS-000007"]
    assert rows(database, "SELECT COUNT(*) FROM meter_readings") == [(6,)]


def test_a_new_file_is_created_with_the_current_columns(tmp_path):
    database = tmp_path / "nested" / "backoffice.sqlite3"
    assert Backoffice(database).record_meter_reading(double_meter_reading()) == "MS-000001"
    assert list(columns(database, "meter_readings")) == [column for column, _ in TABLES["meter_readings"]]
