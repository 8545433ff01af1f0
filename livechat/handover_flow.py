"""What happens to a hand-over: created, customer writes, accepted, agent writes, transferred,
closed.

Each step stores first, then tells the desk (websocket) and the customer (`CustomerChannel`).
A delivery failure never loses the message and never fails the request: an agent or system
message stays ``pending`` and is retried in order (`livechat.delivery`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from livechat.availability import (
    QUEUE_FULL,
    Availability,
    agents_online_count,
    check_availability,
    estimated_wait_minutes,
)
from livechat.customer_wording import ACCEPTED, TRANSFERRED
from livechat.delivery import deliver_waiting
from livechat.desk_labels import outcome_label, reason_label, reason_labels, team_label
from livechat.errors import ApiError
from livechat.services import Services
from livechat.storage import agents as agent_store
from livechat.storage import handovers as store
from livechat.storage import history
from livechat.storage.agents import Agent
from livechat.storage.handovers import Handover, Message, NewHandover, Transfer
from naadloos.core.domain_responses import CustomerWording

logger = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = store.PENDING, store.DELIVERED, store.FAILED


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "error": self.error}


async def handover_status(services: Services, handover: Handover) -> dict[str, Any]:
    """What the bot needs: status, queue position, estimated wait, who took it."""
    position = await services.db.run(store.queue_position, handover.id) if handover.status == "queued" else None
    wait = None
    if position is not None:
        agents = await agents_online_count(services.db, services.config, handover.team, services.clock())
        wait = estimated_wait_minutes(position - 1, agents, services.config.average_handling_minutes)
    return {
        "id": handover.id,
        "conversation_id": handover.conversation_id,
        "status": handover.status,
        "team": handover.team,
        "priority": handover.priority,
        "queue_position": position,
        "estimated_wait_minutes": wait,
        "accept_timeout_seconds": services.config.accept_timeout_seconds,
        "alternatives_offered": handover.alternatives_offered_at is not None,
        "assigned_agent": {"name": handover.assigned_agent_name} if handover.assigned_agent_name else None,
        "outcome": handover.outcome,
    }


def _not_available(availability: Availability) -> ApiError:
    return ApiError(
        409, "not_available", f"no hand-over possible now: {availability.reason}",
        reason=availability.reason, availability=availability.to_json(),
    )


async def create_handover(services: Services, new: NewHandover) -> tuple[Handover, bool]:
    """(hand-over, created). Known key or open conversation: the existing one (409
    ``idempotency_conflict`` for a key of another request). Otherwise only when a human can take
    over now (409 ``not_available`` with the availability otherwise); the queue limit is checked
    again inside the transaction that stores the hand-over, so concurrent calls cannot pass it."""
    db, config = services.db, services.config
    existing = await db.run(store.find_existing_handover, new)
    if existing:
        return existing, False
    availability = await check_availability(db, config, services.organisation, services.clock(), new.team)
    if not availability.can_take_over:
        raise _not_available(availability)
    try:
        handover, created = await db.run(store.create_handover, new, services.clock(), config.max_queue)
    except store.QueueFull as full:
        availability = await check_availability(db, config, services.organisation, services.clock(), new.team)
        if availability.can_take_over:  # a place came free meanwhile; this call still lost the race
            availability = replace(availability, can_take_over=False, reason=QUEUE_FULL, queue_length=full.queue_length)
        raise _not_available(availability) from full
    if created:
        await services.hub.publish("handover_created", handover.team, handover_id=handover.id, handover=handover.to_json())
    return handover, created


async def customer_message(
    services: Services, conversation_id: str, text: str, message_id: str
) -> tuple[Message | None, bool]:
    """(message, created). The message that triggered the hand-over is already in its transcript:
    it is not stored again (None, False)."""
    handover = await services.db.run(store.open_handover_for_conversation, conversation_id)
    if handover is None:
        raise ApiError(404, "not_found", "no open hand-over for this conversation")
    if any(turn.get("message_id") == message_id for turn in handover.transcript):
        return None, False
    message, created = await services.db.run(
        store.add_message, handover.id, "customer", text, services.clock(), external_id=message_id
    )
    if created:
        await services.hub.publish(
            "customer_message", handover.team, handover_id=handover.id, message=message.to_json()
        )
    return message, created


async def _send_stored(services: Services, handover: Handover, message: Message) -> Message:
    """Delivers a stored agent/system message after the earlier ones that wait; as it is now."""
    await deliver_waiting(services, handover.id, fresh_id=message.id)
    return next(m for m in await services.db.run(store.list_messages, handover.id) if m.id == message.id)


async def agent_message(services: Services, handover: Handover, agent: Agent, text: str) -> Message:
    if handover.status != "assigned" or handover.assigned_agent_id != agent.id:
        raise ApiError(409, "conflict", "accept this hand-over before writing to the customer")
    message, _ = await services.db.run(
        store.add_message, handover.id, "agent", text, services.clock(), agent_id=agent.id, delivery_status=PENDING
    )
    await services.hub.publish("agent_message", handover.team, handover_id=handover.id, message=message.to_json())
    return await _send_stored(services, handover, message)


def accepted_text(wording: CustomerWording, agent: Agent, moment: datetime | None = None) -> str:
    """The customer's line when a colleague accepts (`utter_handover_accepted`)."""
    return wording.text(ACCEPTED, moment, agent_name=agent.display_name)


