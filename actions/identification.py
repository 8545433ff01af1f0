"""Who the customer is, for both forms: a customer number, or postcode and house number.

A customer who has no customer number or does not know it ("ik heb geen klantnummer", "weet ik
niet", "kwijt", "ik heb da nie") is asked for postcode and house number instead. The second wrong
answer in a row offers a colleague and mentions "stop" (`DutchFormValidation.reject`); a third
hands over.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import Identification
from actions.constants import CUSTOMER_NUMBER, HOUSE_NUMBER, NO_CUSTOMER_NUMBER, POSTCODE
from actions.forms import DutchFormValidation, SlotDict
from naadloos.core.answers import says_dont_know, says_no_customer_number
from naadloos.core.parsing import HOUSE_NUMBER as HOUSE_NUMBER_ENTITY
from naadloos.core.parsing import find_entities, parse_customer_number, parse_house_number, parse_postcode


def identification_slots(tracker: Tracker) -> list[str]:
    """[customer_number], or [postcode, house_number] once the customer said they have none.

    A customer number given later after all (an entity in any answer) is used instead.
    """
    if tracker.get_slot(CUSTOMER_NUMBER) or not tracker.get_slot(NO_CUSTOMER_NUMBER):
        return [CUSTOMER_NUMBER]
    return [POSTCODE, HOUSE_NUMBER]


def identification_of(tracker: Tracker) -> Identification:
    """What a submission records about who the customer is."""
    if identification_slots(tracker) == [CUSTOMER_NUMBER]:
        return Identification(customer_number=tracker.get_slot(CUSTOMER_NUMBER))
    return Identification(customer_postcode=tracker.get_slot(POSTCODE), customer_house_number=tracker.get_slot(HOUSE_NUMBER))


def house_number_in(text: str) -> str | None:
    """The house number next to a postcode in one answer: '1234 AB 12', 'postcode 1234ab nr 5'."""
    found = [f.value for f in find_entities(text) if f.entity == HOUSE_NUMBER_ENTITY]
    return found[0] if found else None


class IdentifyingFormValidation(DutchFormValidation):
    """A form that first finds out who the customer is."""

    offers_colleague = frozenset({CUSTOMER_NUMBER, POSTCODE, HOUSE_NUMBER})

    def extract_customer_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        """'weet ik niet' or 'geen idee' may look like chitchat to the classifier: still an answer."""
        return self.free_answer(tracker, CUSTOMER_NUMBER, says_no_customer_number)

    def validate_customer_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        text = str(value or "")
        number = parse_customer_number(text)
        if number is not None:
            return self.accept(CUSTOMER_NUMBER, number, dispatcher, tracker)
        if self.is_correction(tracker, CUSTOMER_NUMBER):
            return {CUSTOMER_NUMBER: None}
        answer = self.answer_to_offer(CUSTOMER_NUMBER, tracker)
        if answer is not None:
            return answer
        postcode = parse_postcode(text)
        if postcode is not None:  # the answer to the question's alternative: the own address
            address = {POSTCODE: postcode, HOUSE_NUMBER: house_number_in(text)}
            return {CUSTOMER_NUMBER: None, NO_CUSTOMER_NUMBER: True, **address}
        if says_no_customer_number(text):
            dispatcher.utter_message(response="utter_form_no_customer_number")
            return {CUSTOMER_NUMBER: None, NO_CUSTOMER_NUMBER: True}
        return self.reject(CUSTOMER_NUMBER, "utter_form_invalid_customer_number", dispatcher, tracker)

    def extract_postcode(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        """'weet ik niet' is a (wrong) answer here too, also when it looked like chitchat."""
        return self.free_answer(tracker, POSTCODE, says_dont_know)

    def extract_house_number(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> SlotDict:
        return self.free_answer(tracker, HOUSE_NUMBER, says_dont_know)

    def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        text = str(value or "")
        postcode = parse_postcode(text)
        if postcode is None:
            return self.answer_to_offer(POSTCODE, tracker) or self.reject(
                POSTCODE, "utter_form_invalid_postcode", dispatcher, tracker
            )
        accepted = self.accept(POSTCODE, postcode, dispatcher, tracker)
        house_number = house_number_in(text)
        return {**accepted, HOUSE_NUMBER: house_number} if house_number else accepted

    def validate_house_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotDict:
        house_number = parse_house_number(str(value or ""))
        if house_number is None:
            return self.answer_to_offer(HOUSE_NUMBER, tracker) or self.reject(
                HOUSE_NUMBER, "utter_form_invalid_house_number", dispatcher, tracker
            )
        return self.accept(HOUSE_NUMBER, house_number, dispatcher, tracker)
