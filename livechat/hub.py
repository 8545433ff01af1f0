"""Live desk events: every logged-in agent's websocket gets the events of their teams.

Events are JSON objects with a ``type``: ``handover_created``, ``customer_message``,
``agent_message``, ``handover_accepted``, ``handover_closed``, ``delivery_failed`` and
``alternatives_offered``; each carries ``handover_id`` and ``team`` plus its own data.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from livechat.storage.agents import Agent

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


POLL_SECONDS = 0.5
SEND_TIMEOUT_SECONDS = 2.0  # a stuck desk socket must not hold up the request that publishes


class DeskHub:
    def __init__(self) -> None:
        self._connections: set[DeskConnection] = set()

    def add(self, connection: DeskConnection) -> None:
        self._connections.add(connection)

    def remove(self, connection: DeskConnection) -> None:
        self._connections.discard(connection)

    def remove_session(self, session_hash: str) -> None:
        """Ends the sockets of a session that logged out."""
        for connection in self._connections:
            if connection.session_hash == session_hash:
                connection.ended = True

    async def publish(self, event_type: str, team: str, **data: Any) -> None:
        """Sends the event to every connected agent of `team`; a broken socket is dropped."""
        message = json.dumps({"type": event_type, "team": team, **data})
        targets = [c for c in self._connections if team in c.agent.teams and not c.ended]
        results = await asyncio.gather(
            *(asyncio.wait_for(c.socket.send(message), SEND_TIMEOUT_SECONDS) for c in targets), return_exceptions=True
        )
        for connection, result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                logger.info("dropping desk socket of %s: %s", connection.agent.username, result)
                self._connections.discard(connection)

    async def close_all(self, timeout: float = 2.0) -> None:
        """Ends every connection and waits (up to `timeout`) until their handlers have returned."""
        for connection in self._connections:
            connection.ended = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._connections and loop.time() < deadline:
            await asyncio.sleep(0.05)
