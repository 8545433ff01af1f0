"""Shared behaviour of the form validation actions: Dutch re-asking and mid-form corrections.

A customer can correct an earlier answer at any question ("nee, het huisnummer is 12"). The
entity fills the earlier slot through its `from_entity` mapping; the slot that was asked for then
receives the same text, which is not a valid answer to it. That case is a correction, not a
mistake: the asked slot is cleared silently and the form asks its question again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.constants import CUSTOMER_NUMBER, REASON_REPEATED_FAILURE, REQUESTED_SLOT
from actions.escalation import failure_slots
from actions.turns import previous_turn
from naadloos.parsing import format_date_nl, parse_customer_number, parse_date
from naadloos.settings import current_escalation_config, current_organisation

SlotDict = dict[str, Any]

# How a corrected slot is named when the assistant confirms the change.
SLOT_LABELS = {
    CUSTOMER_NUMBER: "je klantnummer",
    "new_postcode": "de postcode",
    "new_house_number": "het huisnummer",
}


@dataclass(frozen=True)
class DateRules:
    """Which dates a form accepts (relative to today) and the responses for the ones it does not."""

    prefer_future: bool
    earliest: timedelta
    latest: timedelta
    invalid: str
    too_early: str
    too_late: str


class DutchFormValidation(FormValidationAction):
    """Base class: subclasses set `form` and `entity_slots` (entity name -> slot it corrects)."""

    form: str = ""
    entity_slots: Mapping[str, str] = {}
    # A question answered wrongly twice hands over (`repeated_failure`); off for a form that is
    # itself the way out when no colleague is available.
    counts_failures: bool = True

    def name(self) -> str:
        return f"validate_{self.form}"

    def today(self) -> date:
        """Today in the organisation's timezone (tests override this)."""
        return datetime.now(current_organisation().timezone).date()

    # --- helpers for subclasses ------------------------------------------------------------
    def is_correction(self, tracker: Tracker, slot: str) -> bool:
        """The latest message carries an answer for another slot of this form than `slot`."""
        entities = tracker.latest_message.get("entities", [])
        return any(self.entity_slots.get(e.get("entity")) not in (None, slot) for e in entities)

    def reject(
        self, slot: str, response: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotDict:
        """Clears `slot` and explains why, unless the message was a correction of another slot.

        The same question answered wrongly twice in a row means the customer cannot complete
        the form: it stops (requested_slot None) and the rules hand over with `repeated_failure`.
        """
        if self.is_correction(tracker, slot):
            return {slot: None}
        if self.counts_failures and self._rejected_in_previous_turn(tracker, slot):
            failure, _ = failure_slots(tracker, current_escalation_config(), REASON_REPEATED_FAILURE, at_once=True)
            return {slot: None, **failure, REQUESTED_SLOT: None}
        dispatcher.utter_message(response=response)
        return {slot: None}

    @staticmethod
    def _rejected_in_previous_turn(tracker: Tracker, slot: str) -> bool:
        """Whether the customer's previous answer was given to `slot` and cleared as wrong."""
        values = [
            e.get("value") for e in previous_turn(tracker.events) if e.get("event") == "slot" and e.get("name") == slot
        ]
        return bool(values) and values[-1] is None

    def accept(self, slot: str, value: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotDict:
        """Keeps `value`; confirms it when it replaced an earlier answer while another slot was asked."""
        asked = tracker.get_slot(REQUESTED_SLOT)
        if asked not in (None, slot) and slot in SLOT_LABELS and self._was_answered_before(tracker, slot):
            dispatcher.utter_message(text=f"Ik heb {SLOT_LABELS[slot]} aangepast naar {value}.")
        return {slot: value}

    def accept_parsed(
        self, slot: str, parsed: str | None, error_response: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotDict:
        """`accept` the parsed value, or `reject` with `error_response` when parsing found none."""
        if parsed is None:
            return self.reject(slot, error_response, dispatcher, tracker)
        return self.accept(slot, parsed, dispatcher, tracker)

    def accept_date(
        self, slot: str, value: Any, rules: DateRules, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotDict:
        """Parses a date answer and checks it lies in the window `rules` gives for today."""
        today = self.today()
        answer = parse_date(str(value or ""), today, prefer_future=rules.prefer_future)
        if answer is None:
            return self.reject(slot, rules.invalid, dispatcher, tracker)
        if answer < today + rules.earliest:
            return self.reject(slot, rules.too_early, dispatcher, tracker)
        if answer > today + rules.latest:
            return self.reject(slot, rules.too_late, dispatcher, tracker)
        return {slot: answer.isoformat()}

    @staticmethod
    def _was_answered_before(tracker: Tracker, slot: str) -> bool:
        """Whether `slot` had a value before the latest user message."""
        seen_latest_user = False
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                seen_latest_user = True
                continue
            if seen_latest_user and event.get("event") == "slot" and event.get("name") == slot:
                return event.get("value") is not None
        return False

    # --- shared slot -----------------------------------------------------------------------
    def validate_customer_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        number = parse_customer_number(str(value or ""))
        return self.accept_parsed(CUSTOMER_NUMBER, number, "utter_form_invalid_customer_number", dispatcher, tracker)


def shown_date(iso_value: str | None) -> str:
    """'2026-12-01' -> '1 december 2026' for messages to the customer."""
    return format_date_nl(date.fromisoformat(iso_value)) if iso_value else ""
