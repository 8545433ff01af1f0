"""The chat pages of customers in a hand-over, connected to this service by websocket
(`livechat.api.customer_ws`): who is connected for which hand-over, and sending to them.

In memory, per process, like the desk's sockets (`livechat.hub.DeskHub`); what must outlive the
process (that a customer left) is stored by `livechat.presence`. What is sent to a customer goes
through the hub's fan-out (`livechat.fanout`), so it reaches their page on whichever instance it
is connected to; the limit of pages per hand-over counts the pages of this instance.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from livechat.fanout import Fanout, LocalFanout

logger = logging.getLogger(__name__)

# More pages than this for one hand-over (several tabs of one customer) are refused: a wait token
# must not be able to hold an unbounded number of sockets.
MAX_SOCKETS_PER_HANDOVER = 5
SEND_TIMEOUT_SECONDS = 2.0


@dataclass(eq=False)
class CustomerConnection:
    handover_id: int
    socket: Any = field(repr=False)  # sanic.server.websockets.impl.WebsocketImplProtocol
    # Set to end the connection: its handler notices within a poll and returns (see DeskConnection).
    ended: bool = False

    def end(self) -> None:
        self.ended = True


class CustomerSockets:
    def __init__(self, fanout: Fanout | None = None) -> None:
        self._by_handover: dict[int, set[CustomerConnection]] = {}
        self._after_close: set[asyncio.Task] = set()
        self.fanout = fanout or LocalFanout()

    def after_close(self, work: Coroutine[Any, Any, None]) -> None:
        """Runs `work` for a socket that closed, in a task of its own: Sanic cancels the socket's
        handler when the connection is lost, and an await in its `finally` would be cut short."""
        task = asyncio.get_running_loop().create_task(work)
        self._after_close.add(task)
        task.add_done_callback(self._after_close.discard)

    async def settle(self) -> None:
        """Waits for the work of closed sockets (before the database closes)."""
        if self._after_close:
            await asyncio.gather(*self._after_close, return_exceptions=True)

    def count(self, handover_id: int) -> int:
        return len(self._by_handover.get(handover_id, ()))

    def has_room(self, handover_id: int) -> bool:
        return self.count(handover_id) < MAX_SOCKETS_PER_HANDOVER

    def add(self, connection: CustomerConnection) -> None:
        if connection.handover_id not in self._by_handover:
            self.fanout.watch(connection.handover_id)
        self._by_handover.setdefault(connection.handover_id, set()).add(connection)

    def remove(self, connection: CustomerConnection) -> bool:
        """Forgets the connection; True when it was the hand-over's last one."""
        connections = self._by_handover.get(connection.handover_id)
        if connections is None:
            return False
        connections.discard(connection)
        if connections:
            return False
        del self._by_handover[connection.handover_id]
        self.fanout.unwatch(connection.handover_id)
        return True

    async def send(self, handover_id: int, message: dict[str, Any]) -> int:
        """Sends `message` to every page of the hand-over's customer, on every instance; 0 when
        no page is connected (with Redis: how many instances hold a page of the customer)."""
        return await self.fanout.to_customers(handover_id, json.dumps(message))

    async def deliver(self, handover_id: int, text: str) -> int:
        """Sends `text` to the hand-over's pages on this instance; returns how many got it. A
        socket that fails is ended (its handler then cleans up)."""
        targets = [c for c in self._by_handover.get(handover_id, ()) if not c.ended]
        results = await asyncio.gather(
            *(asyncio.wait_for(c.socket.send(text), SEND_TIMEOUT_SECONDS) for c in targets), return_exceptions=True
        )
        reached = 0
        for connection, result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                logger.info("ending a chat socket of hand-over %s: %r", handover_id, result)
                connection.end()
            else:
                reached += 1
        return reached

    def end_all(self) -> None:
        for connections in self._by_handover.values():
            for connection in connections:
                connection.end()

    def __len__(self) -> int:
        return sum(len(connections) for connections in self._by_handover.values())
