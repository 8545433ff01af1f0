"""Work in the background after a webhook is answered, one conversation's work in the order its
webhooks came (so the assistant reads a customer's messages in order), different conversations
side by side. For one event loop: no locking. Used by the channels whose webhooks are answered
before the message is handled (WhatsApp, Chatwoot).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

DEFAULT_SHUTDOWN_SECONDS = 10.0  # how long a stopping server lets the work in hand finish


class InOrder:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._latest: dict[str, asyncio.Task[None]] = {}  # key -> the task with its newest work

    def start(self, key: str, work: Callable[[], Awaitable[None]]) -> None:
        """Runs `work` in the background once the earlier work for `key` has finished. `work`
        handles its own errors; one that escapes ends only that task."""
        earlier = self._latest.get(key)

        async def after_earlier() -> None:
            if earlier is not None:
                await asyncio.wait([earlier])
            await work()

        task = asyncio.get_running_loop().create_task(after_earlier())
        self._latest[key] = task
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if self._latest.get(key) is finished:
                del self._latest[key]

        task.add_done_callback(done)

    async def idle(self) -> None:
        """Waits until all work in hand is done."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def close(self, timeout: float = DEFAULT_SHUTDOWN_SECONDS) -> None:
        """Lets the work in hand finish for at most `timeout` seconds, then cancels the rest."""
        pending = list(self._tasks)
        if pending:
            _, unfinished = await asyncio.wait(pending, timeout=timeout)
            for task in unfinished:
                task.cancel()
