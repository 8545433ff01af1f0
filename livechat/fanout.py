"""How the live desk's events and the customers' chat-socket pushes reach the sockets of every
instance of the live-chat service.

One instance (a laptop, `LIVECHAT_REDIS_URL` unset): `LocalFanout`, straight to this process's
sockets, as before. Several instances behind a load balancer: `RedisFanout` publishes each event on
a Redis pub/sub channel and every instance delivers what it hears to its own sockets, so a customer
message that arrives on instance B reaches a desk connected to A, and an agent's typing signal sent
on A reaches the customer's chat page connected to B. The channels:

``<prefix>`` is ``LIVECHAT_REDIS_CHANNEL_PREFIX`` (one per deployment that shares the Redis):

- ``<prefix>:desk:<team>``: the desk events of one team (`livechat.hub`); every instance listens to
  all teams (a pattern subscription) and gives each event to its agents of that team;
- ``<prefix>:customer:<handover id>``: what goes to one customer's chat pages
  (`livechat.customer_sockets`); an instance listens only while it holds a page of that hand-over,
  so Redis's answer to a publish (how many listened) says whether some page got it.

When Redis goes away the events go to this instance's own sockets only, and the log says so once
(an error) and again when Redis is back (the listener reconnects with backoff and subscribes
again). Nothing is raised into a request: desks on other instances miss the live events of the
outage and see the state when they next load a list or a conversation.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from livechat.config import REDIS_CHANNEL_PREFIX, without_credentials
from naadloos.core.backoff import Backoff

logger = logging.getLogger(__name__)

# (team or hand-over id, JSON text) -> how many of this instance's sockets got it
DeliverToDesks = Callable[[str, str], Awaitable[int]]
DeliverToCustomers = Callable[[int, str], Awaitable[int]]

CONNECT_TIMEOUT_SECONDS = 1.0  # a publish must not hold up the request that publishes for long
COMMAND_TIMEOUT_SECONDS = 2.0
START_WAIT_SECONDS = 2.0  # the start waits this long for the first subscription, then goes on
RECONNECT_FIRST_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 5.0


async def _nobody(_key: Any, _text: str) -> int:
    return 0


class Fanout(Protocol):
    """Carries desk events and customer pushes to the sockets of every instance."""

    def attach(self, to_desks: DeliverToDesks, to_customers: DeliverToCustomers) -> None:
        """Where this instance delivers to its own sockets (the hub calls it once)."""

    async def start(self) -> None: ...

    async def to_desks(self, team: str, text: str) -> None: ...

    async def to_customers(self, handover_id: int, text: str) -> int:
        """How many instances (or local sockets) took it: 0 when no page of the customer is connected."""

    def watch(self, handover_id: int) -> None:
        """This instance now holds a chat page of the hand-over."""

    def unwatch(self, handover_id: int) -> None:
        """This instance holds no chat page of the hand-over any more."""

    async def close(self) -> None: ...


class LocalFanout:
    """One instance: straight to this process's sockets."""

    def __init__(self) -> None:
        self._to_desks: DeliverToDesks = _nobody
        self._to_customers: DeliverToCustomers = _nobody

    def attach(self, to_desks: DeliverToDesks, to_customers: DeliverToCustomers) -> None:
        self._to_desks, self._to_customers = to_desks, to_customers

    async def start(self) -> None:
        return None

    async def to_desks(self, team: str, text: str) -> None:
        await self._to_desks(team, text)

    async def to_customers(self, handover_id: int, text: str) -> int:
        return await self._to_customers(handover_id, text)

    def watch(self, handover_id: int) -> None:
        return None

    def unwatch(self, handover_id: int) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisFanout(LocalFanout):
    """Several instances: through Redis pub/sub (redis-py's asyncio client, Rasa's pin). The
    connections are opened in `start`, never at construction."""

    def __init__(self, url: str, prefix: str = REDIS_CHANNEL_PREFIX) -> None:
        super().__init__()
        self.url = url
        self.prefix = prefix
        self._client: Any = None  # redis.asyncio.Redis: publishes
        self._listening_client: Any = None  # its own connection for the subscriptions
        self._pubsub: Any = None  # redis.asyncio.client.PubSub of the listener, while connected
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        self._watched: set[int] = set()
        self._changes: set[asyncio.Task] = set()
        self._backoff = Backoff(RECONNECT_FIRST_SECONDS, RECONNECT_MAX_SECONDS)
        self._down = False  # logged that Redis is unreachable; the next success logs the recovery

    # --- channels -------------------------------------------------------------------------------
    def desk_channel(self, team: str) -> str:
        return f"{self.prefix}:desk:{team}"

    def customer_channel(self, handover_id: int) -> str:
        return f"{self.prefix}:customer:{handover_id}"

    @property
    def connected(self) -> bool:
        """Whether the listener is subscribed now (False during an outage)."""
        return self._subscribed.is_set()

    # --- life cycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Starts the listener and waits (briefly) for its subscription; an unreachable Redis is
        logged and retried in the background, it does not stop the start."""
        import redis.asyncio as redis  # here, not at import: the laptop set-up never needs it

        self._client = redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=COMMAND_TIMEOUT_SECONDS
        )
        # The listener waits for messages without a time limit; a Redis that stops closes the connection.
        self._listening_client = redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=None, socket_keepalive=True
        )
        self._listener = asyncio.get_running_loop().create_task(self._listen_forever())
        try:
            await asyncio.wait_for(self._subscribed.wait(), START_WAIT_SECONDS)
        except asyncio.TimeoutError:
            logger.error("Redis at %s did not answer at start-up: retrying in the background", without_credentials(self.url))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._changes:
            await asyncio.gather(*self._changes, return_exceptions=True)
        for client in (self._client, self._listening_client):
            if client is not None:
                await client.close(close_connection_pool=True)
        self._client = self._listening_client = None

    # --- publishing -----------------------------------------------------------------------------
    async def to_desks(self, team: str, text: str) -> None:
        if await self._publish(self.desk_channel(team), text) is None:
            await self._to_desks(team, text)

    async def to_customers(self, handover_id: int, text: str) -> int:
        listeners = await self._publish(self.customer_channel(handover_id), text)
        if listeners is None:
            return await self._to_customers(handover_id, text)
        return int(listeners)

    async def _publish(self, channel: str, text: str) -> int | None:
        """How many instances listened; None when Redis could not be reached (then the caller
        delivers to this instance's sockets)."""
        if self._client is None:
            return None
        from redis.exceptions import ConnectionError as RedisConnectionError

        try:
            try:
                listeners = await self._client.publish(channel, text)
            except RedisConnectionError:
                # After a Redis restart the pool still holds the connection to the old server; the
                # first command on it fails ("Connection closed by server") without reaching Redis.
                # The pool has dropped it: once more, on a new connection.
                listeners = await self._client.publish(channel, text)
        except Exception as error:  # noqa: BLE001 - redis.RedisError, OSError: never fail the request
            self._went_down(error)
            return None
        if self._down and self.connected:
            self._came_back()
        return int(listeners)

    # --- listening ------------------------------------------------------------------------------
    def watch(self, handover_id: int) -> None:
        if handover_id not in self._watched:
            self._watched.add(handover_id)
            self._change("subscribe", handover_id)

    def unwatch(self, handover_id: int) -> None:
        if handover_id in self._watched:
            self._watched.discard(handover_id)
            self._change("unsubscribe", handover_id)

    def _change(self, command: str, handover_id: int) -> None:
        """(Un)subscribes in a task of its own (the callers are not async); while Redis is away
        the listener subscribes to every watched hand-over when it reconnects."""
        if self._pubsub is None:
            return
        pubsub = self._pubsub
        task = asyncio.get_running_loop().create_task(self._send_change(pubsub, command, handover_id))
        self._changes.add(task)
        task.add_done_callback(self._changes.discard)

    async def _send_change(self, pubsub: Any, command: str, handover_id: int) -> None:
        if pubsub is not self._pubsub:  # the listener lost it meanwhile (and must not be revived here)
            return
        try:
            await getattr(pubsub, command)(self.customer_channel(handover_id))
        except Exception as error:  # noqa: BLE001 - the listener notices the outage and resubscribes
            logger.info("could not %s to hand-over %s on Redis: %r", command, handover_id, error)

    async def _listen_forever(self) -> None:
        while True:
            pubsub = self._listening_client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.desk_channel("*"))
                # From here a watch subscribes on its own; the ones before are in this snapshot.
                self._pubsub = pubsub
                if self._watched:
                    await pubsub.subscribe(*(self.customer_channel(h) for h in sorted(self._watched)))
                async for message in self._messages(pubsub):
                    await self._deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - redis.ConnectionError, OSError, TimeoutError
                self._went_down(error)
            finally:
                self._subscribed.clear()
                self._pubsub = None
                await asyncio.shield(self._quietly_reset(pubsub))
            await asyncio.sleep(self._backoff.failed())

    async def _messages(self, pubsub: Any) -> Any:
        """The messages of `pubsub`; once its subscription is confirmed, the fan-out counts as up."""
        await pubsub.ping()  # answered after the subscriptions: they are in place
        async for message in pubsub.listen():
            if message.get("type") == "pong":
                if not self._subscribed.is_set():
                    self._subscribed.set()
                    self._backoff.succeeded()
                    self._came_back()
                continue
            yield message

    async def _deliver(self, message: dict[str, Any]) -> None:
        channel = _text(message.get("channel"))
        data = _text(message.get("data"))
        try:
            if message.get("type") == "pmessage":
                await self._to_desks(channel.rsplit(":desk:", 1)[1], data)
            elif message.get("type") == "message":
                await self._to_customers(int(channel.rsplit(":customer:", 1)[1]), data)
        except Exception:  # noqa: BLE001 - one bad event must not stop the listener
            logger.exception("could not deliver an event of Redis channel %r", channel)

    @staticmethod
    async def _quietly_reset(pubsub: Any) -> None:
        try:
            await pubsub.reset()
        except Exception:  # noqa: BLE001 - a connection that is already gone
            logger.debug("closing a broken Redis subscription", exc_info=True)

    # --- the log of an outage -------------------------------------------------------------------
    def _went_down(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            logger.error(
                "Redis at %s is unreachable (%r): desk events and chat pushes reach only this instance's "
                "sockets until it is back; reconnecting", without_credentials(self.url), error,
            )

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            logger.warning("Redis at %s is reachable again: events reach every instance", without_credentials(self.url))


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value or "")


def fanout_for(redis_url: str, prefix: str = REDIS_CHANNEL_PREFIX) -> Fanout:
    """`RedisFanout` when `redis_url` (LIVECHAT_REDIS_URL) is set, `LocalFanout` otherwise."""
    return RedisFanout(redis_url, prefix) if redis_url else LocalFanout()
