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
from naadloos.escalation_config import Trigger, fill_lines
from naadloos.handover_contract.backend import HandoverBackend, handover_backend_from_settings
from naadloos.handover_contract.schema import (
    MAX_EVENTS,
    Handover,
    HandoverRefused,
    HandoverRequest,
    LiveChatUnavailable,
    TicketRequest,
)
from naadloos.organisation import Organisation
from naadloos.outbox import Outbox, send_or_keep
from naadloos.settings import current_escalation_config, current_organisation

logger = logging.getLogger(__name__)

UNREACHABLE = "unreachable"
MAX_EVENTS_SENT = MAX_EVENTS // 2  # half the contract's limit: stays under the live chat's body limit

# Why no colleague can take over, in the customer's words.
NO_AGENT_MESSAGES = {
    "closed": "Onze collega's zijn er op dit moment niet.",
    "holiday": "Het is vandaag een feestdag, dus onze collega's zijn er niet.",
    "no_agents": "Er is op dit moment geen collega vrij om het gesprek over te nemen.",
    "queue_full": "Het is nu erg druk: al onze collega's zijn in gesprek.",
    UNREACHABLE: "Het lukt me nu niet om je door te verbinden met een collega.",
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


def wait_text(minutes: int) -> str:
    if minutes <= 1:
        return "Je bent zo aan de beurt."
    return f"De verwachte wachttijd is ongeveer {minutes} minuten."


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
    from it). `naadloos.webchat_channel.WebChatOutput` accepts the same shape."""
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
            dispatcher.utter_message(
                text=(
                    f"Ik geef je door aan een collega van {organisation.name}. "
                    f"{wait_text(opened.handover.estimated_wait_minutes)} Je hoeft niets te herhalen: "
                    "onze collega leest ons hele gesprek. Blijf in dit venster, hier krijg je antwoord."
                ),
                json_message=web_chat_custom(payload) if payload else None,
            )
            return [
                *settled,
                SlotSet(ESCALATION_TEAM, opened.team),
                SlotSet(HANDOVER_STATUS, HANDOVER_QUEUED),
                ConversationPaused(),
            ]

        no_agent = self._no_agent_text(trigger, unavailable_because, organisation, facts, now)
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
        if outbox.waiting():
            await outbox.deliver(backend)

    @staticmethod
    def _no_agent_text(
        trigger: Trigger, reason: str, organisation: Organisation, facts: dict[str, str], now: datetime
    ) -> str:
        """The trigger's own alternatives, or why nobody can chat now and every other channel."""
        if trigger.no_agent:
            return fill_lines(trigger.no_agent, facts)
        channels = "\n".join(f"- {line}" for line in organisation.contact_lines(now))
        return (
            f"{NO_AGENT_MESSAGES.get(reason, NO_AGENT_MESSAGES[UNREACHABLE])} "
            "Ik heb ons gesprek bewaard, zodat een collega het kan teruglezen. "
            f"Je kunt ons ook op een andere manier bereiken:\n{channels}"
        )
