"""Meter reading form (meterstand doorgeven): validation, summary and submission.

A single meter has one electricity reading; a double meter has normaal (T2) and dal (T1), which
a supplier bills separately, so they are asked and stored separately and never added up. With
solar panels the return readings (teruglevering) follow: one for a single meter, normaal and dal
for a double one. Then gas ("geen gas" is an answer), the reading date and "Klopt dit?".
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import Backoffice, MeterReading
from actions.confirmation import (
    ActionAskChange,
    ActionAskConfirmation,
    ConfirmingFormValidation,
    FormField,
    identification_field,
)
from actions.constants import (
    CUSTOMER_NUMBER,
    ELECTRICITY_NORMAL_READING,
    ELECTRICITY_OFFPEAK_READING,
    ELECTRICITY_READING,
    FORM_CHANGE,
    FORM_CONFIRMED,
    GAS_READING,
    INTENT_AFFIRM,
    INTENT_DENY,
    METER_TYPE,
    METERSTAND_FORM,
    NO,
    NO_GAS,
    READING_DATE,
    RETURN_NORMAL_READING,
    RETURN_OFFPEAK_READING,
    RETURN_READING,
    SOLAR_PANELS,
    YES,
)
from actions.forms import OFFER_COLLEAGUE, DateRules, SlotDict, latest_intent, responses_in_previous_turn, shown_date
from actions.identification import identification_of
from actions.wording import wording
from naadloos.core.answers import METER_DOUBLE, METER_SINGLE, parse_meter_type, says_dont_know, says_solar_panels
from naadloos.core.parsing import MAX_METER_DIGITS, parse_meter_reading, says_no_gas

READING_DATE_RULES = DateRules(
    prefer_future=False,
    earliest=-timedelta(days=30),
    latest=timedelta(0),
    invalid="utter_meterstand_invalid_date",
    too_early="utter_meterstand_date_too_old",
    too_late="utter_meterstand_date_in_future",
)

# meter type -> (electricity readings, return readings), in the order the form asks them
READINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    METER_SINGLE: ((ELECTRICITY_READING,), (RETURN_READING,)),
    METER_DOUBLE: (
        (ELECTRICITY_NORMAL_READING, ELECTRICITY_OFFPEAK_READING),
        (RETURN_NORMAL_READING, RETURN_OFFPEAK_READING),
    ),
}
ALL_USAGE_READINGS = READINGS[METER_SINGLE][0] + READINGS[METER_DOUBLE][0]
ALL_RETURN_READINGS = READINGS[METER_SINGLE][1] + READINGS[METER_DOUBLE][1]
METER_TYPE_HELP = "utter_meterstand_meter_type_help"

# reading slot -> (its label in the summary and in the confirmation, a response in domain.yml;
# how a customer names it)
_NOT_RETURN = r"^(?!.*terug)"
_NORMAL = r"(normaal|t2|hoog)"
_OFFPEAK = r"(dal|t1|laag|nacht)"
READING_FIELDS = {
    ELECTRICITY_READING: ("utter_meterstand_label_electricity", rf"{_NOT_RETURN}.*(stroom|elektr|kwh)"),
    ELECTRICITY_NORMAL_READING: ("utter_meterstand_label_electricity_normal", rf"{_NOT_RETURN}.*{_NORMAL}"),
    ELECTRICITY_OFFPEAK_READING: ("utter_meterstand_label_electricity_offpeak", rf"{_NOT_RETURN}.*{_OFFPEAK}"),
    RETURN_READING: ("utter_meterstand_label_return", r"terug"),
    RETURN_NORMAL_READING: ("utter_meterstand_label_return_normal", rf"terug.*{_NORMAL}|{_NORMAL}.*terug"),
    RETURN_OFFPEAK_READING: ("utter_meterstand_label_return_offpeak", rf"terug.*{_OFFPEAK}|{_OFFPEAK}.*terug"),
}
GAS_LABEL = "utter_meterstand_label_gas"


def _shown_reading(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def reading_slots(tracker: Tracker) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The electricity and return reading slots that apply (none while the meter type is unknown;
    return readings only with solar panels)."""
    usage, returns = READINGS.get(tracker.get_slot(METER_TYPE) or "", ((), ()))
    return usage, returns if tracker.get_slot(SOLAR_PANELS) == YES else ()


