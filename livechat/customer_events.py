"""Customer messages through RabbitMQ: the live chat consumes what Rasa's ``pika`` event broker
(ours, `naadloos.brokers.durable_pika`, in config/endpoints.production.yml) publishes, instead of receiving them by
HTTP from the bot side's `naadloos.handover_contract.event_broker.LiveChatEventBroker`.

On when ``LIVECHAT_RABBITMQ_URL`` is set; the queue is ``RABBITMQ_QUEUE`` (`livechat.config`).
Rasa publishes every tracker event of every conversation as a JSON message (the event's
``as_dict()``: ``event``, ``sender_id``, ``timestamp``, and for a ``user`` event ``text`` and
``message_id``), persistent, to a fanout exchange that the durable queue is bound to. For each:

- a ``user`` event of a conversation with an open hand-over is stored and shown on the desk by the
  same function as the HTTP path (`livechat.handover_flow.customer_message`, with the same limits,
  `livechat.validation.customer_message`), then acknowledged: a restart of the live chat between
  the two redelivers the message, and its ``message_id`` makes the second store a no-op;
- every other event, and a ``user`` event of a conversation without an open hand-over, is
  acknowledged and dropped;
- a message that is not a JSON object, or a text over the limits, is rejected without requeueing
  (RabbitMQ dead-letters it when the queue has a dead-letter exchange) and logged;
- a storage error is logged and the message is put back (nack with requeue) after a backoff pause,
  so a database outage delays messages instead of losing them.

What the bot-side broker does besides forwarding, and how this path covers it:

- *which conversations are handed over* (its `HandoverStates`, learned from ``pause``/``resume`` and
  404 answers): not needed here; the live chat's own database decides, per message
  (`livechat.storage.handovers.open_handover_for_conversation`), also after any restart;
- *its outbox* (messages wait while the live chat is down): the durable queue and persistent
  messages; unacknowledged messages stay in RabbitMQ until a live chat stores them. While RabbitMQ
  itself is down, the bot side's pika broker (`naadloos.brokers.durable_pika`) keeps what it could
  not publish in a local file and publishes it, in order, once RabbitMQ is back; an event it
  publishes twice (its confirmation was cut off) is stored once, by its ``message_id``.

Several live-chat instances may consume the same queue: each message is stored once (the
``message_id``), but two messages of one conversation that arrive within milliseconds can be
stored in either order when two instances take them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from livechat import handover_flow, validation
from livechat.config import without_credentials
from livechat.errors import ApiError
from livechat.services import Services
from naadloos.core.backoff import Backoff
from naadloos.core.json_object import json_object
from naadloos.handover_contract.schema import customer_message_id

logger = logging.getLogger(__name__)

USER_EVENT = "user"  # Rasa's UserUttered
PREFETCH = 32  # messages RabbitMQ hands this consumer before it acknowledges; taken in order
RETRY_FIRST_SECONDS = 0.5  # a storage error or a lost connection: first pause, doubled ...
RETRY_MAX_SECONDS = 10.0  # ... up to this

STORED, KNOWN, NO_HANDOVER, NOT_A_CUSTOMER_MESSAGE, INVALID = (
    "stored", "known", "no_handover", "not_a_customer_message", "invalid",
)


class InvalidEvent(ValueError):
    """A message that can never be stored (not JSON, a text over the limits)."""


@dataclass(frozen=True)
class CustomerEvent:
    conversation_id: str
    text: str
    message_id: str


def customer_event(body: bytes) -> CustomerEvent | None:
    """The customer message in a Rasa event; None for any other event. InvalidEvent when the body is
    not a JSON object or the text breaks the HTTP path's limits."""
    event = json_object(body, InvalidEvent)
    conversation_id, text = event.get("sender_id"), event.get("text")
    if event.get("event") != USER_EVENT or not conversation_id or not text or not str(text).strip():
        return None
    message_id = customer_message_id(event)  # as the bot-side broker names it
    try:
        checked = validation.customer_message({"text": text, "message_id": str(message_id)})
    except validation.ValidationError as error:
        raise InvalidEvent(str(error)) from error
    return CustomerEvent(str(conversation_id), checked["text"], checked["message_id"])


async def store_customer_event(services: Services, body: bytes) -> str:
    """Stores the customer message in `body` like the HTTP path does; says what happened
    (`STORED`, `KNOWN`, `NO_HANDOVER`, `NOT_A_CUSTOMER_MESSAGE`). InvalidEvent for a body that can
    never be stored; a storage error is raised."""
    event = customer_event(body)
    if event is None:
        return NOT_A_CUSTOMER_MESSAGE
    try:
        _, created = await handover_flow.customer_message(services, event.conversation_id, event.text, event.message_id)
    except ApiError as error:
        if error.status == 404:
            return NO_HANDOVER
        raise
    return STORED if created else KNOWN


