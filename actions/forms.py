"""Shared behaviour of the form validation actions: Dutch re-asking, mid-form corrections, and the
questions a form asks depending on earlier answers.

A customer can correct an earlier answer at any question ("nee, het huisnummer is 12"). The
entity fills the earlier slot through its `from_entity` mapping; the slot that was asked for then
receives the same text, which is not a valid answer to it. That case is a correction, not a
mistake: the asked slot is cleared silently and the form asks its question again.

Forms whose questions depend on earlier answers (single or double meter, no customer number)
override `form_slots`; `required_slots` then asks exactly those. The domain lists every slot such
a form can ask, so Rasa hands each of them to the validation when it is answered.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.constants import (
    CUSTOMER_NUMBER,
    ESCALATION_DUE,
    ESCALATION_REASON,
    HOUSE_NUMBER,
    INTENT_AFFIRM,
    INTENT_DENY,
    INTENT_NLU_FALLBACK,
    INTENT_REQUEST_HUMAN,
    INTENT_STOP,
    POSTCODE,
    REQUESTED_SLOT,
)
from actions.escalation import failure_slots
from actions.turns import previous_turn, this_turn
from naadloos.core.parsing import format_date_nl, parse_date
from naadloos.core.settings import current_organisation
from naadloos.escalation.config import REASON_CUSTOMER_REQUEST, REASON_REPEATED_FAILURE, current_escalation_config

SlotDict = dict[str, Any]

# What the assistant says when an answer replaced an earlier one (domain.yml); the response gets
# the new value under the slot's name, so `{postcode}` says the new postcode.
CHANGED_RESPONSES = {
    CUSTOMER_NUMBER: "utter_form_changed_customer_number",
    POSTCODE: "utter_form_changed_postcode",
    HOUSE_NUMBER: "utter_form_changed_house_number",
    "new_postcode": "utter_form_changed_new_postcode",
    "new_house_number": "utter_form_changed_new_house_number",
}

# Said instead of the error at the second wrong answer to a question in `offers_colleague`.
OFFER_COLLEAGUE = "utter_form_offer_colleague"
# Intents whose text is an answer to whatever was asked; other messages only count as an answer
# to a question with a custom extraction when they clearly are one (see `free_answer`).
ANSWER_INTENTS = frozenset({"inform", INTENT_AFFIRM, INTENT_DENY, INTENT_NLU_FALLBACK})
MAX_WORDS_OF_AN_ANSWER = 6


@dataclass(frozen=True)
class DateRules:
    """Which dates a form accepts (relative to today) and the responses for the ones it does not."""

    prefer_future: bool
    earliest: timedelta
    latest: timedelta
    invalid: str
    too_early: str
    too_late: str


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def responses_in_previous_turn(tracker: Tracker) -> set[str]:
    """The responses (`utter_*`) the assistant said between the customer's two latest messages."""
    return {
        (event.get("metadata") or {}).get("utter_action") or ""
        for event in previous_turn(tracker.events)
        if event.get("event") == "bot"
    } - {""}


def answered_just_now(tracker: Tracker) -> bool:
    """Whether the form runs right after the customer's message, not again after an FAQ answer
    or another interruption (then the latest message is no answer to the form's question)."""
    actions = [e.get("name") for e in this_turn(tracker.events) if e.get("event") == "action"]
    return all(name == actions[-1] for name in actions) if actions else True


