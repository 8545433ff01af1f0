"""Session start: copies the organisation facts into the `org_*` slots that responses use.

`org_opening_hours` says today's hours at the start; action_faq_check_repeat refreshes it before
an FAQ answer."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clock import Clocked
from naadloos.core.settings import current_organisation


class ActionSessionStart(Clocked, Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        organisation_slots = [SlotSet(name, value) for name, value in current_organisation().response_slots(self.now()).items()]
        return [SessionStarted(), *organisation_slots, ActionExecuted("action_listen")]
