"""Meter reading form (meterstand doorgeven): validation and submission."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice import Backoffice, MeterReading
from actions.constants import (
    CUSTOMER_NUMBER,
    ELECTRICITY_READING,
    GAS_READING,
    METERSTAND_FORM,
    NO_GAS,
    READING_DATE,
)
from actions.forms import DateRules, DutchFormValidation, SlotDict, shown_date
from naadloos.parsing import MAX_METER_DIGITS, parse_meter_reading, says_no_gas

READING_DATE_RULES = DateRules(
    prefer_future=False,
    earliest=-timedelta(days=30),
    latest=timedelta(0),
    invalid="utter_meterstand_invalid_date",
    too_early="utter_meterstand_date_too_old",
    too_late="utter_meterstand_date_in_future",
)


def _shown_reading(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


class ValidateMeterstandForm(DutchFormValidation):
    form = METERSTAND_FORM
    entity_slots = {"customer_number": CUSTOMER_NUMBER}

    def _validate_reading(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotDict:
        reading = parse_meter_reading(str(value or ""))
        if reading is None:
            return self.reject(slot, "utter_meterstand_invalid_reading", dispatcher, tracker)
        if len(str(int(reading))) > MAX_METER_DIGITS:
            return self.reject(slot, "utter_meterstand_reading_too_long", dispatcher, tracker)
        return {slot: _shown_reading(reading)}

    def validate_electricity_reading(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        return self._validate_reading(ELECTRICITY_READING, value, dispatcher, tracker)

    def validate_gas_reading(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        if value == NO_GAS or says_no_gas(str(value or "")):
            return {GAS_READING: NO_GAS}
        return self._validate_reading(GAS_READING, value, dispatcher, tracker)

    def validate_reading_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        return self.accept_date(READING_DATE, value, READING_DATE_RULES, dispatcher, tracker)


class ActionMeterstandSubmit(Action):
    """Records the readings in the back office, confirms them and clears the form's slots."""

    def name(self) -> str:
        return "action_meterstand_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        gas = tracker.get_slot(GAS_READING)
        reading = MeterReading(
            conversation_id=tracker.sender_id,
            customer_number=tracker.get_slot(CUSTOMER_NUMBER),
            electricity_kwh=tracker.get_slot(ELECTRICITY_READING),
            gas_m3=None if gas == NO_GAS else gas,
            reading_date=tracker.get_slot(READING_DATE),
        )
        reference = Backoffice.from_settings().record_meter_reading(reading)
        gas_text = "" if reading.gas_m3 is None else f" en gas {reading.gas_m3} m³"
        dispatcher.utter_message(
            text=(
                f"Dank je! Ik heb je meterstanden doorgegeven: stroom {reading.electricity_kwh} kWh{gas_text}, "
                f"afgelezen op {shown_date(reading.reading_date)}. Je referentie is {reference}."
            )
        )
        return [
            SlotSet(ELECTRICITY_READING, None),
            SlotSet(GAS_READING, None),
            SlotSet(READING_DATE, None),
        ]