def closed_future(connection: Any) -> asyncio.Future[None]:
    """A future that is done once the aio_pika `connection` closed, for whatever reason."""
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_close(*_: Any) -> None:
        if not closed.done():
            closed.set_result(None)

    connection.close_callbacks.add(on_close)
    return closed


class CustomerEventConsumer:
    """Consumes the queue in a background task, connecting again (with backoff) whenever RabbitMQ
    is unreachable; `close` stops it (an unacknowledged message is redelivered later)."""

    def __init__(self, services: Services, url: str, queue: str) -> None:
        self.services = services
        self.url = url
        self.queue = queue
        self.stored = 0  # customer messages stored by this consumer (for the logs and the tests)
        self.acknowledged = 0  # messages it is done with
        self._task: asyncio.Task | None = None
        self._connection: Any = None
        self._ready = asyncio.Event()
        self._backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        self._down = False

    @property
    def consuming(self) -> bool:
        return self._ready.is_set()

    async def start(self, wait_seconds: float = 2.0) -> None:
        """Starts consuming; waits up to `wait_seconds` for the first connection (an unreachable
        RabbitMQ is logged and retried in the background, it does not stop the start)."""
        self._task = asyncio.get_running_loop().create_task(self._consume_forever())
        try:
            await asyncio.wait_for(self._ready.wait(), wait_seconds)
        except asyncio.TimeoutError:
            logger.error("RabbitMQ at %s did not answer at start-up: retrying in the background", without_credentials(self.url))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _consume_forever(self) -> None:
        import aio_pika  # here, not at import: the laptop set-up never needs it

        while True:
            try:
                self._connection = await aio_pika.connect(self.url, timeout=5)
                lost = closed_future(self._connection)
                async with self._connection:
                    channel = await self._connection.channel()
                    await channel.set_qos(prefetch_count=PREFETCH)
                    # As Rasa's pika broker declares it (durable, no arguments), whichever starts first.
                    queue = await channel.declare_queue(self.queue, durable=True)
                    async with queue.iterator() as messages:
                        self._connected()
                        await self._handle_until_lost(messages, lost)
                raise ConnectionError("the RabbitMQ connection closed")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - AMQP and network errors: log, wait, reconnect
                self._went_down(error)
            finally:
                self._ready.clear()
                self._connection = None
            await asyncio.sleep(self._backoff.failed())

    async def _handle_until_lost(self, messages: Any, lost: asyncio.Future[None]) -> None:
        """Handles `messages` one by one until the connection is `lost`. aio_pika 8's queue iterator
        waits forever once the broker closed the connection (a RabbitMQ restart), so the connection's
        close is watched beside it; a message cut off mid-way was not acknowledged and comes again."""

        async def handle_all() -> None:
            async for message in messages:
                await self._handle(message)

        handling = asyncio.ensure_future(handle_all())
        try:
            await asyncio.wait({handling, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not handling.done():
                handling.cancel()
                await asyncio.gather(handling, return_exceptions=True)
        if not handling.cancelled():
            handling.result()  # its error, if it stopped with one

    async def _handle(self, message: Any) -> None:
        """Acknowledges after storing; puts the message back on a storage error."""
        try:
            outcome = await store_customer_event(self.services, message.body)
        except InvalidEvent as error:
            logger.error("rejecting a message of queue %r that can never be stored: %s", self.queue, error)
            await message.reject(requeue=False)
            return
        except Exception:  # noqa: BLE001 - the database: keep the message for a later try
            logger.exception("could not store a customer message from queue %r: it goes back on the queue", self.queue)
            await asyncio.sleep(self._backoff.failed())
            await message.nack(requeue=True)
            return
        self._backoff.succeeded()
        if outcome == STORED:
            self.stored += 1
        await message.ack()
        self.acknowledged += 1

    def _connected(self) -> None:
        self._ready.set()
        if self._backoff.succeeded() or self._down:
            logger.warning("RabbitMQ at %s is reachable again: consuming queue %r", without_credentials(self.url), self.queue)
        self._down = False

    def _went_down(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            logger.error(
                "RabbitMQ at %s is unreachable (%r): customer messages wait in queue %r; reconnecting",
                without_credentials(self.url), error, self.queue,
            )
