"""Agent and system messages on their way to the customer: in order and exactly once, or the agent
sees clearly that one did not arrive.

Every message is stored `pending` before it is sent (`livechat.handover_flow`). Then:

- **In order.** Per hand-over, messages go out oldest first, one at a time (a lock per hand-over,
  and the waiting list is read inside it): a message never overtakes an earlier one that waits.
  The request that stores a message sends it right away, after any earlier ones that wait.
- **Retried.** `retry_forever`, a background task of the service, tries the waiting ones again,
  with backoff while Rasa fails; the channel logs an outage once, not per attempt.
- **Exactly once.** Marking delivered is one conditional UPDATE (pending -> delivered). A message
  whose earlier attempt had an unknown outcome (a timeout, or a crash between sending and marking)
  is not simply sent again: the channel is first asked whether it already arrived
  (`CustomerChannel.delivered`, by the message's delivery key in the event metadata).
- **Or clearly not.** After `GIVE_UP_AFTER` a waiting message becomes `failed`: the desk gets
  `delivery_failed` and the message is never sent later (a late answer out of context would
  confuse the customer more than a missing one). A message that arrives after waiting gives the
  desk `message_delivered`.
- **Closing.** The resume (the bot takes over again) is the last item of a closed hand-over: it
  goes after the agent's waiting messages, in the same lock, and is retried by the background
  task like them (`handovers.resume_delivered` false) until Rasa takes it. Once it arrived, a
  message still waiting (one stored while the hand-over was being closed) is `failed` with the
  desk told, and never sent: the customer talks to the bot again.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from livechat.customer_channel import BACK_TO_BOT_RESPONSE, RESOLVED_RESPONSE, SATISFACTION_RESPONSE, DeliveryError
from livechat.services import Services
from livechat.storage import handovers as store
from livechat.storage.handovers import DELIVERED, FAILED, Handover, Message
from naadloos.core.backoff import Backoff, repeat
from naadloos.handover_contract.satisfaction import asks_satisfaction

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(minutes=10)
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
NOT_IN_TIME = "not delivered within 10 minutes"
RESUMED_FIRST = "not delivered: the conversation went back to the digital assistant first"

_locks: dict[tuple[int, int], tuple[asyncio.Lock, list[int]]] = {}  # (app, hand-over) -> (lock, users)


@asynccontextmanager
async def _one_at_a_time(services: Services, handover_id: int) -> AsyncIterator[None]:
    key = (id(services), handover_id)
    lock, users = _locks.setdefault(key, (asyncio.Lock(), [0]))
    users[0] += 1
    try:
        async with lock:
            yield
    finally:
        users[0] -= 1
        if users[0] == 0:
            del _locks[key]


def delivery_key(message: Message) -> str:
    """Names the message in the customer's conversation (the id alone could come back after a
    database was replaced)."""
    return f"{message.id}-{message.created_at.timestamp():.6f}"


async def deliver_waiting(services: Services, handover_id: int, fresh_id: int | None = None) -> str | None:
    """Sends the hand-over's waiting messages in order, then, for a closed hand-over, the resume;
    stops at the first that cannot go now. `fresh_id`: a message this request just stored, never
    sent before (no need to ask Rasa). Returns None when nothing waits any more, else why."""
    async with _one_at_a_time(services, handover_id):
        handover = await services.db.run(store.get_handover, handover_id)
        if handover is None:
            return None
        waiting = await services.db.run(store.undelivered_messages, handover_id)
        if handover.status == "closed" and handover.resume_delivered:
            for message in waiting:  # the bot has the conversation: too late for these
                await _give_up(services, handover, message, RESUMED_FIRST)
            return None
        for number, message in enumerate(waiting):
            if services.clock() - message.created_at > GIVE_UP_AFTER:
                reason = f"{NOT_IN_TIME}: {message.delivery_error}" if message.delivery_error else NOT_IN_TIME
                await _give_up(services, handover, message, reason)
                continue
            error = await _deliver(services, handover, message, fresh=message.id == fresh_id)
            if error is not None:
                for later in waiting[number:]:  # they wait for this one; the agent sees why
                    await services.db.run(store.note_delivery_error, later.id, error)
                return error
        if handover.status == "closed" and handover.resume_delivered is False:
            return await _resume(services, handover)
        return None


def resume_response(handover: Handover) -> str:
    """What the customer reads when the closed hand-over goes back to the bot (a response name)."""
    return BACK_TO_BOT_RESPONSE if handover.outcome == "back_to_bot" else RESOLVED_RESPONSE


async def _resume(services: Services, handover: Handover) -> str | None:
    """Gives the closed conversation back to the bot (after its last messages went out); any
    message that got stored meanwhile is given up. The reason when Rasa did not take it now."""
    try:
        now = services.clock()
        text = services.wording.text(resume_response(handover), now)
        ask = asks_satisfaction(handover.outcome, handover.ask_satisfaction)
        question = services.wording.text(SATISFACTION_RESPONSE, now) if ask else None
        await services.channel.resume_bot(handover.conversation_id, text, satisfaction_question=question)
    except DeliveryError as error:
        return str(error)
    except Exception:  # noqa: BLE001 - a broken channel must not fail the agent's request
        logger.exception("customer channel failed unexpectedly")
        return "delivery failed"
    await services.db.run(store.set_resume_delivered, handover.id, True)
    for message in await services.db.run(store.undelivered_messages, handover.id):
        await _give_up(services, handover, message, RESUMED_FIRST)
    return None


async def _deliver(services: Services, handover: Handover, message: Message, fresh: bool) -> str | None:
    """Sends one message (unless it already arrived); the reason when it could not go now."""
    key = delivery_key(message)
    try:
        if fresh or not await services.channel.delivered(handover.conversation_id, key):
            if message.sender == "agent":
                name = handover.assigned_agent_name or ""
                await services.channel.send_agent_message(handover.conversation_id, message.text, name, key)
            else:
                await services.channel.send_system_message(handover.conversation_id, message.text, key)
    except DeliveryError as error:
        return str(error)
    except Exception:  # noqa: BLE001 - a broken channel must not fail the agent's request
        logger.exception("customer channel failed unexpectedly")
        return "delivery failed"
    delivered = await services.db.run(store.finish_delivery, message.id, DELIVERED)
    if delivered is not None and not fresh:
        await services.hub.publish("message_delivered", handover.team, handover_id=handover.id, message=delivered.to_json())
    return None


async def _give_up(services: Services, handover: Handover, message: Message, error: str) -> None:
    """pending -> failed for good (never sent later); the desk is told."""
    failed = await services.db.run(store.finish_delivery, message.id, FAILED, error)
    if failed is not None:
        logger.warning("message %s of hand-over %s given up: %r", message.id, handover.id, error)
        await services.hub.publish(
            "delivery_failed", handover.team, handover_id=handover.id, message=failed.to_json(), error=error
        )


async def retry_once(services: Services) -> bool:
    """One round over every hand-over with waiting messages or a resume that did not arrive yet;
    returns whether nothing waits now."""
    waiting = await services.db.run(store.handovers_with_undelivered_messages)
    resumes = await services.db.run(store.handovers_awaiting_resume)
    all_sent = True
    for handover_id in dict.fromkeys([*waiting, *resumes]):
        all_sent = await deliver_waiting(services, handover_id) is None and all_sent
    return all_sent


async def retry_forever(services: Services) -> None:
    """The background task: a round every RETRY_FIRST_SECONDS, backing off while Rasa fails."""
    await repeat(lambda: retry_once(services), Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS), "retrying deliveries")
