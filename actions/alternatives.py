"""Offers the other ways to reach the organisation, from the organisation config.

Used when the customer was not helped or asks for a person. The live-chat hand-over plugs in here:
until a colleague can take over in the chat itself, the customer gets every channel that can.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import INTENT_REQUEST_HUMAN
from naadloos.settings import current_organisation

INTRO_REQUEST_HUMAN = "Een collega spreken kan via deze kanalen:"
INTRO_NOT_HELPED = (
    "Jammer dat ik je niet goed kon helpen. Je kunt je vraag ook op een andere manier stellen. "
    "Of neem contact op met een collega:"
)


class ActionContactAlternatives(Action):
    def name(self) -> str:
        return "action_contact_alternatives"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        intro = INTRO_REQUEST_HUMAN if intent == INTENT_REQUEST_HUMAN else INTRO_NOT_HELPED
        lines = "\n".join(f"- {line}" for line in current_organisation().contact_lines())
        dispatcher.utter_message(text=f"{intro}\n{lines}")
        return []
