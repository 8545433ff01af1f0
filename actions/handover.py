"""The one hand-over action that every escalation trigger uses.

It says the trigger's first response (a condolence, the 113 line, a warning about phishing)
before anything else, then asks the live-chat back end (`NAADLOOS_HANDOVER_BACKEND`: the built-in
desk or Chatwoot) to take the whole conversation with reason, priority and team, in one call that
also tries the default team when the trigger's team is busy; only when it accepted is a person
promised, and the bot paused, so the customer keeps chatting in the same window with a colleague.
When nobody can take over it says why, offers the trigger's own alternatives or every other
channel and a callback, and stores the conversation as a ticket (in the local outbox when the
back end cannot be reached). A customer never ends up with nothing.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clock import Clocked
from actions.constants import (
    ESCALATION_DUE,
    ESCALATION_PRIORITY,
    ESCALATION_REASON,
    ESCALATION_TEAM,
    FAILED_TURNS,
    HANDOVER_QUEUED,
    HANDOVER_REFERRED,
    HANDOVER_STATUS,
    HANDOVER_UNAVAILABLE,
)
from actions.escalation import escalation_reason
from actions.transcript import MAX_TURN_CHARS, customer_details, handover_summary, transcript_from_events
from actions.wording import wording
from naadloos.core.organisation import Organisation
from naadloos.core.settings import current_organisation
from naadloos.escalation.config import Trigger, current_escalation_config, fill_lines
from naadloos.handover_contract.backend import HandoverBackend, handover_backend_from_settings
from naadloos.handover_contract.outbox import Outbox, send_or_keep
from naadloos.handover_contract.schema import (
    MAX_EVENTS,
    Handover,
    HandoverRefused,
    HandoverRequest,
    LiveChatUnavailable,
    TicketRequest,
)

logger = logging.getLogger(__name__)

UNREACHABLE = "unreachable"
MAX_EVENTS_SENT = MAX_EVENTS // 2  # half the contract's limit: stays under the live chat's body limit

# Why no colleague can take over (the back end's reason), in the customer's words: the
# response in domain.yml that `utter_handover_unavailable` says as its {why}.
NO_AGENT_RESPONSES = {
    "closed": "utter_handover_unavailable_closed",
    "holiday": "utter_handover_unavailable_holiday",
    "no_agents": "utter_handover_unavailable_no_agents",
    "queue_full": "utter_handover_unavailable_queue_full",
    UNREACHABLE: "utter_handover_unavailable_unreachable",
}


def conversation_key(tracker: Tracker) -> str:
    """Identifies the customer message that led to this call, for idempotent calls.

    A hash, because sender ids of some channels (phone numbers, e-mail addresses) contain
    characters that an idempotency key may not.
    """
    message_id = tracker.latest_message.get("message_id") or str(len(tracker.events))
    return hashlib.sha256(f"{tracker.sender_id}\n{message_id}".encode()).hexdigest()[:32]


def said_in_turn(tracker: Tracker, text: str) -> dict[str, Any]:
    """A transcript line for what the bot says in this turn. Its time is that of the customer's
    message, so running the action again for the same message sends the same request (a
    different one under the same idempotency key would be refused)."""
    user_times = [e.get("timestamp") for e in tracker.events if e.get("event") == "user"]
    moment = user_times[-1] if user_times and isinstance(user_times[-1], (int, float)) else time.time()
    return {"role": "bot", "text": text[:MAX_TURN_CHARS], "timestamp": moment}


def wait_text(tracker: Tracker, minutes: int) -> str:
    """The {wait} of `utter_handover_queued`."""
    if minutes <= 1:
        return wording(tracker, "utter_handover_wait_soon")
    return wording(tracker, "utter_handover_wait_minutes", minutes=minutes)


def waiting_payload(handover: Handover) -> dict[str, Any] | None:
    """Custom data with the hand-over message, for the web chat page: that it waits, where and how
    long, and the token to ask the live-chat service for updates (`GET /api/waiting/<token>`).
    None when the back end gives no wait token (Chatwoot): the page has nobody to ask."""
    if handover.wait_token is None:
        return None
    return {
        "naadloos": {
            "handover": {
                "status": handover.status,
                "queue_position": handover.queue_position,
                "estimated_wait_minutes": handover.estimated_wait_minutes,
                "wait_token": handover.wait_token,
            }
        }
    }


def web_chat_custom(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` as Rasa's socket.io output sends custom data: it passes the dict as keyword
    arguments to `emit()`, so the page's event data goes under `data` (the page reads `custom`
    from it). `naadloos.channels.webchat.WebChatOutput` accepts the same shape."""
    return {"data": {"custom": payload}}


