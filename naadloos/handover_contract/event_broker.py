"""Rasa event broker that carries what the customer types to the person who has the conversation.

While a colleague has the conversation, Rasa is paused: it still records every user message in the
tracker (and publishes it to the event broker) but does not answer. This broker forwards each
customer message through the configured live-chat back end (`NAADLOOS_HANDOVER_BACKEND`: the
built-in desk, or Chatwoot), which shows it to the agent live. The back end answers 404 for
conversations without an open hand-over; those messages are simply the bot's own business. When
the back end is briefly down, the messages wait in the local outbox
(`naadloos.handover_contract.outbox`) and reach the agent after the outage, in order and once each.

Configured in endpoints.yml (the URL is the built-in desk's; other back ends have their own settings):

    event_broker:
      type: naadloos.handover_contract.event_broker.LiveChatEventBroker
      url: ${LIVECHAT_URL}
"""
from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from naadloos.core.backoff import Backoff
from naadloos.handover_contract.backend import HandoverBackend, handover_backend_from_settings
from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, DeliveryRound, Outbox
from naadloos.handover_contract.schema import CustomerMessage, LiveChatUnavailable

logger = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.5  # a short outage (a restart) is bridged within seconds ...
RETRY_MAX_SECONDS = 10.0  # ... and a long one is still tried often enough to recover quickly


class LiveChatEventBroker(EventBroker):
    """Every customer message goes into the outbox first (queue `CUSTOMER_MESSAGES`), then one
    delivery task per broker posts the queue oldest first. While the back end is down the task
    retries with backoff; the queue is a file, so what waits survives a Rasa restart and is
    delivered when the broker starts again. The back end stores a message once per `message_id`,
    so a post repeated after a lost answer or a crash is harmless."""

    def __init__(
        self, backend: HandoverBackend, outbox: Outbox | None = None, backoff: Backoff | None = None
    ) -> None:
        self._backend = backend
        self.outbox = outbox or Outbox.from_settings(CUSTOMER_MESSAGES)
        self._backoff = backoff or Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        self._wake = asyncio.Event()
        self._one_round_at_a_time = asyncio.Lock()  # flush() and the task never post side by side
        self._delivery: asyncio.Task | None = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> LiveChatEventBroker:
        broker = cls(handover_backend_from_settings(livechat_url=broker_config.url or None))
        broker.start()  # delivers what waited in the outbox while Rasa was down
        return broker

    def publish(self, event: dict[str, Any]) -> None:
        """Called by Rasa for every new tracker event; only customer messages go to the desk."""
        if event.get("event") != "user" or not event.get("text") or not event.get("sender_id"):
            return
        message_id = event.get("message_id") or f"{event['sender_id']}-{event.get('timestamp')}"
        self.outbox.keep(CustomerMessage(str(event["sender_id"]), str(event["text"]), str(message_id)))
        self.start()

    def start(self) -> None:
        """Wakes the delivery task (started on first use, inside Rasa's event loop)."""
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.get_event_loop().create_task(self._deliver_forever())
        self._wake.set()

    async def flush(self) -> DeliveryRound:
        """One delivery round now, oldest first; stops at the first message the back end cannot take."""
        async with self._one_round_at_a_time:
            delivered = await self.outbox.deliver(self._backend)
        if delivered.unavailable is None:
            if self._backoff.succeeded():
                logger.info("customer messages reach the live-chat back end again")
        elif not self._backoff.failing:
            logger.warning(
                "customer messages are not reaching the live-chat back end (%r): kept in the outbox, retried",
                delivered.unavailable,
            )
        return delivered

    async def _deliver_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                delivered = await self.flush()
            except Exception:  # noqa: BLE001 - e.g. a locked outbox file: keep the task, try again later
                logger.exception("forwarding customer messages failed")
                delivered = DeliveryRound(0, LiveChatUnavailable("delivery round failed"))
            if delivered.unavailable is not None:
                await asyncio.sleep(self._backoff.failed())  # new messages wait in the outbox meanwhile
                self._wake.set()

    async def close(self) -> None:
        """Stops the delivery task; what it did not deliver stays in the outbox for the next start."""
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
            self._delivery = None
