"""Rasa's pika event broker, made to survive a RabbitMQ restart without losing or reordering events.

Configured in config/endpoints.production.yml with the same keys as Rasa's `type: pika` broker
(plus an optional `spool_file`):

    event_broker:
      type: naadloos.brokers.durable_pika.DurablePikaEventBroker
      url: ${RABBITMQ_HOST}
      ...

Why Rasa's own broker (rasa.core.brokers.pika, Rasa 3.6) is not enough: after a RabbitMQ restart in
the cluster test it logged `pika.events.publish.failed` for every new event, for good. Its recovery
rests entirely on aio_pika 8's robust connection, which gives up reconnecting for good when one
attempt (connecting, or restoring the channel and exchange) fails with an error outside its list of
connection errors, e.g. asyncio.TimeoutError on Python 3.10 while RabbitMQ is still starting; the
connection object then stays "open" with a dead channel. Besides, it publishes each event in a task
of its own, keeps a failed event only in memory (lost when Rasa stops) and publishes the kept ones
again through new tasks on reconnect, so events that arrive meanwhile can overtake them.

This broker instead:

- takes events in `publish()` (Rasa's event loop, no I/O) into a queue in memory, serialised once;
- publishes them in one background task, one at a time and in order (so also in order per
  conversation), each confirmed by RabbitMQ (publisher confirms, persistent messages);
- owns a plain connection, watches it close and opens a new one (connection, channel, exchange,
  queue bindings: the exchange is not durable, so it is declared again after a RabbitMQ restart),
  retrying with backoff (`naadloos.core.backoff`) for as long as it takes;
- while RabbitMQ is unreachable, writes what waits to a local file (`naadloos.brokers.event_spool`,
  `pika-events.sqlite3` in NAADLOOS_VAR_DIR), so a Rasa restart loses nothing either; once it is
  back, the kept events go first, then what came in meanwhile;
- logs one error when RabbitMQ becomes unreachable and one info line when it is back, not one line
  per event; never raises into Rasa.

Delivery is at least once: an event whose confirmation was cut off by the outage is published again.
The live chat stores a customer message once per `message_id` (livechat/customer_events.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aio_pika
from rasa.core.brokers.pika import PikaEventBroker, _create_rabbitmq_ssl_options
from rasa.shared.utils.io import DEFAULT_ENCODING
from rasa.utils.endpoints import EndpointConfig

from naadloos.brokers.event_spool import EventSpool
from naadloos.core.backoff import Backoff
from naadloos.core.environment import var_dir

logger = logging.getLogger(__name__)

SPOOL_FILE_NAME = "pika-events.sqlite3"  # in NAADLOOS_VAR_DIR, unless the endpoint config names `spool_file`
RETRY_FIRST_SECONDS = 0.5  # a restart of RabbitMQ is bridged within seconds ...
RETRY_MAX_SECONDS = 10.0  # ... and a long outage is still tried often enough to end soon after it
CONNECT_TIMEOUT_SECONDS = 5.0
PUBLISH_TIMEOUT_SECONDS = 10.0  # until RabbitMQ confirms one event; longer means it is not well
START_WAIT_SECONDS = 5.0  # `connect()` waits this long for the first connection, then goes on without
CLOSE_WAIT_SECONDS = 5.0  # at a stop, what waits is published within this, or kept in the spool
SPOOL_BATCH = 200  # kept events read from the file at a time


class DurablePikaEventBroker(PikaEventBroker):
    """Rasa's `PikaEventBroker` settings and message format; its own connection, queue and spool."""

    def __init__(
        self,
        host: str,
        username: str,
        password: str,
        port: int | str = 5672,
        queues: list[str] | tuple[str, ...] | str | None = None,
        spool_file: str | Path | None = None,
        backoff: Backoff | None = None,
        **kwargs: Any,
    ) -> None:
        # `should_keep_unpublished_messages` and `raise_on_failure` are accepted and ignored: every
        # event is kept until published, and nothing is raised into Rasa.
        super().__init__(host, username, password, port=port, queues=queues, **kwargs)
        self.spool_path = Path(spool_file) if spool_file else var_dir() / SPOOL_FILE_NAME
        self.spool: EventSpool | None = None
        self._waiting: deque[tuple[str, dict[str, str] | None]] = deque()  # newer than all in the spool
        self._backoff = backoff or Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        self._wake = asyncio.Event()
        self._up = asyncio.Event()  # a connection is open and everything kept is published
        self._task: asyncio.Task | None = None
        self._link: aio_pika.abc.AbstractConnection | None = None  # a plain connection: reconnecting is ours
        self._exchange_closed = True
        self._down = False
        self._spool_failing = False

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None, event_loop: asyncio.AbstractEventLoop | None = None
    ) -> DurablePikaEventBroker | None:
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        await broker.connect()
        return broker

    # --- what Rasa calls ---------------------------------------------------------------------------
    async def connect(self, wait_seconds: float = START_WAIT_SECONDS) -> None:
        """Claims the spool, starts publishing (first what an earlier run kept) and waits up to
        `wait_seconds` for RabbitMQ; an unreachable one is logged and retried in the background."""
        if self.spool is None:
            self.spool = await asyncio.to_thread(EventSpool.claim, self.spool_path)
            kept = await asyncio.to_thread(self.spool.count)
            if kept:
                logger.info("%s conversation events kept in %s wait to be published", kept, self.spool.database)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._publish_forever())
        self._wake.set()
        await _set_within(self._up, wait_seconds)  # if not, _went_down said why; events wait meanwhile

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Called by Rasa for every new event, in its event loop: no I/O here, never raises."""
        try:
            body = json.dumps(event)
        except (TypeError, ValueError) as error:
            logger.error("a %r event cannot be written as JSON and is not published: %s", event.get("event"), error)
            return
        self._waiting.append((body, headers))
        self._wake.set()

    def is_ready(self) -> bool:
        return self._up.is_set()

    @property
    def waiting_in_memory(self) -> int:
        return len(self._waiting)

    async def close(self) -> None:
        """Publishes what waits (for at most CLOSE_WAIT_SECONDS), keeps the rest in the spool for the
        next start, and closes the connection."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._up.is_set() and self._waiting:
            try:
                await asyncio.wait_for(self._publish_waiting(), CLOSE_WAIT_SECONDS)
            except Exception as error:  # noqa: BLE001 - stopping: what is left is kept below
                logger.warning("at the stop not every conversation event reached RabbitMQ (%r)", error)
        await self._keep_waiting()
        if self._waiting:
            logger.error("%s conversation events could not be kept in %s and are lost", len(self._waiting), self.spool_path)
        await self._disconnect()
        if self.spool is not None:
            self.spool.release()
            self.spool = None

    # --- the publishing task -----------------------------------------------------------------------
    async def _publish_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                published = await self._publish_waiting()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - AMQP and network errors: keep, wait, try again
                self._went_down(error)
                await self._disconnect()
                await self._keep_until(self._backoff.failed())
                self._wake.set()
            else:
                self._came_back(published)

    async def _publish_waiting(self) -> int:
        """Publishes the spool's events, then those in memory, oldest first; returns how many.
        Raises at the first one RabbitMQ does not confirm (it and everything after it stay)."""
        if self._exchange is None or self._exchange_closed:
            await self._open()
        assert self.spool is not None
        count = 0
        while kept := await asyncio.to_thread(self.spool.oldest, SPOOL_BATCH):
            published = None
            try:
                for event in kept:
                    await self._send(event.body, event.headers)
                    published = event.row_id
                    count += 1
            finally:
                if published is not None:
                    await asyncio.to_thread(self.spool.forget_through, published)
        while self._waiting:
            body, headers = self._waiting[0]
            await self._send(body, headers)
            self._waiting.popleft()  # publish() only appends: the first is still the one sent
            count += 1
        return count

    async def _send(self, body: str, headers: dict[str, str] | None) -> None:
        assert self._exchange is not None
        message = aio_pika.Message(
            bytes(body, DEFAULT_ENCODING), headers=dict(headers) if headers else None, app_id=self.rasa_environment,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self._exchange.publish(message, "", timeout=PUBLISH_TIMEOUT_SECONDS)

    async def _open(self) -> None:
        """A new connection and channel (publisher confirms), the exchange and the queues bound to it."""
        await self._disconnect()
        ssl_options = _create_rabbitmq_ssl_options(self.host)
        connection = await aio_pika.connect(
            url=self._configure_url(), host=self.host, port=self.port, login=self.username, password=self.password,
            ssl=ssl_options is not None, ssl_options=ssl_options, timeout=CONNECT_TIMEOUT_SECONDS,
        )
        self._link = connection
        connection.close_callbacks.add(self._on_close)
        channel = await connection.channel()
        self._exchange = await self._set_up_exchange(channel)
        self._exchange_closed = False
        self._backoff.succeeded()

    def _on_close(self, connection: Any, *_: Any) -> None:
        """RabbitMQ went away (or we closed it): the next round opens a new connection, and the task
        tries at once, so an outage is noticed (and logged) without waiting for an event."""
        if connection is self._link:
            self._exchange_closed = True
            self._up.clear()
            if self._task is not None and not self._task.done():
                self._wake.set()

    async def _disconnect(self) -> None:
        connection, self._link, self._exchange = self._link, None, None
        self._exchange_closed = True
        self._up.clear()
        if connection is not None:
            await asyncio.gather(connection.close(), return_exceptions=True)

    async def _keep_until(self, seconds: float) -> None:
        """While RabbitMQ is unreachable: writes what waits to the spool now and whenever more
        comes, until the next attempt in `seconds`."""
        loop = asyncio.get_running_loop()
        retry_at = loop.time() + seconds
        await self._keep_waiting()
        while (left := retry_at - loop.time()) > 0:
            if not await _set_within(self._wake, left):
                return
            self._wake.clear()
            await self._keep_waiting()

    async def _keep_waiting(self) -> None:
        """Moves what waits in memory to the end of the spool; on a file error it stays in memory."""
        batch = list(self._waiting)
        if not batch or self.spool is None:
            return
        try:
            await asyncio.to_thread(self.spool.keep, batch)
        except Exception:  # noqa: BLE001 - an unwritable file: keep them in memory, say so once
            if not self._spool_failing:
                logger.exception("conversation events could not be written to %s; they wait in memory", self.spool.database)
            self._spool_failing = True
            return
        for _ in batch:
            self._waiting.popleft()
        if self._spool_failing:
            logger.info("conversation events are written to %s again", self.spool.database)
            self._spool_failing = False

    # --- what the log says -------------------------------------------------------------------------
    def address(self) -> str:
        """Where RabbitMQ is, without credentials."""
        if self.host.startswith("amqp"):
            parsed = urlparse(self.host)
            return f"{parsed.scheme}://{parsed.hostname}:{parsed.port or self.port}{parsed.path or '/'}"
        return f"amqp://{self.host}:{self.port}/"

    def _went_down(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            logger.error(
                "RabbitMQ at %s is unreachable (%r): conversation events are kept in %s and published in order "
                "once it is back; retrying", self.address(), error, self.spool.database if self.spool else self.spool_path,
            )

    def _came_back(self, published: int) -> None:
        self._up.set()
        if self._down:
            self._down = False
            logger.info(
                "RabbitMQ at %s is reachable again: %s waiting conversation events published, in order",
                self.address(), published,
            )


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether `event` is set within `seconds`. Not `asyncio.wait_for`: on Python 3.10 it swallows
    a cancellation that arrives just as the event is set, and `close()` would wait forever."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
    return bool(done)
