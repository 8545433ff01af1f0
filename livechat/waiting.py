"""Customers who wait too long: after `accept_timeout_seconds` in the queue they are offered the
other ways to reach the organisation (from the organisation file), once, while their place in
the queue is kept. Runs as a background task of the service.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from livechat.customer_channel import DeliveryError
from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage.handovers import Handover
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
    now = services.clock()
    due = await services.db.run(
        store.waiting_too_long, now - timedelta(seconds=services.config.accept_timeout_seconds)
    )
    offered = 0
    for handover in due:
        if await _offer(services, handover):
            offered += 1
    return offered


async def _offer(services: Services, handover: Handover) -> bool:
    try:
        await services.channel.send_system_message(handover.conversation_id, alternatives_text(services.organisation))
    except DeliveryError as error:
        logger.warning("could not offer alternatives to %s: %s", handover.conversation_id, error)
        return False  # tried again on the next round
    if await services.db.run(store.mark_alternatives_offered, handover.id, services.clock()):
        await services.hub.publish("alternatives_offered", handover.team, handover_id=handover.id)
    return True


async def run_forever(services: Services) -> None:
    interval = check_interval(services.config.accept_timeout_seconds)
    while True:
        await asyncio.sleep(interval)
        try:
            await offer_alternatives_once(services)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            logger.exception("offering alternatives failed")
