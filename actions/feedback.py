"""'Heb ik je hiermee geholpen?': records the answer as slot events that can be counted later.

`feedback_helped` (true/false) and `feedback_subject` (what the answer was about, such as
`utter_faq/opening_hours` or `action_meterstand_submit`) end up in the tracker store.

The same rules take the answer to "Hoe tevreden ben je over de hulp?", which the live-chat service
asks as this question after a colleague solved it (`naadloos.handover_contract.satisfaction`):
then the subject is `livechat:<score>` (1 to 5) and 4 or 5 counts as helped.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import FEEDBACK_HELPED, FEEDBACK_SUBJECT, INTENT_AFFIRM, INTENT_DENY, INTENT_THANK
from naadloos.handover_contract import satisfaction

FEEDBACK_QUESTION = "utter_feedback_ask"
_NOT_A_SUBJECT = {FEEDBACK_QUESTION, "action_listen"}


def answered_subject(events: list[dict[str, Any]]) -> str | None:
    """What the bot answered right before it asked for feedback.

    Looks at the turn that ended with the feedback question: the specific response name
    (`utter_faq/<topic>`, from the bot message's metadata) wins over the action name.
    """
    before_question = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == FEEDBACK_QUESTION:
            before_question = index
            break
    if before_question is None:
        return None

    action_name = None
    for event in reversed(events[:before_question]):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot":
            utter_action = (event.get("metadata") or {}).get("utter_action")
            if utter_action and utter_action != FEEDBACK_QUESTION:
                return utter_action
        if kind == "action" and action_name is None and event.get("name") not in _NOT_A_SUBJECT:
            action_name = event.get("name")
    return action_name


def asked_satisfaction(events: list[dict[str, Any]]) -> bool:
    """Whether the bot's last message was the live-chat satisfaction question."""
    for event in reversed(events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("livechat") == satisfaction.METADATA["livechat"]
    return False


class ActionFeedbackRecord(Action):
    def name(self) -> str:
        return "action_feedback_record"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in (INTENT_AFFIRM, INTENT_THANK, INTENT_DENY):
            return []
        score = satisfaction.score_in(tracker.latest_message.get("text"))
        if score is not None and asked_satisfaction(tracker.events):
            return [
                SlotSet(FEEDBACK_HELPED, score >= satisfaction.SATISFIED_FROM),
                SlotSet(FEEDBACK_SUBJECT, f"{satisfaction.SUBJECT_PREFIX}{score}"),
            ]
        return [
            SlotSet(FEEDBACK_HELPED, intent != INTENT_DENY),  # "ja, dank je" is a yes
            SlotSet(FEEDBACK_SUBJECT, answered_subject(tracker.events)),
        ]
