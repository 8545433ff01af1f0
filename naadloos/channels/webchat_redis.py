"""Several Rasa instances behind one address: the web chat's socket.io server shares its sockets
through Redis (python-socketio's `AsyncRedisManager`).

An agent's message reaches the customer through Rasa's output channel for the conversation
(`output_channel=latest`): the channel emits `bot_uttered` to the room named after the session id
(with `session_persistence`, the browser joined it in `session_request`; otherwise the socket's
own id). With one instance, that room lives in the process. With several, the live chat's call may
reach another instance than the one the browser is connected to: with NAADLOOS_WEBCHAT_REDIS_URL
set, every emit is published on a Redis channel and each instance delivers it to the sockets of the
room it holds itself, so the message arrives wherever the customer is connected.

Which sessions want the agent's name in the text (a widget on an embedding site, see
`naadloos.channels.webchat`) is kept in Redis too: the instance that sends an agent's message is
often not the one that saw the widget ask for its session. A Redis set per session holds the
sockets that want it (kept a day after the last change, in case an instance stopped without
removing its sockets). When Redis does not answer that question, the message goes without the name.

The websocket transport is then the only one: socket.io's long-polling sends each request of one
connection anew, which a proxy can send to another instance than the one that knows the
connection (it would need sticky sessions). Widgets must connect with `transports: ['websocket']`
(README, "Several instances"); our own chat page tries the websocket first.

Unset (the laptop default), nothing changes: sockets stay in the process, both transports work.
No connection is made here: python-socketio connects to Redis when it first publishes or listens.

After a Redis restart python-socketio's listener waits 1, 2, 4, ... up to 60 s between attempts to
subscribe again, and until it does, emits from other instances (an agent's message) miss the
customers connected here. `SteadyRedisManager` retries within `LISTEN_RETRY_MAX_SECONDS` instead and
logs an outage once, not at every attempt.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio
import socketio

from naadloos.core.backoff import Backoff
from naadloos.core.environment import SettingError, read_text

logger = logging.getLogger(__name__)

REDIS_URL_VARIABLE = "NAADLOOS_WEBCHAT_REDIS_URL"
REDIS_CHANNEL_VARIABLE = "NAADLOOS_WEBCHAT_REDIS_CHANNEL"
DEFAULT_REDIS_CHANNEL = "naadloos-webchat"
WEBSOCKET_ONLY = ["websocket"]
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
NAME_IN_TEXT_KEY = "{channel}:name-in-text:{session}"  # a set of socket ids
NAME_IN_TEXT_TTL_SECONDS = 24 * 3600
REDIS_TIMEOUT_SECONDS = 2
LISTEN_RETRY_FIRST_SECONDS = 0.2
LISTEN_RETRY_MAX_SECONDS = 5.0  # python-socketio's own listener waits up to 60 s


@dataclass(frozen=True)
class SharedSockets:
    """Where the instances share their sockets: a Redis URL ("" for in-process only) and the
    Redis channel name, the same on every instance of one deployment."""

    redis_url: str = ""
    channel: str = DEFAULT_REDIS_CHANNEL

    @classmethod
    def from_environment(cls) -> SharedSockets:
        url = read_text(REDIS_URL_VARIABLE)
        if url and not url.startswith(REDIS_SCHEMES):
            raise SettingError(f"{REDIS_URL_VARIABLE} must start with redis://, rediss:// or unix://")
        channel = read_text(REDIS_CHANNEL_VARIABLE) or DEFAULT_REDIS_CHANNEL
        return cls(url, channel)

    @property
    def enabled(self) -> bool:
        return bool(self.redis_url)

    def apply(self, sio: socketio.AsyncServer) -> None:
        """Makes `sio` (not yet serving) share its sockets through Redis, websocket transport
        only. Rasa's channel creates the server itself, so the manager is replaced here as
        `AsyncServer(client_manager=...)` would have set it; nothing when not enabled."""
        if not self.enabled:
            return
        manager = SteadyRedisManager(self.redis_url, channel=self.channel)
        sio.manager = manager
        manager.set_server(sio)
        sio.manager_initialized = False
        sio.eio.transports = list(WEBSOCKET_ONLY)
        logger.info("Web chat: sockets shared through Redis channel %r, websocket transport only.", self.channel)

    def text_name_sessions(self) -> SharedTextNameSessions:
        return SharedTextNameSessions(self.redis_url, self.channel)


class SteadyRedisManager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager with a listener that finds Redis again within seconds."""

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        backoff = Backoff(LISTEN_RETRY_FIRST_SECONDS, LISTEN_RETRY_MAX_SECONDS)
        reconnect = False
        while True:
            try:
                if reconnect:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    if backoff.succeeded():
                        logger.warning("Web chat: Redis is reachable again; emits reach every instance.")
                async for message in self.pubsub.listen():
                    yield message
            except redis.RedisError as error:
                if not backoff.failing:
                    logger.error(
                        "Web chat: Redis is unreachable (%r): emits from other instances miss the sockets "
                        "here until it is back; retrying", error,
                    )
                reconnect = True
                await asyncio.sleep(backoff.failed())


class SharedTextNameSessions:
    """`naadloos.channels.webchat.TextNameSessions` for several instances: the sessions whose
    widget wants the agent's name in the text, in Redis. The client is made at first use."""

    def __init__(self, redis_url: str, channel: str) -> None:
        self.redis_url = redis_url
        self.channel = channel
        self.sockets: dict[str, str] = {}  # this instance's own sockets -> their session
        self._client: redis.asyncio.Redis | None = None

    def _redis(self) -> redis.asyncio.Redis:
        if self._client is None:
            self._client = redis.asyncio.Redis.from_url(
                self.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
            )
        return self._client

    def _key(self, session: str) -> str:
        return NAME_IN_TEXT_KEY.format(channel=self.channel, session=session)

    async def update(self, sid: str, session: str, name_in_text: bool) -> None:
        await self.discard(sid)
        if not name_in_text:
            return
        self.sockets[sid] = session
        try:
            async with self._redis().pipeline(transaction=True) as pipe:
                pipe.sadd(self._key(session), sid)
                pipe.expire(self._key(session), NAME_IN_TEXT_TTL_SECONDS)
                await pipe.execute()
        except redis.RedisError as error:
            logger.warning("Web chat: could not keep in Redis that session %r wants the name in the text: %s", session, error)

    async def discard(self, sid: str) -> None:
        session = self.sockets.pop(sid, None)
        if session is None:
            return
        try:
            await self._redis().srem(self._key(session), sid)
        except redis.RedisError as error:
            logger.warning("Web chat: could not remove socket %r of session %r from Redis: %s", sid, session, error)

    async def contains(self, session: str) -> bool:
        """Whether a socket of `session`, on any instance, wants the name in the text; False when
        Redis does not answer (the message then goes without the name rather than not at all)."""
        try:
            return bool(await self._redis().scard(self._key(session)))
        except redis.RedisError as error:
            logger.warning("Web chat: could not ask Redis whether session %r wants the name in the text: %s", session, error)
            return False
