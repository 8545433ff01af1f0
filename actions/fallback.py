"""Two-stage fallback: when the assistant is unsure what the customer means.

First time: "Bedoel je ...?" with buttons for the subjects the NLU thought of (only those a
designer listed under `low_confidence.choices` in config/escalation.yml), and room to rephrase.
When the message was far from everything the assistant knows, the subjects come from the
nearest training examples instead of the classifier's ranking (which ranks something even for
"lekke band"); a message without words (only emoji or HTML) gets a kind request for words.
Not understood again right after that: hand over with `low_confidence`. A fallback that makes
the conversation's failures reach `failures.max_failures` hands over with `repeated_failure`.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import INTENT_NLU_FALLBACK
from actions.escalation import failure_slots
from actions.turns import previous_turn
from naadloos.core.parse_data import VERDICT_FAR, VERDICT_NO_WORDS, nearest_intents, scope_of
from naadloos.escalation.config import (
    REASON_LOW_CONFIDENCE,
    REASON_REPEATED_FAILURE,
    Choice,
    EscalationConfig,
    current_escalation_config,
)

ACTION_NAME = "action_fallback_clarify"
RESPONSE_NO_WORDS = "utter_fallback_no_words"
SILENT_ACTIONS = {"action_listen", "action_session_start"}


def candidate_keys(latest_message: dict[str, Any]) -> list[str]:
    """What the NLU thought of, most likely first: intents, and for retrieval intents their topics."""
    if scope_of(latest_message).get("verdict") == VERDICT_FAR:
        return list(dict.fromkeys(nearest_intents(latest_message)))
    keys: list[str] = []
    selectors = latest_message.get("response_selector") or {}
    for ranked in latest_message.get("intent_ranking") or []:
        name = ranked.get("name")
        if not name or name == INTENT_NLU_FALLBACK:
            continue
        topics = (selectors.get(name) or {}).get("ranking") or []
        if topics:
            keys.extend(t["intent_response_key"] for t in topics if t.get("intent_response_key"))
        else:
            keys.append(name)
    return keys


def choices_for(latest_message: dict[str, Any], config: EscalationConfig) -> list[Choice]:
    offered: list[Choice] = []
    for key in candidate_keys(latest_message):
        choice = config.choice(key)
        if choice and choice not in offered:
            offered.append(choice)
        if len(offered) == config.max_choices:
            break
    return offered


def clarified_just_before(tracker: Tracker) -> bool:
    """Whether the assistant's last action before this message was the clarifying question."""
    actions = [e.get("name") for e in previous_turn(tracker.events) if e.get("event") == "action"]
    spoken = [name for name in actions if name not in SILENT_ACTIONS]
    return bool(spoken) and spoken[-1] == ACTION_NAME


class ActionFallbackClarify(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        config = current_escalation_config()
        if clarified_just_before(tracker):
            slots, hand_over = failure_slots(tracker, config, REASON_LOW_CONFIDENCE, at_once=True)
        else:
            slots, hand_over = failure_slots(tracker, config, REASON_REPEATED_FAILURE)
        if not hand_over:
            choices = choices_for(tracker.latest_message, config)
            if scope_of(tracker.latest_message).get("verdict") == VERDICT_NO_WORDS:
                dispatcher.utter_message(response=RESPONSE_NO_WORDS)
            elif choices:
                buttons = [{"title": c.title, "payload": c.payload} for c in choices]
                dispatcher.utter_message(response="utter_fallback_choices", buttons=buttons)
            else:
                dispatcher.utter_message(response="utter_default")
        return [SlotSet(name, value) for name, value in slots.items()]
