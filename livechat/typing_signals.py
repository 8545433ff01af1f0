"""Typing indicators both ways, only while an agent has the conversation (status ``assigned``).

- The customer types: their chat page sends ``{"type": "typing"}`` over its socket
  (`livechat.api.customer_ws`); the team's desks get ``customer_typing`` ("Klant typt…").
- The agent types: the desk posts ``/api/handovers/<id>/typing``; the customer's pages get
  ``{"type": "typing", "name": <agent>}`` ("Sanne typt…").

A signal carries no words, only that someone types, and is never stored. Each direction crosses at
most once per `livechat.hub.TYPING_INTERVAL_SECONDS` per conversation; the rest is dropped before
anything else happens (no database read), so a flood costs next to nothing and reaches no one.
Both pages stop showing the indicator a few seconds after the last signal, or when the message
arrives.
"""
from __future__ import annotations

from livechat.errors import ApiError
from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage.agents import Agent
from livechat.storage.handovers import Handover

ASSIGNED = "assigned"


async def customer_typing(services: Services, handover_id: int) -> bool:
    """Tells the desks that the customer of `handover_id` types; False when dropped (too soon
    after the last one, or no agent has the conversation)."""
    if not services.hub.typing.allow(("customer", handover_id)):
        return False
    handover = await services.db.run(store.get_handover, handover_id)
    if handover is None or handover.status != ASSIGNED:
        return False
    await services.hub.publish("customer_typing", handover.team, handover_id=handover.id)
    return True


async def agent_typing(services: Services, handover: Handover, agent: Agent) -> bool:
    """Tells the customer's pages that `agent` types; 409 unless the agent has the conversation.
    False when dropped (too soon after the last one) or no page of the customer is connected."""
    if handover.status != ASSIGNED or handover.assigned_agent_id != agent.id:
        raise ApiError(409, "conflict", "only the agent who has the conversation can type to the customer")
    if not services.hub.typing.allow(("agent", handover.id)):
        return False
    return await services.hub.customers.send(handover.id, {"type": "typing", "name": agent.display_name}) > 0
