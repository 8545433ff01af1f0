"""Live desk events: every logged-in agent's websocket gets the events of their teams.

Events are JSON objects with a ``type``: ``handover_created``, ``customer_message``,
``agent_message``, ``handover_accepted``, ``handover_transferred`` (to both teams),
``handover_closed``, ``delivery_failed``, ``alternatives_offered``, ``customer_typing``,
``customer_left``, ``customer_back`` and ``callback_requested``; each carries ``handover_id`` and ``team`` plus its own data.
``inbox_item_created`` (a ticket or callback the bot stored) carries ``team``, ``kind`` and ``id``.

The hub also holds the customers' chat sockets (`customers`, `livechat.customer_sockets`) and the
typing throttle (`typing`): typing signals cross at most once per `TYPING_INTERVAL_SECONDS` per
conversation and direction, however many arrive (`livechat.typing_signals`).

A socket whose session has ended (logout, expiry, password reset, disabled agent) is closed with
code `SESSION_ENDED_CODE` and reason `SESSION_ENDED_REASON`; the desk then shows the login form.
Resets and disabling happen in another process (the command line), so the open sockets' sessions
are checked against the database every `SESSION_CHECK_SECONDS` (`DeskHub.check_sessions`).

Events go through a fan-out (`livechat.fanout`): in this process only by default, through Redis
pub/sub when several instances serve the desk (``LIVECHAT_REDIS_URL``), so an event published on
one instance reaches the desks connected to every instance.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from livechat.customer_sockets import CustomerSockets
from livechat.fanout import Fanout, LocalFanout
from livechat.storage.agents import Agent
from livechat.throttle import Throttle

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class DeskConnection:
    agent: Agent
    socket: Any  # sanic.server.websockets.impl.WebsocketImplProtocol
    session_hash: str = field(repr=False, default="")
    # Set to end the connection: its handler notices within `POLL_SECONDS` and returns, and Sanic
    # then closes the socket. (Closing it from another task while the handler waits in recv()
    # leaves a Sanic 21.12 reader task behind.)
    ended: bool = False
    close_code: int = 1000
    close_reason: str = ""

    def end(self, code: int = 1000, reason: str = "") -> None:
        """Asks the handler to close the socket with `code` and `reason`."""
        if not self.ended:
            self.ended, self.close_code, self.close_reason = True, code, reason

    def end_session(self) -> None:
        self.end(SESSION_ENDED_CODE, SESSION_ENDED_REASON)


POLL_SECONDS = 0.5
SEND_TIMEOUT_SECONDS = 2.0  # a stuck desk socket must not hold up the request that publishes
SESSION_CHECK_SECONDS = 2.0
# The desk's contract (static/desk.js): this close code means "log in again".
SESSION_ENDED_CODE = 4401
SESSION_ENDED_REASON = "session ended"
TYPING_INTERVAL_SECONDS = 1.0

LiveSessions = Callable[[set[str]], Awaitable[set[str]]]


class DeskHub:
    def __init__(self, fanout: Fanout | None = None) -> None:
        self._connections: set[DeskConnection] = set()
        self._next_session_check = 0.0
        self.fanout = fanout or LocalFanout()
        self.customers = CustomerSockets(self.fanout)
        self.typing = Throttle(TYPING_INTERVAL_SECONDS)
        self.fanout.attach(self.deliver, self.customers.deliver)

    def add(self, connection: DeskConnection) -> None:
        self._connections.add(connection)

    def remove(self, connection: DeskConnection) -> None:
        self._connections.discard(connection)

    def remove_session(self, session_hash: str) -> None:
        """Ends the sockets of a session that logged out."""
        for connection in self._connections:
            if connection.session_hash == session_hash:
                connection.end_session()

    async def check_sessions(self, live_sessions: LiveSessions) -> None:
        """Ends the sockets whose session is gone; at most once per `SESSION_CHECK_SECONDS`, however
        many socket handlers call it. `live_sessions` answers which of the given hashes still count."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_session_check:
            return
        self._next_session_check = loop.time() + SESSION_CHECK_SECONDS
        hashes = {c.session_hash for c in self._connections if not c.ended}
        if not hashes:
            return
        try:
            live = await live_sessions(hashes)
        except Exception:  # noqa: BLE001 - a database hiccup must not drop every desk; next round retries
            logger.warning("could not check the desk sessions", exc_info=True)
            return
        for connection in self._connections:
            if connection.session_hash in hashes - live:  # not ones that connected meanwhile
                connection.end_session()

    async def publish(self, event_type: str, team: str, **data: Any) -> None:
        """Sends the event to every connected agent of `team`, on every instance."""
        await self.fanout.to_desks(team, json.dumps({"type": event_type, "team": team, **data}))

    async def deliver(self, team: str, message: str) -> int:
        """Sends `message` to this instance's agents of `team`; a broken socket is dropped.
        Returns how many got it."""
        targets = [c for c in self._connections if team in c.agent.teams and not c.ended]
        results = await asyncio.gather(
            *(asyncio.wait_for(c.socket.send(message), SEND_TIMEOUT_SECONDS) for c in targets), return_exceptions=True
        )
        for connection, result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                logger.info("dropping desk socket of %r: %r", connection.agent.username, result)
                self._connections.discard(connection)
        return sum(not isinstance(result, BaseException) for result in results)

    async def close_all(self, timeout: float = 2.0) -> None:
        """Ends every connection, the customers' too, and waits (up to `timeout`) until their
        handlers have returned."""
        for connection in self._connections:
            connection.end()
        self.customers.end_all()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._connections or len(self.customers)) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        try:
            await asyncio.wait_for(self.customers.settle(), max(deadline - loop.time(), 0.1))
        except asyncio.TimeoutError:
            logger.warning("closing chat sockets: their presence was not all stored before the stop")
