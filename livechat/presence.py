"""Whether the customer is still there: "Klant heeft het gesprek verlaten" and "Klant is terug".

During a hand-over (queued or assigned) the web chat page keeps a websocket to this service
(`livechat.api.customer_ws`, opened with the customer's wait token). When the last page of a
hand-over goes away (closed, the network gone: Sanic's websocket pings notice within about 40 s)
the customer is *away*; a page that connects again within `customer_left_grace_seconds` (a reload,
a short network loss) changes nothing. After the grace period the customer has *left*: the desk
gets `customer_left` with the time the page went away, and the transcript an internal line (a
system message that is never delivered to the customer). A page that connects after that gives
`customer_back` and the line "Klant is terug".

Why this socket and not the customer's socket.io connection to Rasa: this service sees its own
connections directly, so no report can be lost, arrive out of order or come from one of several
Rasa processes that each know only their own sockets; nothing runs for customers who are not in a
hand-over; and the same socket brings the agent's typing to the page without storing anything in
Rasa's tracker. See livechat/README.md.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage import presence as presence_store
from livechat.storage.handovers import Handover
from livechat.storage.schema import iso
from naadloos.core.backoff import Backoff, repeat

logger = logging.getLogger(__name__)

# Agent words for the transcript (internal: stored with the hand-over, never sent to the customer).
LEFT_TEXT = "Klant heeft het gesprek verlaten"
BACK_TEXT = "Klant is terug"
SYSTEM = "system"


def check_interval(grace_seconds: int) -> float:
    return min(max(grace_seconds / 4, 0.2), 5.0)


async def _tell_desk(services: Services, handover_id: int, team: str, event: str, text: str, at: datetime) -> None:
    message, _ = await services.db.run(store.add_message, handover_id, SYSTEM, text, at)
    await services.hub.publish(event, team, handover_id=handover_id, at=iso(at), message=message.to_json())


async def customer_connected(services: Services, handover: Handover) -> None:
    """A chat page of the hand-over's customer connected (tells the desk when they had left)."""
    now = services.clock()
    if await services.db.run(presence_store.connected, handover.id, now):
        await _tell_desk(services, handover.id, handover.team, "customer_back", BACK_TEXT, now)


async def customer_disconnected(services: Services, handover_id: int) -> None:
    """The last chat page of the hand-over's customer went away; the grace period starts."""
    await services.db.run(presence_store.disconnected, handover_id, services.clock())


async def announce_departures(services: Services) -> int:
    """Tells the desk of every customer away for longer than the grace period; returns how many."""
    grace = timedelta(seconds=services.config.customer_left_grace_seconds)
    due = await services.db.run(presence_store.away_since_before, services.clock() - grace)
    told = 0
    for away in due:
        if await services.db.run(presence_store.mark_left, away.handover_id, away.since):
            await _tell_desk(services, away.handover_id, away.team, "customer_left", LEFT_TEXT, away.since)
            told += 1
    return told


async def run_forever(services: Services) -> None:
    """The background task: first a fresh grace period for everyone seen before the start (no page
    was connected to a service that just started), then a check every few seconds."""
    started_at = services.clock()
    restarted = False

    async def one_round() -> bool:
        nonlocal restarted
        if not restarted:
            await services.db.run(presence_store.restart_grace, started_at)
            restarted = True
        await announce_departures(services)
        return True

    interval = check_interval(services.config.customer_left_grace_seconds)
    await repeat(one_round, Backoff(interval, interval * 8), "telling the desk who left")
