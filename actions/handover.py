"""The one hand-over action that every escalation trigger uses.

It asks the live-chat service whether a person can take over *before* promising one. With an
agent available it posts the whole conversation and pauses the bot, so the customer keeps chatting
in the same window with a colleague. Without one it says why, offers every other channel and a
callback, and stores the conversation as a ticket (in the local outbox when the live-chat service
is down). A customer never ends up with nothing.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    DEFAULT_PRIORITY,
    DEFAULT_TEAM,
    ESCALATION_PRIORITY,
    ESCALATION_REASON,
    ESCALATION_TEAM,
    HANDOVER_QUEUED,
    HANDOVER_STATUS,
    HANDOVER_UNAVAILABLE,
    INTENT_REQUEST_HUMAN,
    REASON_CUSTOMER_REQUEST,
    REASON_NOT_HELPED,
)
from actions.outbox import Outbox, send_or_keep
from actions.transcript import customer_details, handover_summary, transcript_from_events
from naadloos.livechat_client import HandoverRefused, LiveChatClient, LiveChatUnavailable
from naadloos.settings import current_organisation

logger = logging.getLogger(__name__)

UNREACHABLE = "unreachable"
MAX_EVENTS = 5000  # the live-chat service takes at most 10,000 raw events

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


def escalation_reason(tracker: Tracker) -> str:
    """The reason a trigger set in this turn, or else the one the latest message implies.

    A value left from an earlier hand-over in the same conversation does not count.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("name") == ESCALATION_REASON and event.get("value"):
            return str(event["value"])
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return REASON_CUSTOMER_REQUEST if intent == INTENT_REQUEST_HUMAN else REASON_NOT_HELPED


# Said first, before anything about colleagues, so the customer feels heard.
REASON_INTROS = {REASON_NOT_HELPED: "Jammer dat ik je niet goed kon helpen."}


def wait_text(minutes: int) -> str:
    if minutes <= 1:
        return "Je bent zo aan de beurt."
    return f"De verwachte wachttijd is ongeveer {minutes} minuten."


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason = escalation_reason(tracker)
        team = tracker.get_slot(ESCALATION_TEAM) or DEFAULT_TEAM
        priority = tracker.get_slot(ESCALATION_PRIORITY) or DEFAULT_PRIORITY
        transcript = transcript_from_events(tracker.events)
        slots = tracker.current_slot_values()
        record = {
            "conversation_id": tracker.sender_id,
            "channel": tracker.get_latest_input_channel() or "unknown",
            "reason": reason,
            "summary": handover_summary(reason, transcript, slots),
            "customer": customer_details(slots),
            "transcript": transcript,
        }
        intro = REASON_INTROS.get(reason, "")
        if intro:
            dispatcher.utter_message(text=intro)
        client = LiveChatClient.from_settings()
        outbox = Outbox.from_settings()

        unavailable_because = UNREACHABLE
        try:
            availability = await client.availability(team)
            await outbox.deliver(client)
            if availability.can_take_over:
                handover = await client.create_handover(
                    {
                        **record,
                        "idempotency_key": f"handover-{conversation_key(tracker)}",
                        "priority": priority,
                        "team": team,
                        "slots": slots,
                        "events": tracker.events[-MAX_EVENTS:],
                    }
                )
                dispatcher.utter_message(
                    text=(
                        f"Ik geef je door aan een collega van {current_organisation().name}. "
                        f"{wait_text(handover.estimated_wait_minutes)} Je hoeft niets te herhalen: "
                        "je collega leest ons hele gesprek. Blijf in dit venster, hier krijg je antwoord."
                    )
                )
                return [
                    SlotSet(ESCALATION_REASON, reason),
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
            {**record, "idempotency_key": f"ticket-{conversation_key(tracker)}", "contact_preference": "callback_offered"},
        )
        dispatcher.utter_message(text=self._no_agent_text(unavailable_because))
        return [SlotSet(ESCALATION_REASON, reason), SlotSet(HANDOVER_STATUS, HANDOVER_UNAVAILABLE)]

    @staticmethod
    def _no_agent_text(reason: str) -> str:
        organisation = current_organisation()
        channels = "\n".join(f"- {line}" for line in organisation.contact_lines())
        return (
            f"{NO_AGENT_MESSAGES.get(reason, NO_AGENT_MESSAGES[UNREACHABLE])} "
            "Ik heb ons gesprek bewaard, zodat een collega het kan teruglezen. "
            f"Je kunt ons ook op een andere manier bereiken:\n{channels}"
        )