class ActionHandover(Clocked, Action):
    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        config = current_escalation_config()
        trigger = config.trigger(escalation_reason(tracker, config))
        organisation = current_organisation()
        now = self.now()
        facts = organisation.escalation_facts(now)
        intro = fill_lines(trigger.first_response, facts)
        if intro:
            dispatcher.utter_message(text=intro)
        # The colleague also reads what the customer is told now (the condolence, 113, ...).
        said_now = [said_in_turn(tracker, intro)] if intro else []
        transcript = transcript_from_events(tracker.events) + said_now
        slots = tracker.current_slot_values()
        # What the hand-over and, when nobody takes it, the ticket both say about the conversation.
        about: dict[str, Any] = {
            "conversation_id": tracker.sender_id,
            "channel": tracker.get_latest_input_channel() or "unknown",
            "reason": trigger.reason,
            "priority": trigger.priority,
            "team": trigger.team,
            "summary": handover_summary(trigger.label, transcript, slots),
            "customer": customer_details(slots),
            "transcript": transcript,
        }
        backend = handover_backend_from_settings()
        outbox = Outbox.from_settings()
        settled = [
            SlotSet(ESCALATION_REASON, trigger.reason),
            SlotSet(ESCALATION_PRIORITY, trigger.priority),
            SlotSet(ESCALATION_DUE, False),
            SlotSet(FAILED_TURNS, 0.0),
        ]

        unavailable_because = UNREACHABLE
        request = HandoverRequest(
            idempotency_key=f"handover-{conversation_key(tracker)}",
            slots=slots,
            events=tracker.events[-MAX_EVENTS_SENT:],
            ask_satisfaction=trigger.ask_satisfaction,  # never after a death or a crisis
            **about,
        )
        try:
            opened = await backend.open_handover(request, fallback_team=config.default_team)
        except HandoverRefused as refusal:
            unavailable_because = refusal.reason
            await self._flush(outbox, backend)  # it answered: what waited may go now, before the ticket
        except LiveChatUnavailable as error:
            logger.warning("hand-over for %s: live-chat back end unavailable: %s", tracker.sender_id, error)
        else:
            await self._flush(outbox, backend)
            payload = waiting_payload(opened.handover)
            # Put together here, not response=: its {wait} is one of two other responses.
            queued = wording(
                tracker, "utter_handover_queued",
                **organisation.response_slots(now), wait=wait_text(tracker, opened.handover.estimated_wait_minutes),
            )
            dispatcher.utter_message(text=queued, json_message=web_chat_custom(payload) if payload else None)
            return [
                *settled,
                SlotSet(ESCALATION_TEAM, opened.team),
                SlotSet(HANDOVER_STATUS, HANDOVER_QUEUED),
                ConversationPaused(),
            ]

        no_agent = self._no_agent_text(tracker, trigger, unavailable_because, organisation, facts, now)
        ticket = TicketRequest(  # whoever reads it also reads what the customer was told last
            idempotency_key=f"ticket-{conversation_key(tracker)}",
            contact_preference="callback_offered" if trigger.offer_callback else "referred",
            **{**about, "transcript": [*transcript, said_in_turn(tracker, no_agent)]},
        )
        await send_or_keep(backend, outbox, ticket)
        dispatcher.utter_message(text=no_agent)
        return [
            *settled,
            SlotSet(ESCALATION_TEAM, trigger.team),
            SlotSet(HANDOVER_STATUS, HANDOVER_UNAVAILABLE if trigger.offer_callback else HANDOVER_REFERRED),
        ]

    @staticmethod
    async def _flush(outbox: Outbox, backend: HandoverBackend) -> None:
        """Delivers what waited in the outbox, now that the back end answers (only when something waits)."""
        if await asyncio.to_thread(outbox.waiting):
            await outbox.deliver(backend)

    @staticmethod
    def _no_agent_text(
        tracker: Tracker, trigger: Trigger, reason: str, organisation: Organisation, facts: dict[str, str], now: datetime
    ) -> str:
        """The trigger's own alternatives, or why nobody can chat now and every other channel.
        A text, not response=: the ticket's transcript ends with exactly these words."""
        if trigger.no_agent:
            return fill_lines(trigger.no_agent, facts)
        channels = "\n".join(f"- {line}" for line in organisation.contact_lines(now))
        why = wording(tracker, NO_AGENT_RESPONSES.get(reason, NO_AGENT_RESPONSES[UNREACHABLE]))
        return wording(tracker, "utter_handover_unavailable", **organisation.response_slots(now), why=why, channels=channels)
