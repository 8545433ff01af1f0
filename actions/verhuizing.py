"""Moving form (verhuizing doorgeven): validation and submission."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice import Backoffice, Move
from actions.constants import (
    CUSTOMER_NUMBER,
    MOVING_DATE,
    NEW_HOUSE_NUMBER,
    NEW_POSTCODE,
    VERHUIZING_FORM,
)
from actions.forms import DateRules, DutchFormValidation, SlotDict, shown_date
from naadloos.parsing import parse_house_number, parse_postcode

MOVING_DATE_RULES = DateRules(
    prefer_future=True,
    earliest=timedelta(0),
    latest=timedelta(days=366),
    invalid="utter_verhuizing_invalid_date",
    too_early="utter_verhuizing_date_in_past",
    too_late="utter_verhuizing_date_too_far",
)


class ValidateVerhuizingForm(DutchFormValidation):
    form = VERHUIZING_FORM
    entity_slots = {
        "customer_number": CUSTOMER_NUMBER,
        "postcode": NEW_POSTCODE,
        "house_number": NEW_HOUSE_NUMBER,
    }

    def validate_new_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        postcode = parse_postcode(str(value or ""))
        return self.accept_parsed(NEW_POSTCODE, postcode, "utter_verhuizing_invalid_postcode", dispatcher, tracker)

    def validate_new_house_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        house_number = parse_house_number(str(value or ""))
        return self.accept_parsed(NEW_HOUSE_NUMBER, house_number, "utter_verhuizing_invalid_house_number", dispatcher, tracker)

    def validate_moving_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        # "huisnummer 7-2" would read as 7 February: a correction is never a date answer.
        if self.is_correction(tracker, MOVING_DATE):
            return {MOVING_DATE: None}
        return self.accept_date(MOVING_DATE, value, MOVING_DATE_RULES, dispatcher, tracker)


class ActionVerhuizingSubmit(Action):
    """Records the move in the back office, confirms it and clears the form's slots."""

    def name(self) -> str:
        return "action_verhuizing_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        move = Move(
            conversation_id=tracker.sender_id,
            customer_number=tracker.get_slot(CUSTOMER_NUMBER),
            postcode=tracker.get_slot(NEW_POSTCODE),
            house_number=tracker.get_slot(NEW_HOUSE_NUMBER),
            moving_date=tracker.get_slot(MOVING_DATE),
        )
        reference = Backoffice.from_settings().record_move(move)
        dispatcher.utter_message(
            text=(
                f"Gelukt! Je verhuizing naar {move.postcode} {move.house_number} op {shown_date(move.moving_date)} "
                f"is doorgegeven. Je referentie is {reference}. Je krijgt binnen 2 werkdagen een bevestiging per e-mail. "
                f"Geef op je verhuisdag ook de meterstanden van je oude adres door."
            )
        )
        return [
            SlotSet(NEW_POSTCODE, None),
            SlotSet(NEW_HOUSE_NUMBER, None),
            SlotSet(MOVING_DATE, None),
        ]
