"""Notices when a customer asks the same FAQ question again right after getting its answer.

That means the answer did not help: it counts as a failure towards `repeated_failure`. Below
the limit the assistant says so and answers once more; at the limit a colleague takes over.

It runs before every FAQ answer (data/faq/rules.yml), so for the opening-hours topic it also
refreshes `org_opening_hours`:
"tot hoe laat kunnen jullie vandaag?" gets today's hours at this moment, not those of the
session's start.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clock import Clocked
from actions.constants import (
    ESCALATION_DUE,
    INTENT_FAQ,
    ORG_OPENING_HOURS,
)
from actions.escalation import failure_slots
from naadloos.core.settings import current_organisation
from naadloos.escalation.config import REASON_REPEATED_FAILURE, current_escalation_config

FAQ_RESPONSE_PREFIX = f"utter_{INTENT_FAQ}/"
OPENING_HOURS_TOPIC = f"{INTENT_FAQ}/opening_hours"  # its answer says {org_opening_hours}
# What happens in and right after an FAQ answer; any other action means the customer moved on.
FAQ_TURN_ACTIONS = {
    "action_listen",
    "action_faq_check_repeat",
    "utter_faq",
    "utter_faq_repeated",
    "utter_feedback_ask",
    "action_feedback_record",
    "utter_feedback_not_helped",
    "utter_ask_rephrase",
}


def last_answered_topic(events: list[dict[str, Any]]) -> str | None:
    """The FAQ topic the assistant answered just before, such as 'faq/opening_hours'.

    Only the answer of the FAQ turn right before counts (with its feedback question and the
    customer's "nee" in between): after another flow, such as a form, a question is new again.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action") or ""
            if response.startswith(FAQ_RESPONSE_PREFIX):
                return response[len("utter_"):]
        elif kind == "action" and event.get("name") not in FAQ_TURN_ACTIONS:
            return None
    return None


def asked_topic(latest_message: dict[str, Any]) -> str | None:
    selected = ((latest_message.get("response_selector") or {}).get(INTENT_FAQ) or {}).get("response") or {}
    return selected.get("intent_response_key")


class ActionFaqCheckRepeat(Clocked, Action):
    def name(self) -> str:
        return "action_faq_check_repeat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = asked_topic(tracker.latest_message)
        if topic is None or topic != last_answered_topic(tracker.events):
            return [SlotSet(ESCALATION_DUE, False), *self._opening_hours_now(topic)]
        slots, hand_over = failure_slots(tracker, current_escalation_config(), REASON_REPEATED_FAILURE)
        if hand_over:
            return [SlotSet(name, value) for name, value in slots.items()]
        dispatcher.utter_message(response="utter_faq_repeated")
        return [*(SlotSet(name, value) for name, value in slots.items()), *self._opening_hours_now(topic)]

    def _opening_hours_now(self, topic: str | None) -> list[EventType]:
        """Today's hours at this moment, for the opening-hours answer that follows."""
        if topic != OPENING_HOURS_TOPIC:
            return []
        return [SlotSet(ORG_OPENING_HOURS, current_organisation().schedule.today_text(self.now()))]