async def accept(services: Services, handover_id: int, agent: Agent) -> Handover:
    """Atomic: exactly one agent wins; 409 for everyone else (200 again for the winner)."""
    won = await services.db.run(store.accept_handover, handover_id, agent.id, services.clock())
    handover = await services.db.run(store.get_handover, handover_id)
    if handover is None:
        raise ApiError(404, "not_found", "hand-over not found")
    if not won:
        if handover.status == "assigned" and handover.assigned_agent_id == agent.id:
            return handover
        holder = handover.assigned_agent_name
        raise ApiError(
            409, "conflict", "hand-over is already taken" if holder else f"hand-over is {handover.status}",
            handover_status=handover.status, assigned_agent={"name": holder} if holder else None,
        )
    await services.hub.publish(
        "handover_accepted", handover.team, handover_id=handover.id, agent={"id": agent.id, "name": agent.display_name}
    )
    text = accepted_text(services.wording, agent, services.clock())
    message, _ = await services.db.run(
        store.add_message, handover.id, "system", text, services.clock(), delivery_status=PENDING
    )
    await _send_stored(services, handover, message)
    return handover


async def close(
    services: Services, handover_id: int, agent: Agent, outcome: str, note: str = ""
) -> tuple[Handover, Delivery]:
    """Closes the agent's hand-over with its wrap-up (`outcome`, `note`) and gives the conversation
    back to the bot, after the agent's waiting messages (`livechat.delivery`); the customer is asked
    how satisfied they are only after `resolved` (never after a death or a crisis). A resume that
    cannot go now is retried in the background; calling close again on such a hand-over tries it
    at once (the wrap-up stays as first given)."""
    closed = await services.db.run(store.close_handover, handover_id, agent.id, outcome, services.clock(), note)
    handover = await services.db.run(store.get_handover, handover_id)
    if handover is None:
        raise ApiError(404, "not_found", "hand-over not found")
    retry = handover.status == "closed" and handover.assigned_agent_id == agent.id and not handover.resume_delivered
    if not closed and not retry:
        raise ApiError(409, "conflict", f"hand-over is {handover.status} and not yours to close", handover_status=handover.status)
    # The agent's waiting messages first, then the resume; whatever cannot go now is retried.
    error = await deliver_waiting(services, handover.id)
    delivery = Delivery(error is None, error)
    if closed:
        await index_for_history(services, handover.id, handover.reason, handover.team, handover.outcome)
        await services.hub.publish("handover_closed", handover.team, handover_id=handover.id, outcome=handover.outcome)
    if not delivery.delivered:
        await services.hub.publish("delivery_failed", handover.team, handover_id=handover.id, error=delivery.error)
    updated = await services.db.run(store.get_handover, handover_id)
    assert updated is not None
    return updated, delivery


def transferred_text(wording: CustomerWording, team: str, moment: datetime | None = None) -> str:
    """The customer's one line when a colleague passes the conversation on (`utter_handover_transferred`)."""
    return wording.text(TRANSFERRED, moment, team=team_label(team))


