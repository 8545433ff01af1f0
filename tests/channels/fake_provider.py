"""What the fake providers (tests/channels/fake_*.py) share: a real aiohttp server on a free
localhost port, started and stopped by the test, that keeps what the channel sent (`sent`), and
waiting until something arrived."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.processes import free_port


@dataclass
class FakeProvider:
    url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The first `count` messages sent, once there are that many; fails after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.sent) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} messages at {type(self).__name__}, got {self.sent}")
            await asyncio.sleep(0.05)
        return self.sent[:count]
