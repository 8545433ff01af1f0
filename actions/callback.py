"""Callback request (terugbelverzoek): the customer's way out when no colleague can chat now."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import CALLBACK_FORM, CALLBACK_MOMENT, CALLBACK_PHONE, ESCALATION_REASON
from actions.forms import DutchFormValidation, SlotDict
from actions.handover import conversation_key
from naadloos.core.parsing import parse_date, parse_phone_number
from naadloos.escalation.config import EscalationConfig, current_escalation_config
from naadloos.handover_contract.backend import handover_backend_from_settings
from naadloos.handover_contract.outbox import Outbox, send_or_keep
from naadloos.handover_contract.schema import CallbackRequest

MAX_MOMENT_CHARS = 200
_HAS_WORD_OR_NUMBER = re.compile(r"[^\W_]{2,}")


class ValidateCallbackForm(DutchFormValidation):
    form = CALLBACK_FORM
    entity_slots = {"phone_number": CALLBACK_PHONE}
    counts_failures = False  # the callback is already the way out: no hand-over loop

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        phone = parse_phone_number(str(value or ""))
        return self.accept_parsed(CALLBACK_PHONE, phone, "utter_callback_invalid_phone", dispatcher, tracker)

    def validate_callback_moment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> SlotDict:
        moment = " ".join(str(value or "").split())
        if not _HAS_WORD_OR_NUMBER.search(moment) or len(moment) > MAX_MOMENT_CHARS:
            return self.reject(CALLBACK_MOMENT, "utter_callback_invalid_moment", dispatcher, tracker)
        today = self.today()
        day = parse_date(moment, today, prefer_future=True)
        if day is not None and day < today:
            return self.reject(CALLBACK_MOMENT, "utter_callback_moment_in_past", dispatcher, tracker)
        return {CALLBACK_MOMENT: moment}


def callback_request(tracker: Tracker, config: EscalationConfig) -> CallbackRequest:
    """The callback request. It names the team of the conversation's escalation reason, so the
    colleagues who handle that topic call back; without a known reason the live-chat back end
    gives it to its default team."""
    reason = tracker.get_slot(ESCALATION_REASON)
    return CallbackRequest(
        conversation_id=tracker.sender_id,
        idempotency_key=f"callback-{conversation_key(tracker)}",
        phone=str(tracker.get_slot(CALLBACK_PHONE) or ""),
        preferred_moment=str(tracker.get_slot(CALLBACK_MOMENT) or ""),
        team=config.trigger(reason).team if reason in config.triggers else None,
    )


class ActionCallbackSubmit(Action):
    """Sends the callback request to the live-chat back end (or keeps it in the outbox)."""

    def name(self) -> str:
        return "action_callback_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        phone, moment = tracker.get_slot(CALLBACK_PHONE), tracker.get_slot(CALLBACK_MOMENT)
        await send_or_keep(
            handover_backend_from_settings(), Outbox.from_settings(), callback_request(tracker, current_escalation_config())
        )
        # Rendered by Rasa before the slots below are cleared; the values are given anyway.
        dispatcher.utter_message(response="utter_callback_submitted", **{CALLBACK_PHONE: phone, CALLBACK_MOMENT: moment})
        return [SlotSet(CALLBACK_PHONE, None), SlotSet(CALLBACK_MOMENT, None)]
