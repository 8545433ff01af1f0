"""The submit actions record in the SQLite back office, confirm in Dutch and clear the form's slots."""
from __future__ import annotations

import sqlite3
from contextlib import closing

from rasa_sdk.events import SlotSet

from actions.meterstand import ActionMeterstandSubmit
from actions.verhuizing import ActionVerhuizingSubmit

READINGS = {"customer_number": "12345678", "electricity_reading": "12345", "gas_reading": "2345", "reading_date": "2026-11-17"}
MOVE = {"customer_number": "12345678", "new_postcode": "1234 AB", "new_house_number": "12A", "moving_date": "2026-12-01"}


def rows(database, query):
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


async def test_meter_readings_are_recorded_and_confirmed(make_tracker, run_action, texts, backoffice_db):
    events = await run_action(ActionMeterstandSubmit(), make_tracker("ja", intent="affirm", slots=READINGS))

    assert texts() == [
        "Dank je! Ik heb je meterstanden doorgegeven: stroom 12345 kWh en gas 2345 m³, "
        "afgelezen op 17 november 2026. Je referentie is MS-000001."
    ]
    assert events == [SlotSet("electricity_reading", None), SlotSet("gas_reading", None), SlotSet("reading_date", None)]
    query = "SELECT id, conversation_id, customer_number, electricity_kwh, gas_m3, reading_date FROM meter_readings"
    assert rows(backoffice_db, query) == [(1, "test-conversation", "12345678", "12345", "2345", "2026-11-17")]


async def test_without_gas_only_electricity_is_recorded(make_tracker, run_action, texts, backoffice_db):
    await run_action(ActionMeterstandSubmit(), make_tracker(slots={**READINGS, "gas_reading": "geen"}))

    assert texts() == [
        "Dank je! Ik heb je meterstanden doorgegeven: stroom 12345 kWh, afgelezen op 17 november 2026. "
        "Je referentie is MS-000001."
    ]
    assert rows(backoffice_db, "SELECT gas_m3 FROM meter_readings") == [(None,)]


async def test_move_is_recorded_and_confirmed(make_tracker, run_action, texts, backoffice_db):
    events = await run_action(ActionVerhuizingSubmit(), make_tracker(slots=MOVE))

    [confirmation] = texts()
    assert confirmation.startswith(
        "Gelukt! Je verhuizing naar 1234 AB 12A op 1 december 2026 is doorgegeven. Je referentie is VH-000001."
    )
    assert events == [SlotSet("new_postcode", None), SlotSet("new_house_number", None), SlotSet("moving_date", None)]
    query = "SELECT id, conversation_id, customer_number, postcode, house_number, moving_date FROM moves"
    assert rows(backoffice_db, query) == [(1, "test-conversation", "12345678", "1234 AB", "12A", "2026-12-01")]


async def test_each_submission_gets_its_own_reference(make_tracker, run_action, texts, backoffice_db):
    for _ in range(2):
        await run_action(ActionMeterstandSubmit(), make_tracker(slots=READINGS))
        await run_action(ActionVerhuizingSubmit(), make_tracker(slots=MOVE))

    references = [text.split("Je referentie is ")[1][:9] for text in texts()]
    assert references == ["MS-000001", "VH-000001", "MS-000002", "VH-000002"]
    assert rows(backoffice_db, "SELECT COUNT(*) FROM meter_readings") == [(2,)]
    assert rows(backoffice_db, "SELECT COUNT(*) FROM moves") == [(2,)]