def transfer_note(agent: Agent, handover: Handover, to_team: str, colleague: Agent | None, note: str) -> str:
    """The internal note the receiving colleague reads: who passed it on, from where, and why."""
    target = f"{colleague.display_name} (team {team_label(to_team)})" if colleague else f"team {team_label(to_team)}"
    line = f"Doorgezet door {agent.display_name} (team {team_label(handover.team)}) naar {target}."
    return f"{line}\n{note}" if note else line


async def index_for_history(
    services: Services, handover_id: int, reason: str, team: str, outcome: str | None
) -> None:
    """Makes a closed hand-over findable in the desk's history, also by its Dutch words."""
    labels = [reason_label(reason, reason_labels()) or "", team_label(team), outcome_label(outcome) or ""]
    await services.db.run(history.index_handover, handover_id, labels)


async def index_missing_history(services: Services, at_most: int) -> int:
    """Indexes up to `at_most` closed hand-overs the history cannot find yet (closed before it
    existed, or when indexing failed), oldest first; returns how many."""
    done = last = 0
    while done < at_most and (batch := await services.db.run(history.unindexed, last, min(200, at_most - done))):
        for handover_id, reason, team, outcome in batch:
            await index_for_history(services, handover_id, reason, team, outcome)
            last = handover_id
        done += len(batch)
    return done


async def agents_online(services: Services) -> list[Agent]:
    """Agents seen in the last `agent_online_seconds` (as `livechat.availability` counts them)."""
    now = services.clock()
    return await services.db.run(
        agent_store.online_agents, now, now - timedelta(seconds=services.config.agent_online_seconds)
    )


async def _online_colleague(services: Services, agent_id: int, team: str) -> Agent:
    """The colleague `agent_id` when they are online now in `team`; 409 otherwise."""
    colleague = next((a for a in await agents_online(services) if a.id == agent_id and team in a.teams), None)
    if colleague is None:
        raise ApiError(409, "conflict", "this colleague is not online in that team now", field="agent_id")
    return colleague


async def transfer(
    services: Services, handover: Handover, agent: Agent, to_team: str, to_agent_id: int | None, note: str
) -> tuple[Handover, Message]:
    """Passes a hand-over the agent holds, or sees waiting in their team's queue, to another team's
    queue or straight to a colleague online in that team (`to_agent_id`), with an internal `note`
    for whoever gets it. The customer hears it in one line; both teams' desks get
    `handover_transferred`. 409 when the agent may not pass it on (a colleague holds it, it is
    closed), when it changed meanwhile, or for a colleague who is not online in that team."""
    holds = handover.status == "assigned" and handover.assigned_agent_id == agent.id
    if handover.status != "queued" and not holds:
        raise ApiError(
            409, "conflict", "only a queued hand-over or your own can be transferred", handover_status=handover.status
        )
    if to_agent_id == agent.id:
        raise ApiError(409, "conflict", "you cannot transfer a hand-over to yourself", field="agent_id")
    if to_agent_id is None and to_team == handover.team and handover.status == "queued":
        raise ApiError(409, "conflict", "the hand-over is already waiting in this team's queue", field="team")
    colleague = await _online_colleague(services, to_agent_id, to_team) if to_agent_id is not None else None
    said = transferred_text(services.wording, to_team, services.clock())
    plan = Transfer(to_team, to_agent_id, transfer_note(agent, handover, to_team, colleague, note), said)
    moved = await services.db.run(store.transfer_handover, handover, agent.id, plan, services.clock())
    if moved is None:
        current = await services.db.run(store.get_handover, handover.id)
        raise ApiError(
            409, "conflict", "the hand-over changed meanwhile; reload it",
            handover_status=current.status if current else handover.status,
        )
    note_message, line = moved
    updated = await services.db.run(store.get_handover, handover.id)
    assert updated is not None
    event = {
        "handover_id": handover.id, "from_team": handover.team, "to_team": to_team, "to_team_label": team_label(to_team),
        "to_agent": {"id": colleague.id, "name": colleague.display_name} if colleague else None,
        "by": {"id": agent.id, "name": agent.display_name}, "message": note_message.to_json(),
    }
    for team in dict.fromkeys([handover.team, to_team]):
        await services.hub.publish("handover_transferred", team, **event)
    await _send_stored(services, updated, line)
    return updated, note_message
