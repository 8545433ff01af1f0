"""Can a human take over right now? Opening hours, public holidays, agents online and the queue.

The decision, in this order (the first that applies is the `reason`):

- ``holiday``: today (Europe/Amsterdam, the organisation's timezone) is a Dutch public holiday;
- ``closed``: outside the organisation's opening hours;
- ``no_agents``: no agent of the team is online (logged in and seen in the last
  `agent_online_seconds`, via the desk websocket heartbeat or any desk request);
- ``queue_full``: the team already has `max_queue` customers waiting;
- ``open``: a human can take over (`can_take_over` is true only here).

Estimated wait for a new customer = people already waiting in the team's queue × average
handling minutes / max(agents online, 1), rounded up to whole minutes. It is a rough
indication for the customer ("ongeveer 5 minuten"), not a promise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from livechat.config import LiveChatConfig
from livechat.storage import agents as agent_store
from livechat.storage import handovers as handover_store
from livechat.storage.db import Database
from livechat.storage.schema import iso
from naadloos.core.organisation import Organisation
from naadloos.handover_contract.schema import CLOSED, HOLIDAY, NO_AGENTS, OPEN, QUEUE_FULL


@dataclass(frozen=True)
class Availability:
    team: str
    can_take_over: bool
    reason: str
    open_now: bool
    holiday: str | None
    agents_online: int
    queue_length: int
    max_queue: int
    estimated_wait_minutes: int
    checked_at: datetime
    opening_hours: str

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "can_take_over": self.can_take_over,
            "reason": self.reason,
            "open_now": self.open_now,
            "holiday": self.holiday,
            "agents_online": self.agents_online,
            "queue_length": self.queue_length,
            "max_queue": self.max_queue,
            "estimated_wait_minutes": self.estimated_wait_minutes,
            "checked_at": iso(self.checked_at),
            "opening_hours": self.opening_hours,
        }


def estimated_wait_minutes(people_ahead: int, agents_online: int, average_handling_minutes: float) -> int:
    """people ahead × average handling minutes / max(agents, 1), rounded up."""
    return math.ceil(people_ahead * average_handling_minutes / max(agents_online, 1))


def decide(holiday: str | None, open_now: bool, agents_online: int, queue_length: int, max_queue: int) -> str:
    if holiday:
        return HOLIDAY
    if not open_now:
        return CLOSED
    if agents_online < 1:
        return NO_AGENTS
    if queue_length >= max_queue:
        return QUEUE_FULL
    return OPEN


def opening_state(organisation: Organisation, moment: datetime) -> tuple[bool, str | None]:
    """(open now, holiday name or None) at `moment` in the organisation's timezone."""
    return organisation.is_open(moment), organisation.holiday(moment)


async def agents_online_count(db: Database, config: LiveChatConfig, team: str, now: datetime) -> int:
    since = now - timedelta(seconds=config.agent_online_seconds)
    online = await db.run(agent_store.online_agents, now, since)
    return sum(1 for agent in online if team in agent.teams)


async def check_availability(
    db: Database, config: LiveChatConfig, organisation: Organisation, now: datetime, team: str
) -> Availability:
    open_now, holiday = opening_state(organisation, now)
    agents = await agents_online_count(db, config, team, now)
    queue_length = await db.run(handover_store.queued_count, team)
    reason = decide(holiday, open_now, agents, queue_length, config.max_queue)
    return Availability(
        team=team,
        can_take_over=reason == OPEN,
        reason=reason,
        open_now=open_now,
        holiday=holiday,
        agents_online=agents,
        queue_length=queue_length,
        max_queue=config.max_queue,
        estimated_wait_minutes=estimated_wait_minutes(queue_length, agents, config.average_handling_minutes),
        checked_at=now,
        opening_hours=organisation.opening_hours_text(),
    )
