"""Which escalation trigger applies, and the failure count behind `repeated_failure`.

The triggers themselves (priority, team, wording) live in `config/escalation.yml`.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.constants import (
    ESCALATION_DUE,
    ESCALATION_REASON,
    FAILED_TURNS,
    INTENT_REQUEST_HUMAN,
)
from actions.turns import this_turn
from naadloos.escalation.config import REASON_CUSTOMER_REQUEST, REASON_NOT_HELPED, EscalationConfig

# Offered after "nee" to "Heb ik je hiermee geholpen?": yes, or asking for a person, is not_helped.
NOT_HELPED_OFFER = "utter_feedback_not_helped"


def reason_set_this_turn(tracker: Tracker) -> str | None:
    """The `escalation_reason` a trigger set since the latest customer message, if any.

    A value left from an earlier hand-over in the same conversation does not count.
    """
    for event in reversed(this_turn(tracker.events)):
        if event.get("event") == "slot" and event.get("name") == ESCALATION_REASON and event.get("value"):
            return str(event["value"])
    return None


def escalation_reason(tracker: Tracker, config: EscalationConfig) -> str:
    """Why the conversation goes to a colleague now.

    A reason set in this turn (fallback, failures) wins; otherwise the latest message decides:
    a sensitive topic's intent, asking for a person, or else "not helped" (the customer said
    an answer did not help and took the offered colleague, also in the words "verbind me door").
    """
    reason = reason_set_this_turn(tracker)
    if reason is not None and reason in config.triggers:
        return reason
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    trigger = config.trigger_for_intent(intent)
    if trigger:
        return trigger.reason
    if intent == INTENT_REQUEST_HUMAN and last_response(tracker) != NOT_HELPED_OFFER:
        return REASON_CUSTOMER_REQUEST
    return REASON_NOT_HELPED


def last_response(tracker: Tracker) -> str | None:
    """The response the assistant said last, such as 'utter_feedback_not_helped'."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def failure_slots(
    tracker: Tracker, config: EscalationConfig, reason: str, at_once: bool = False
) -> tuple[dict[str, Any], bool]:
    """Counts one more failure. Returns the slots to set and whether it is time to hand over.

    At `failures.max_failures`, or `at_once` (not understood right after "Bedoel je ...?", a form
    question answered wrongly twice), the slots also carry `reason` and `escalation_due`, which
    makes the rules call action_handover.
    """
    failures = int(tracker.get_slot(FAILED_TURNS) or 0) + 1
    if at_once or failures >= config.max_failures:
        return {FAILED_TURNS: float(failures), ESCALATION_REASON: reason, ESCALATION_DUE: True}, True
    return {FAILED_TURNS: float(failures), ESCALATION_DUE: False}, False
