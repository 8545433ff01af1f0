"""'Klopt dit?': the last question of a form, before anything is submitted.

The form shows a short summary with "Ja, klopt" and "Nee, aanpassen". "Nee" asks what to change
(a button per answer), clears only that answer so the form asks it again, and then shows the
summary again. "Nee, de datum" goes straight to the date; a correction in the same message ("nee,
het huisnummer is 12") is taken as it is. The form is complete, and the rules submit it, only
after "ja".
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.constants import (
    CUSTOMER_NUMBER,
    FORM_CHANGE,
    FORM_CONFIRMED,
    HOUSE_NUMBER,
    INTENT_AFFIRM,
    INTENT_DENY,
    NO,
    POSTCODE,
    REQUESTED_SLOT,
    YES,
)
from actions.forms import SlotDict, latest_intent
from actions.identification import IdentifyingFormValidation, identification_slots
from actions.wording import wording
from naadloos.core.answers import parse_confirmation, parse_yes_no, pick_field


@dataclass(frozen=True)
class FormField:
    """One answer in the summary: its line, its button, and what changing it asks again."""

    label: str  # "Stroom dal" (a response in domain.yml): the summary line's name, the button's title and payload
    value: str  # "2345 kWh"
    slots: tuple[str, ...]  # cleared when the customer changes this answer, so the form asks them again
    pattern: str  # how a customer names it (naadloos.core.answers.pick_field); must match `label`


def identification_field(tracker: Tracker, address_label: str, address_pattern: str) -> FormField:
    """The customer number, or postcode and house number when the customer gave those;
    `address_label` is the response with the form's name for that address."""
    if identification_slots(tracker) == [CUSTOMER_NUMBER]:
        label = wording(tracker, "utter_form_label_customer_number")
        return FormField(label, str(tracker.get_slot(CUSTOMER_NUMBER)), (CUSTOMER_NUMBER,), r"klant")
    address = f"{tracker.get_slot(POSTCODE)} {tracker.get_slot(HOUSE_NUMBER)}"
    return FormField(wording(tracker, address_label), address, (POSTCODE, HOUSE_NUMBER), address_pattern)


class ConfirmingFormValidation(IdentifyingFormValidation):
    """A form that identifies the customer, asks its own questions, then 'Klopt dit?'."""

    reset_on_start = (FORM_CONFIRMED, FORM_CHANGE)

    @abstractmethod
    def data_slots(self, tracker: Tracker) -> list[str]:
        """The form's own questions, in order, given the answers so far."""

    @abstractmethod
    def fields(self, tracker: Tracker) -> list[FormField]:
        """The summary: one field per answer the customer can change."""

    def form_slots(self, tracker: Tracker, domain_slots: list[str]) -> list[str]:
        slots = identification_slots(tracker) + self.data_slots(tracker)
        if tracker.get_slot(FORM_CONFIRMED) == NO:
            return [*slots, FORM_CHANGE, FORM_CONFIRMED]
        return [*slots, FORM_CONFIRMED]

    def _change(self, tracker: Tracker, text: str) -> SlotDict | None:
        """Clears the answer `text` names ('de gasstand'), so the form asks it again."""
        fields = self.fields(tracker)
        key = pick_field(text, [(field.label, field.pattern) for field in fields])
        field = next((field for field in fields if field.label == key), None)
        if field is None:
            return None
        return {**{slot: None for slot in field.slots}, FORM_CHANGE: None, FORM_CONFIRMED: None}

    def extract_form_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        return self.free_answer(tracker, FORM_CONFIRMED, lambda t: parse_confirmation(t) is not None)

    def validate_form_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        if tracker.get_slot(REQUESTED_SLOT) != FORM_CONFIRMED or self.is_correction(tracker, FORM_CONFIRMED):
            return {FORM_CONFIRMED: None}  # a correction: the summary again, with the new answer
        text = str(value or "")
        answer = parse_confirmation(text)
        if answer is None:
            answer = {INTENT_AFFIRM: True, INTENT_DENY: False}.get(latest_intent(tracker) or "")
        if answer is True:
            return {FORM_CONFIRMED: YES}
        change = self._change(tracker, text)  # "nee, de datum" or just "de datum"
        if change is not None:
            return change
        if answer is False:
            return {FORM_CONFIRMED: NO}
        return self.reject(FORM_CONFIRMED, "utter_form_invalid_confirmation", dispatcher, tracker)

    def extract_form_change(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        return self.free_answer(tracker, FORM_CHANGE, lambda t: self._change(tracker, t) is not None)

    def validate_form_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        if tracker.get_slot(REQUESTED_SLOT) != FORM_CHANGE:
            return {FORM_CHANGE: None}
        if self.is_correction(tracker, FORM_CHANGE):
            return {FORM_CHANGE: None, FORM_CONFIRMED: None}
        text = str(value or "")
        change = self._change(tracker, text)
        if change is not None:
            return change
        if parse_yes_no(text) is not None:  # "klopt toch", "nee niks": the summary again
            return {FORM_CHANGE: None, FORM_CONFIRMED: None}
        return self.reject(FORM_CHANGE, "utter_form_invalid_change", dispatcher, tracker)


class ActionAskConfirmation(Action, ABC):
    """Asks 'Klopt dit?' with the summary of a form (`action_ask_<form>_form_confirmed`)."""

    @abstractmethod
    def validation(self) -> ConfirmingFormValidation:
        """The form's validation action, which knows its answers."""

    def name(self) -> str:
        return f"action_ask_{self.validation().form}_{FORM_CONFIRMED}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lines = [f"{field.label}: {field.value}" for field in self.validation().fields(tracker)]
        dispatcher.utter_message(response="utter_form_confirm", summary="\n".join(lines))
        return []


class ActionAskChange(Action, ABC):
    """Asks what to change, with a button per answer (`action_ask_<form>_form_change`)."""

    @abstractmethod
    def validation(self) -> ConfirmingFormValidation:
        """The form's validation action, which knows its answers."""

    def name(self) -> str:
        return f"action_ask_{self.validation().form}_{FORM_CHANGE}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        fields = self.validation().fields(tracker)
        buttons = [{"title": field.label, "payload": field.label} for field in fields]
        dispatcher.utter_message(response="utter_form_change", buttons=buttons)
        return []