class DutchFormValidation(FormValidationAction):
    """Base class: subclasses set `form` and `entity_slots` (entity name -> slot it corrects)."""

    form: str = ""
    entity_slots: Mapping[str, str] = {}
    # A question answered wrongly twice hands over (`repeated_failure`); off for a form that is
    # itself the way out when no colleague is available.
    counts_failures: bool = True
    # Questions where the second wrong answer in a row offers a colleague (and "stop") instead
    # of handing over at once; a third one hands over.
    offers_colleague: frozenset[str] = frozenset()
    # Slots cleared whenever the form starts, so nothing of an earlier, stopped run counts.
    reset_on_start: tuple[str, ...] = ()

    def name(self) -> str:
        return f"validate_{self.form}"

    def today(self) -> date:
        """Today in the organisation's timezone (tests override this)."""
        return datetime.now(current_organisation().timezone).date()

    # --- which questions the form asks ------------------------------------------------------
    def form_slots(self, tracker: Tracker, domain_slots: list[str]) -> list[str]:
        """The slots to fill, in order, given the answers so far (default: the domain's list)."""
        return domain_slots

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return self.form_slots(tracker, domain_slots)

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        # A validation that stopped the form (hand-over) set requested_slot None itself; that
        # wins over "the next empty slot".
        if _stopped_by_validation(tracker):
            return None
        return await super().next_requested_slot(dispatcher, tracker, domain)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if tracker.active_loop_name != self.form and self.reset_on_start:  # the form starts now
            events = [e for e in events if e.get("name") not in self.reset_on_start]
            events += [SlotSet(slot, None) for slot in self.reset_on_start]
        return events

    def free_answer(self, tracker: Tracker, slot: str, understood: Callable[[str], bool] = lambda text: True) -> SlotDict:
        """`{slot: message}` when the customer's message is the answer to `slot`, for an
        `extract_<slot>` method; `{}` when it is not.

        Only while `slot` is asked and the message has not filled it already. Stopping, asking
        for a person and a sensitive topic are never an answer. A message the classifier took for
        an FAQ or chitchat ("ja, ik heb zonnepanelen") counts when it is short, no question, and
        `understood` as an answer; otherwise the FAQ or chitchat rule answers it.
        """
        if tracker.get_slot(REQUESTED_SLOT) != slot or slot in tracker.slots_to_validate():
            return {}
        if not answered_just_now(tracker):
            return {}
        intent = latest_intent(tracker)
        if intent in (INTENT_STOP, INTENT_REQUEST_HUMAN) or intent in current_escalation_config().sensitive_intents():
            return {}
        text = str(tracker.latest_message.get("text") or "")
        if not text.strip():
            return {}
        if intent in ANSWER_INTENTS:
            return {slot: text}
        if "?" in text or len(text.split()) > MAX_WORDS_OF_AN_ANSWER or not understood(text):
            return {}
        return {slot: text}

    def date_answer(self, tracker: Tracker, slot: str) -> SlotDict:
        """A date answer the classifier took for something else ('gisteren' as goodbye): still
        an answer, for an `extract_<date slot>` method."""
        return self.free_answer(tracker, slot, lambda t: parse_date(t, self.today()) is not None)

    # --- helpers for subclasses ------------------------------------------------------------
    def is_correction(self, tracker: Tracker, slot: str) -> bool:
        """The latest message filled another slot of this form than `slot` (an entity in it)."""
        entities = tracker.latest_message.get("entities", [])
        others = {self.entity_slots.get(e.get("entity")) for e in entities} - {None, slot}
        filled = {e.get("name") for e in this_turn(tracker.events) if e.get("event") == "slot" and e.get("value")}
        return bool(others & filled)

    def reject(
        self, slot: str, response: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotDict:
        """Clears `slot` and explains why, unless the message was a correction of another slot.

        The same question answered wrongly twice in a row means the customer cannot complete
        the form: it stops (requested_slot None) and the rules hand over with `repeated_failure`.
        A question in `offers_colleague` first offers a colleague and "stop", then hands over.
        """
        if self.is_correction(tracker, slot):
            return {slot: None}
        said = responses_in_previous_turn(tracker)
        if slot in self.offers_colleague:
            if OFFER_COLLEAGUE in said:
                return self.hand_over(slot, tracker, REASON_REPEATED_FAILURE)
            dispatcher.utter_message(response=OFFER_COLLEAGUE if response in said else response)
            return {slot: None}
        if self.counts_failures and self._rejected_in_previous_turn(tracker, slot):
            return self.hand_over(slot, tracker, REASON_REPEATED_FAILURE)
        dispatcher.utter_message(response=response)
        return {slot: None}

    def answer_to_offer(self, slot: str, tracker: Tracker) -> SlotDict | None:
        """After the colleague offer: 'ja' hands over, 'nee' asks the question again quietly."""
        if OFFER_COLLEAGUE not in responses_in_previous_turn(tracker):
            return None
        intent = latest_intent(tracker)
        if intent == INTENT_AFFIRM:
            return self.hand_over(slot, tracker, REASON_CUSTOMER_REQUEST)
        if intent == INTENT_DENY:
            return {slot: None}
        return None

    def hand_over(self, slot: str, tracker: Tracker, reason: str) -> SlotDict:
        """Stops the form; the rules then call action_handover with `reason`."""
        if reason == REASON_REPEATED_FAILURE:
            failure, _ = failure_slots(tracker, current_escalation_config(), reason, at_once=True)
        else:
            failure = {ESCALATION_REASON: reason, ESCALATION_DUE: True}
        return {slot: None, **failure, REQUESTED_SLOT: None}

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
        if asked not in (None, slot) and slot in CHANGED_RESPONSES and self._was_answered_before(tracker, slot):
            dispatcher.utter_message(response=CHANGED_RESPONSES[slot], **{slot: value})
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


def _stopped_by_validation(tracker: Tracker) -> bool:
    """Whether this run's validation set requested_slot to None (the slot events at the end)."""
    for event in reversed(tracker.events):
        if event.get("event") != "slot":
            return False
        if event.get("name") == REQUESTED_SLOT:
            return event.get("value") is None
    return False


def shown_date(iso_value: str | None) -> str:
    """'2026-12-01' -> '1 december 2026' for messages to the customer."""
    return format_date_nl(date.fromisoformat(iso_value)) if iso_value else ""
