"""Moving form (verhuizing doorgeven): validation, summary and submission."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import Backoffice, Move
from actions.confirmation import (
    ActionAskChange,
    ActionAskConfirmation,
    ConfirmingFormValidation,
    FormField,
    identification_field,
)
from actions.constants import (
    CUSTOMER_NUMBER,
    FORM_CHANGE,
    FORM_CONFIRMED,
    MOVING_DATE,
    NEW_HOUSE_NUMBER,
    NEW_POSTCODE,
    VERHUIZING_FORM,
)
from actions.forms import DateRules, SlotDict, shown_date
from actions.identification import identification_of
from actions.wording import wording
from naadloos.core.parsing import parse_house_number, parse_postcode

MOVING_DATE_RULES = DateRules(
    prefer_future=True,
    earliest=timedelta(0),
    latest=timedelta(days=366),
    invalid="utter_verhuizing_invalid_date",
    too_early="utter_verhuizing_date_in_past",
    too_late="utter_verhuizing_date_too_far",
)


class ValidateVerhuizingForm(ConfirmingFormValidation):
    form = VERHUIZING_FORM
    entity_slots = {
        "customer_number": CUSTOMER_NUMBER,
        "postcode": NEW_POSTCODE,
        "house_number": NEW_HOUSE_NUMBER,
    }

    def data_slots(self, tracker: Tracker) -> list[str]:
        return [NEW_POSTCODE, NEW_HOUSE_NUMBER, MOVING_DATE]

    def fields(self, tracker: Tracker) -> list[FormField]:
        return [
            identification_field(tracker, "utter_verhuizing_label_current_address", r"klant|huidig|\boud|nu woon"),
            FormField(
                wording(tracker, "utter_verhuizing_label_new_postcode"),
                str(tracker.get_slot(NEW_POSTCODE)),
                (NEW_POSTCODE,),
                r"postcode",
            ),
            FormField(
                wording(tracker, "utter_verhuizing_label_new_house_number"),
                str(tracker.get_slot(NEW_HOUSE_NUMBER)),
                (NEW_HOUSE_NUMBER,),
                r"nummer|huisnr|toevoeging",
            ),
            FormField(
                wording(tracker, "utter_verhuizing_label_moving_date"),
                shown_date(tracker.get_slot(MOVING_DATE)),
                (MOVING_DATE,),
                r"datum|verhuisdag|\bdag\b|wanneer|sleutel",
            ),
        ]

    def validate_new_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        postcode = parse_postcode(str(value or ""))
        return self.accept_parsed(NEW_POSTCODE, postcode, "utter_form_invalid_postcode", dispatcher, tracker)

    def validate_new_house_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        house_number = parse_house_number(str(value or ""))
        return self.accept_parsed(NEW_HOUSE_NUMBER, house_number, "utter_form_invalid_house_number", dispatcher, tracker)

    def extract_moving_date(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        return self.date_answer(tracker, MOVING_DATE)

    def validate_moving_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        # "huisnummer 7-2" would read as 7 February: a correction is never a date answer.
        if self.is_correction(tracker, MOVING_DATE):
            return {MOVING_DATE: None}
        return self.accept_date(MOVING_DATE, value, MOVING_DATE_RULES, dispatcher, tracker)


class ActionAskVerhuizingConfirmation(ActionAskConfirmation):
    def validation(self) -> ValidateVerhuizingForm:
        return ValidateVerhuizingForm()


class ActionAskVerhuizingChange(ActionAskChange):
    def validation(self) -> ValidateVerhuizingForm:
        return ValidateVerhuizingForm()


class ActionVerhuizingSubmit(Action):
    """Records the move in the back office, confirms it and clears the form's slots."""

    def name(self) -> str:
        return "action_verhuizing_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        move = Move(
            conversation_id=tracker.sender_id,
            identification=identification_of(tracker),
            postcode=tracker.get_slot(NEW_POSTCODE),
            house_number=tracker.get_slot(NEW_HOUSE_NUMBER),
            moving_date=tracker.get_slot(MOVING_DATE),
        )
        reference = Backoffice.from_settings().record_move(move)
        # A text, not response=: the feedback question that follows records this action as its subject.
        submitted = wording(
            tracker, "utter_verhuizing_submitted",
            new_postcode=move.postcode, new_house_number=move.house_number,
            date=shown_date(move.moving_date), reference=reference,
        )
        dispatcher.utter_message(text=submitted)
        return [SlotSet(slot, None) for slot in (NEW_POSTCODE, NEW_HOUSE_NUMBER, MOVING_DATE, FORM_CONFIRMED, FORM_CHANGE)]
