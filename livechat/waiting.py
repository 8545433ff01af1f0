"""Customers who wait too long: after `accept_timeout_seconds` in the queue they are offered the
other ways to reach the organisation (from the organisation file), once, while their place in
the queue is kept. Runs as a background task of the service.

While Rasa fails, a round stops at the first offer that cannot be delivered (the others would
fail the same way) and the next round comes later and later (`Backoff`, up to 8 check intervals);
the channel logs the outage once when it starts and once when it ends.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from livechat.customer_channel import DeliveryError
from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage.handovers import Handover
from naadloos.backoff import Backoff, repeat
from naadloos.organisation import Organisation

logger = logging.getLogger(__name__)


def alternatives_text(organisation: Organisation) -> str:
    lines = "\n".join(f"- {line}" for line in organisation.contact_lines())
    return (
        "Het duurt langer dan we hoopten, sorry. Je plek in de wachtrij blijft bewaard: "
        "zodra een collega vrij is, neemt die het gesprek hier over.\n"
        f"Liever niet wachten? Je kunt ons ook bereiken via:\n{lines}"
    )


def check_interval(accept_timeout_seconds: int) -> float:
    return min(max(accept_timeout_seconds / 4, 0.2), 15.0)


async def offer_alternatives_once(services: Services) -> int:
    """Offers the alternatives to every customer waiting longer than the timeout; returns how many."""
    offered, _ = await _offer_round(services)
    return offered


async def _offer_round(services: Services) -> tuple[int, bool]:
    """(how many were offered, whether every due offer went out)."""
    now = services.clock()
    due = await services.db.run(
        store.waiting_too_long, now - timedelta(seconds=services.config.accept_timeout_seconds)
    )
    for offered, handover in enumerate(due):
        if not await _offer(services, handover):
            return offered, False  # the rest is tried again on the next round
    return len(due), True


async def _offer(services: Services, handover: Handover) -> bool:
    try:
        await services.channel.send_system_message(handover.conversation_id, alternatives_text(services.organisation))
    except DeliveryError as error:
        logger.debug("could not offer alternatives to hand-over %s: %r", handover.id, error)
        return False
    if await services.db.run(store.mark_alternatives_offered, handover.id, services.clock()):
        await services.hub.publish("alternatives_offered", handover.team, handover_id=handover.id)
    return True


async def run_forever(services: Services) -> None:
    interval = check_interval(services.config.accept_timeout_seconds)
    await repeat(lambda: _all_offered(services), Backoff(interval, interval * 8), "offering alternatives")


async def _all_offered(services: Services) -> bool:
    _, all_offered = await _offer_round(services)
    return all_offered