def _reading_validator(slot: str) -> Callable[..., SlotDict]:
    """`validate_<slot>` for a reading slot: Rasa calls the method by that name."""

    def validate(
        self: ValidateMeterstandForm, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        return self._validate_reading(slot, value, dispatcher, tracker)

    return validate


class ValidateMeterstandForm(ConfirmingFormValidation):
    form = METERSTAND_FORM
    entity_slots = {"customer_number": CUSTOMER_NUMBER}

    def data_slots(self, tracker: Tracker) -> list[str]:
        usage, returns = reading_slots(tracker)
        solar = [SOLAR_PANELS] if tracker.get_slot(METER_TYPE) else []
        return [METER_TYPE, *usage, *solar, *returns, GAS_READING, READING_DATE]

    def fields(self, tracker: Tracker) -> list[FormField]:
        usage, returns = reading_slots(tracker)
        double = tracker.get_slot(METER_TYPE) == METER_DOUBLE
        gas = tracker.get_slot(GAS_READING)

        def said(response: str) -> str:
            return wording(tracker, response)

        meter = said("utter_meterstand_value_double_meter" if double else "utter_meterstand_value_single_meter")
        solar = said("utter_meterstand_value_solar_panels_yes" if returns else "utter_meterstand_value_solar_panels_no")
        gas_value = said("utter_meterstand_value_no_gas") if gas == NO_GAS else f"{gas} m³"
        return [
            identification_field(tracker, "utter_meterstand_label_address", r"klant|postcode|huisnummer|adres|nummer"),
            FormField(said("utter_meterstand_label_meter_type"), meter, (METER_TYPE,), r"soort|type|enkel|dubbel"),
            *(self._reading_field(tracker, slot) for slot in usage),
            FormField(said("utter_meterstand_label_solar_panels"), solar, (SOLAR_PANELS,), r"zon|panel"),
            *(self._reading_field(tracker, slot) for slot in returns),
            FormField(said(GAS_LABEL), gas_value, (GAS_READING,), r"gas"),
            FormField(
                said("utter_meterstand_label_reading_date"),
                shown_date(tracker.get_slot(READING_DATE)),
                (READING_DATE,),
                r"datum|afgelezen|\bdag\b|wanneer",
            ),
        ]

    @staticmethod
    def _reading_field(tracker: Tracker, slot: str) -> FormField:
        label, pattern = READING_FIELDS[slot]
        return FormField(wording(tracker, label), f"{tracker.get_slot(slot)} kWh", (slot,), pattern)

    # --- single or double meter, solar panels -------------------------------------------------
    def extract_meter_type(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        return self.free_answer(tracker, METER_TYPE, lambda t: parse_meter_type(t) is not None or says_dont_know(t))

    def validate_meter_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        text = str(value or "")
        meter_type = parse_meter_type(text)
        if meter_type is None:
            answer = self.answer_to_offer(METER_TYPE, tracker)
            if answer is not None:
                return answer
            if says_dont_know(text):  # explain how to see it; the second time, offer a colleague
                shown = OFFER_COLLEAGUE if METER_TYPE_HELP in responses_in_previous_turn(tracker) else METER_TYPE_HELP
                dispatcher.utter_message(response=shown)
                return {METER_TYPE: None}
            return self.reject(METER_TYPE, "utter_meterstand_invalid_meter_type", dispatcher, tracker)
        other_type = METER_DOUBLE if meter_type == METER_SINGLE else METER_SINGLE
        other_readings = [slot for slot in sum(READINGS[other_type], ()) if tracker.get_slot(slot) is not None]
        return {METER_TYPE: meter_type, **{slot: None for slot in other_readings}}

    def extract_solar_panels(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        return self.free_answer(tracker, SOLAR_PANELS, lambda t: says_solar_panels(t) is not None)

    def validate_solar_panels(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        answer = says_solar_panels(str(value or ""))
        if answer is None:
            answer = {INTENT_AFFIRM: True, INTENT_DENY: False}.get(latest_intent(tracker) or "")
        if answer is None:
            return self.reject(SOLAR_PANELS, "utter_meterstand_invalid_solar_panels", dispatcher, tracker)
        if answer:
            return {SOLAR_PANELS: YES}
        given = [slot for slot in ALL_RETURN_READINGS if tracker.get_slot(slot) is not None]
        return {SOLAR_PANELS: NO, **{slot: None for slot in given}}

    # --- readings -------------------------------------------------------------------------------
    def _validate_reading(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotDict:
        reading = parse_meter_reading(str(value or ""))
        if reading is None:
            return self.reject(slot, "utter_meterstand_invalid_reading", dispatcher, tracker)
        if len(str(int(reading))) > MAX_METER_DIGITS:
            return self.reject(slot, "utter_meterstand_reading_too_long", dispatcher, tracker)
        return {slot: _shown_reading(reading)}

    # one reading per slot, each checked the same way
    validate_electricity_reading = _reading_validator(ELECTRICITY_READING)
    validate_electricity_normal_reading = _reading_validator(ELECTRICITY_NORMAL_READING)
    validate_electricity_offpeak_reading = _reading_validator(ELECTRICITY_OFFPEAK_READING)
    validate_return_reading = _reading_validator(RETURN_READING)
    validate_return_normal_reading = _reading_validator(RETURN_NORMAL_READING)
    validate_return_offpeak_reading = _reading_validator(RETURN_OFFPEAK_READING)

    def extract_gas_reading(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        # "we koken elektrisch, geen gas" reads like the outage FAQ to the classifier
        return self.free_answer(tracker, GAS_READING, lambda text: says_no_gas(text) or parse_meter_reading(text) is not None)

    def validate_gas_reading(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        if value == NO_GAS or says_no_gas(str(value or "")):
            return {GAS_READING: NO_GAS}
        return self._validate_reading(GAS_READING, value, dispatcher, tracker)

    def extract_reading_date(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        return self.date_answer(tracker, READING_DATE)

    def validate_reading_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        return self.accept_date(READING_DATE, value, READING_DATE_RULES, dispatcher, tracker)


class ActionAskMeterstandConfirmation(ActionAskConfirmation):
    def validation(self) -> ValidateMeterstandForm:
        return ValidateMeterstandForm()


class ActionAskMeterstandChange(ActionAskChange):
    def validation(self) -> ValidateMeterstandForm:
        return ValidateMeterstandForm()


def _listed(parts: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b en c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} en {parts[-1]}"


class ActionMeterstandSubmit(Action):
    """Records the readings in the back office, confirms them and clears the form's slots."""

    def name(self) -> str:
        return "action_meterstand_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        usage, returns = reading_slots(tracker)
        if not usage:  # a tracker from before the meter-type question: one electricity reading
            usage = (ELECTRICITY_READING,)
        readings = {slot: tracker.get_slot(slot) for slot in (*usage, *returns)}
        gas = tracker.get_slot(GAS_READING)
        reading = MeterReading(
            conversation_id=tracker.sender_id,
            identification=identification_of(tracker),
            reading_date=tracker.get_slot(READING_DATE),
            meter_type=tracker.get_slot(METER_TYPE),
            electricity_kwh=readings.get(ELECTRICITY_READING),
            electricity_normal_kwh=readings.get(ELECTRICITY_NORMAL_READING),
            electricity_offpeak_kwh=readings.get(ELECTRICITY_OFFPEAK_READING),
            return_kwh=readings.get(RETURN_READING),
            return_normal_kwh=readings.get(RETURN_NORMAL_READING),
            return_offpeak_kwh=readings.get(RETURN_OFFPEAK_READING),
            gas_m3=None if gas == NO_GAS else gas,
        )
        reference = Backoffice.from_settings().record_meter_reading(reading)
        parts = [f"{wording(tracker, READING_FIELDS[slot][0]).lower()} {value} kWh" for slot, value in readings.items()]
        if reading.gas_m3 is not None:
            parts.append(f"{wording(tracker, GAS_LABEL).lower()} {reading.gas_m3} m³")
        # A text, not response=: the feedback question that follows records this action as its subject.
        submitted = wording(
            tracker, "utter_meterstand_submitted",
            readings=_listed(parts), date=shown_date(reading.reading_date), reference=reference,
        )
        dispatcher.utter_message(text=submitted)
        cleared = (METER_TYPE, *ALL_USAGE_READINGS, SOLAR_PANELS, *ALL_RETURN_READINGS, GAS_READING, READING_DATE)
        return [SlotSet(slot, None) for slot in (*cleared, FORM_CONFIRMED, FORM_CHANGE)]
