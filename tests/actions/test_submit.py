"""The submit actions record in the SQLite back office, confirm in Dutch and clear the form's slots.
Every reading has its own column; without a customer number, postcode and house number are kept."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from rasa_sdk.events import SlotSet

from actions.backoffice import Identification, MeterReading
from actions.meterstand import ActionMeterstandSubmit
from actions.verhuizing import ActionVerhuizingSubmit

READINGS = {
    "customer_number": "12345678",
    "meter_type": "enkel",
    "electricity_reading": "12345",
    "solar_panels": "nee",
    "gas_reading": "2345",
    "reading_date": "2026-11-17",
    "form_confirmed": "ja",
}
DOUBLE_SOLAR = {
    **READINGS,
    "meter_type": "dubbel",
    "electricity_reading": None,
    "electricity_normal_reading": "12345",
    "electricity_offpeak_reading": "6789",
    "solar_panels": "ja",
    "return_normal_reading": "321",
    "return_offpeak_reading": "54",
}
MOVE = {"customer_number": "12345678", "new_postcode": "1234 AB", "new_house_number": "12A", "moving_date": "2026-12-01"}
BY_ADDRESS = {"customer_number": None, "no_customer_number": True, "postcode": "3511 AB", "house_number": "14B"}
READING_COLUMNS = (
    "customer_number, customer_postcode, customer_house_number, meter_type, electricity_kwh, electricity_normal_kwh, "
    "electricity_offpeak_kwh, return_kwh, return_normal_kwh, return_offpeak_kwh, gas_m3, reading_date"
)
FORM_SLOTS = [
    "meter_type", "electricity_reading", "electricity_normal_reading", "electricity_offpeak_reading", "solar_panels",
    "return_reading", "return_normal_reading", "return_offpeak_reading", "gas_reading", "reading_date",
    "form_confirmed", "form_change",
]


def rows(database, query):
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


async def test_meter_readings_are_recorded_and_confirmed(make_tracker, run_action, texts, backoffice_db):
    events = await run_action(ActionMeterstandSubmit(), make_tracker("ja", intent="affirm", slots=READINGS))

    assert texts() == [
        "Dank je! Ik heb je meterstanden doorgegeven: stroom 12345 kWh en gas 2345 m³, "
        "afgelezen op 17 november 2026. Je referentie is MS-000001."
    ]
    assert events == [SlotSet(slot, None) for slot in FORM_SLOTS]  # the customer number stays for a next form
    query = "SELECT id, conversation_id, customer_number, meter_type, electricity_kwh, gas_m3, reading_date FROM meter_readings"
    assert rows(backoffice_db, query) == [(1, "test-conversation", "12345678", "enkel", "12345", "2345", "2026-11-17")]


async def test_without_gas_only_electricity_is_recorded(make_tracker, run_action, texts, backoffice_db):
    await run_action(ActionMeterstandSubmit(), make_tracker(slots={**READINGS, "gas_reading": "geen"}))

    assert texts() == [
        "Dank je! Ik heb je meterstanden doorgegeven: stroom 12345 kWh, afgelezen op 17 november 2026. "
        "Je referentie is MS-000001."
    ]
    assert rows(backoffice_db, "SELECT gas_m3 FROM meter_readings") == [(None,)]


async def test_double_meter_and_return_readings_each_in_their_own_column(make_tracker, run_action, texts, backoffice_db):
    await run_action(ActionMeterstandSubmit(), make_tracker(slots=DOUBLE_SOLAR))

    assert texts() == [
        "Dank je! Ik heb je meterstanden doorgegeven: stroom normaal 12345 kWh, stroom dal 6789 kWh, "
        "teruglevering normaal 321 kWh, teruglevering dal 54 kWh en gas 2345 m³, afgelezen op 17 november 2026. "
        "Je referentie is MS-000001."
    ]
    assert rows(backoffice_db, f"SELECT {READING_COLUMNS} FROM meter_readings") == [
        ("12345678", None, None, "dubbel", None, "12345", "6789", None, "321", "54", "2345", "2026-11-17")
    ]


async def test_single_meter_with_solar_panels_has_one_return_reading(make_tracker, run_action, backoffice_db):
    slots = {**READINGS, "solar_panels": "ja", "return_reading": "432", "gas_reading": "geen"}
    await run_action(ActionMeterstandSubmit(), make_tracker(slots=slots))
    query = "SELECT electricity_kwh, return_kwh, electricity_normal_kwh, return_normal_kwh FROM meter_readings"
    assert rows(backoffice_db, query) == [("12345", "432", None, None)]


async def test_readings_of_the_other_meter_type_are_not_recorded(make_tracker, run_action, backoffice_db):
    """An answer given before the customer changed 'enkel' into 'dubbel' is not sent along."""
    stale = {"electricity_reading": "999", "return_reading": "9"}
    await run_action(ActionMeterstandSubmit(), make_tracker(slots={**DOUBLE_SOLAR, **stale}))
    assert rows(backoffice_db, "SELECT electricity_kwh, return_kwh FROM meter_readings") == [(None, None)]


async def test_without_customer_number_postcode_and_house_number_are_recorded(make_tracker, run_action, backoffice_db):
    await run_action(ActionMeterstandSubmit(), make_tracker(slots={**READINGS, **BY_ADDRESS}))
    await run_action(ActionVerhuizingSubmit(), make_tracker(slots={**MOVE, **BY_ADDRESS}))

    identification = "customer_number, customer_postcode, customer_house_number"
    assert rows(backoffice_db, f"SELECT {identification} FROM meter_readings") == [(None, "3511 AB", "14B")]
    assert rows(backoffice_db, f"SELECT {identification}, postcode, house_number FROM moves") == [
        (None, "3511 AB", "14B", "1234 AB", "12A")
    ]


def test_a_submission_without_any_identification_is_refused():
    with pytest.raises(ValueError):
        Identification()
    with pytest.raises(ValueError):
        Identification(customer_postcode="1234 AB")


def test_a_double_meter_reading_needs_both_readings():
    with pytest.raises(ValueError):
        MeterReading("c", Identification("12345678"), "2026-11-17", meter_type="dubbel", electricity_normal_kwh="1")


async def test_move_is_recorded_and_confirmed(make_tracker, run_action, texts, backoffice_db):
    events = await run_action(ActionVerhuizingSubmit(), make_tracker(slots={**MOVE, "form_confirmed": "ja"}))

    [confirmation] = texts()
    assert confirmation.startswith(
        "Gelukt! Je verhuizing naar 1234 AB 12A op 1 december 2026 is doorgegeven. Je referentie is VH-000001."
    )
    assert events == [
        SlotSet(slot, None) for slot in ("new_postcode", "new_house_number", "moving_date", "form_confirmed", "form_change")
    ]
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
