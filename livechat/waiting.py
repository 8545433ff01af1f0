"""Customers who wait too long: after `accept_timeout_seconds` in the queue they are offered the
other ways to reach the organisation (from the organisation file: the phone with whether it is
open now and until when today, e-mail, ...), once, while their place in the queue is kept and the
colleagues still see the conversation. Runs as a background task of the service.

With that notice the web chat page offers a callback (`callback_state`, its wording is the bot's
callback form in domain.yml, `livechat.callback_wording`): the customer leaves a number and a
moment (`request_callback`), which is stored like the bot's callback requests, so it lands in the
desk's inbox. The customer stays in the queue; the hand-over gets the confirmation as a message.

While Rasa fails, a round stops at the first offer that cannot be delivered (the others would
fail the same way) and the next round comes later and later (`Backoff`, up to 8 check intervals);
the channel logs the outage once when it starts and once when it ends.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from livechat import customer_wording, validation
from livechat.customer_channel import DeliveryError
from livechat.delivery import deliver_waiting
from livechat.errors import ApiError
from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage import tickets
from livechat.storage.handovers import PENDING, Handover
from livechat.storage.idempotency import IdempotencyConflict
from naadloos.core.backoff import Backoff, repeat
from naadloos.core.domain_responses import CustomerWording
from naadloos.core.organisation import Organisation

logger = logging.getLogger(__name__)

CALLBACK_OFFERED, CALLBACK_REQUESTED = "offered", "requested"


def alternatives_text(wording: CustomerWording, organisation: Organisation, moment: datetime | None = None) -> str:
    """The notice after the wait timeout (`utter_handover_waiting_too_long`); with `moment`, whether
    the phone lines are open then and until when (or when they open), otherwise their weekly hours."""
    lines = "\n".join(f"- {line}" for line in organisation.contact_lines(moment))
    return wording.text(customer_wording.WAITING_TOO_LONG, moment, channels=lines)


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
        text = alternatives_text(services.wording, services.organisation, services.clock())
        await services.channel.send_system_message(handover.conversation_id, text)
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


# --- the callback offered while waiting -------------------------------------------------------------
def callback_key(handover_id: int) -> str:
    """One callback request per hand-over: a second, different one is refused (409)."""
    return f"waiting-callback-{handover_id}"


def callback_confirmation_text(wording: CustomerWording, phone: str, moment: str, now: datetime | None = None) -> str:
    """What the waiting customer reads after asking for a callback (`utter_handover_callback_requested`)."""
    return wording.text(customer_wording.CALLBACK_REQUESTED, now, callback_phone=phone, callback_moment=moment)


async def callback_state(services: Services, handover: Handover) -> str | None:
    """`requested` once the customer asked for a callback during this wait; `offered` while they
    still wait after the alternatives were offered; None otherwise."""
    if await services.db.run(tickets.find_callback, callback_key(handover.id)) is not None:
        return CALLBACK_REQUESTED
    if handover.status == "queued" and handover.alternatives_offered_at is not None:
        return CALLBACK_OFFERED
    return None


async def request_callback(services: Services, handover: Handover, body: Any) -> tuple[dict[str, Any], bool]:
    """Stores the waiting customer's callback request (`{phone, preferred_moment}`, checked like
    the bot's: 422 naming the field) for the hand-over's team; (callback, created). Only while the
    customer waits (409 otherwise, and for a second, different request). A new one tells the
    customer (a message of the hand-over, so the colleague reads it too) and the desks."""
    if handover.status != "queued":
        raise ApiError(409, "conflict", "the customer is not waiting in the queue")
    fields = validation.require_object(body)
    request = {
        "phone": fields.get("phone"),
        "preferred_moment": fields.get("preferred_moment"),
        "conversation_id": handover.conversation_id,
        "idempotency_key": callback_key(handover.id),
        "team": handover.team,
    }
    values = validation.callback(request, services.config.teams, services.config.default_team)
    try:
        callback, created = await services.db.run(tickets.create_callback, values, services.clock())
    except IdempotencyConflict as conflict:
        raise ApiError(409, "conflict", "a callback was already requested during this wait") from conflict
    if created:
        text = callback_confirmation_text(services.wording, callback["phone"], callback["preferred_moment"], services.clock())
        message, _ = await services.db.run(
            store.add_message, handover.id, "system", text, services.clock(), delivery_status=PENDING
        )
        await deliver_waiting(services, handover.id, fresh_id=message.id)
        current = next(m for m in await services.db.run(store.list_messages, handover.id) if m.id == message.id)
        await services.hub.publish(
            "callback_requested", handover.team, handover_id=handover.id, callback_id=callback["id"],
            message=current.to_json(),
        )
    return callback, created
