"""The one hand-over action that every escalation trigger uses.

It says the trigger's first response (a condolence, the 113 line, a warning about phishing)
before anything else, then asks the live-chat service whether a person can take over *before*
promising one. With an agent available it posts the whole conversation with reason, priority
and team, and pauses the bot, so the customer keeps chatting in the same window with a
colleague. Without one it says why, offers the trigger's own alternatives or every other channel
and a callback, and stores the conversation as a ticket (in the local outbox when the live-chat
service is down). A customer never ends up with nothing.
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
from actions.transcript import customer_details, handover_summary, transcript_from_events
from naadloos.escalation_config import Trigger, fill_lines
from naadloos.handover_contract.secret import load_shared_secret
from naadloos.handover_contract.wait_token import wait_token
from naadloos.livechat_client import Availability, Handover, HandoverRefused, LiveChatClient, LiveChatUnavailable
from naadloos.organisation import Organisation
from naadloos.outbox import Outbox, send_or_keep
from naadloos.settings import current_escalation_config, current_organisation

logger = logging.getLogger(__name__)

UNREACHABLE = "unreachable"
MAX_EVENTS = 5000  # the live-chat service takes at most 10,000 raw events
TEAM_BUSY = ("no_agents", "queue_full")  # then the default team may still help

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


def wait_text(minutes: int) -> str:
    if minutes <= 1:
        return "Je bent zo aan de beurt."
    return f"De verwachte wachttijd is ongeveer {minutes} minuten."


def waiting_payload(handover: Handover) -> dict[str, Any]:
    """Custom data with the hand-over message, for the web chat page: that it waits, where and how
    long, and the token to ask the live-chat service for updates (`GET /api/waiting/<token>`)."""
    return {
        "naadloos": {
            "handover": {
                "status": handover.status,
                "queue_position": handover.queue_position,
                "estimated_wait_minutes": handover.estimated_wait_minutes,
                "wait_token": wait_token(load_shared_secret(), handover.id),
            }
        }
    }


def web_chat_custom(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` as Rasa's socket.io output sends custom data: it passes the dict as keyword
    arguments to `emit()`, so the page's event data goes under `data` (the page reads `custom`
    from it). `naadloos.webchat_channel.WebChatOutput` accepts the same shape."""
    return {"data": {"custom": payload}}


async def first_available(client: LiveChatClient, teams: list[str]) -> Availability:
    """Availability of the trigger's team, or of the next team when that one is busy or unknown."""
    for position, team in enumerate(teams):
        last = position == len(teams) - 1
        try:
            availability = await client.availability(team)
        except LiveChatUnavailable:
            if last:
                raise
            logger.warning("team %s cannot be asked; trying the next team", team)
            continue
        if availability.can_take_over or availability.reason not in TEAM_BUSY or last:
            return availability
    raise LiveChatUnavailable("no team to ask")


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
        said_now = [{"role": "bot", "text": intro, "timestamp": time.time()}] if intro else []
        transcript = transcript_from_events(tracker.events) + said_now
        slots = tracker.current_slot_values()
        record = {
            "conversation_id": tracker.sender_id,
            "channel": tracker.get_latest_input_channel() or "unknown",
            "reason": trigger.reason,
            "summary": handover_summary(trigger.label, transcript, slots),
            "customer": customer_details(slots),
            "transcript": transcript,
        }
        client = LiveChatClient.from_settings()
        outbox = Outbox.from_settings()
        settled = [
            SlotSet(ESCALATION_REASON, trigger.reason),
            SlotSet(ESCALATION_PRIORITY, trigger.priority),
            SlotSet(ESCALATION_DUE, False),
            SlotSet(FAILED_TURNS, 0.0),
        ]

        unavailable_because = UNREACHABLE
        try:
            availability = await first_available(client, list(dict.fromkeys([trigger.team, config.default_team])))
            await outbox.deliver(client)
            if availability.can_take_over:
                handover = await client.create_handover(
                    {
                        **record,
                        "idempotency_key": f"handover-{conversation_key(tracker)}",
                        "priority": trigger.priority,
                        "team": availability.team,
                        "slots": slots,
                        "events": tracker.events[-MAX_EVENTS:],
                    }
                )
                dispatcher.utter_message(
                    text=(
                        f"Ik geef je door aan een collega van {organisation.name}. "
                        f"{wait_text(handover.estimated_wait_minutes)} Je hoeft niets te herhalen: "
                        "onze collega leest ons hele gesprek. Blijf in dit venster, hier krijg je antwoord."
                    ),
                    json_message=web_chat_custom(waiting_payload(handover)),
                )
                return [
                    *settled,
                    SlotSet(ESCALATION_TEAM, availability.team),
                    SlotSet(HANDOVER_STATUS, HANDOVER_QUEUED),
                    ConversationPaused(),
                ]
            unavailable_because = availability.reason
        except HandoverRefused as refusal:
            unavailable_because = refusal.reason
        except LiveChatUnavailable as error:
            logger.warning("hand-over for %s: live-chat service unavailable: %s", tracker.sender_id, error)

        await send_or_keep(
            client,
            outbox,
            "/api/tickets",
            {
                **record,
                "idempotency_key": f"ticket-{conversation_key(tracker)}",
                "contact_preference": "callback_offered" if trigger.offer_callback else "referred",
                "priority": trigger.priority,
                "team": trigger.team,
            },
        )
        dispatcher.utter_message(text=self._no_agent_text(trigger, unavailable_because, organisation, facts, now))
        return [
            *settled,
            SlotSet(ESCALATION_TEAM, trigger.team),
            SlotSet(HANDOVER_STATUS, HANDOVER_UNAVAILABLE if trigger.offer_callback else HANDOVER_REFERRED),
        ]

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
