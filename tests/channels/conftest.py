"""Fixtures for the channel tests: the fake Twilio and Telegram servers, and a real Sanic server
with channels mounted the way Rasa mounts them (`rasa.core.channels.channel.register`)."""
from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pytest
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import FakeTwilio
from tests.processes import free_port


@pytest.fixture(scope="module", autouse=True)
def sanic_test_mode() -> Iterator[None]:
    """Several Sanic apps in one process (see tests/livechat/conftest.py)."""
    Sanic.test_mode = True
    yield
    Sanic.test_mode = False


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


class Fake(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


F = TypeVar("F", bound=Fake)


@contextmanager
def in_background(fake: F) -> Iterator[F]:
    """`fake` serving from a thread with its own event loop, so it answers processes started by
    the test (Rasa) also while no test's event loop runs, e.g. during their start-up."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"{type(fake).__name__}", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@dataclass
class StandInAgent:
    """Takes the place of Rasa's `Agent` in the channel-only tests (the tests with the real Rasa
    are in test_channels_live.py): keeps every message it is handed and answers through the
    message's output channel, as Rasa does; `failing` makes handling raise."""

    reply: str = "Hoi! Waarmee kan ik je helpen?"
    failing: bool = False
    received: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        if self.failing:
            raise RuntimeError("the tracker store is down")
        self.received.append(message)
        assert message.output_channel is not None
        await message.output_channel.send_response(message.sender_id, {"text": self.reply})


@dataclass
class Served:
    url: str
    app: Sanic

    def webhook(self, channel: str) -> str:
        return f"{self.url}/webhooks/{channel}/webhook"


@asynccontextmanager
async def serving(
    channels: Sequence[InputChannel], agent: Any, port: int | None = None, cors: Sequence[str] | None = None
) -> AsyncIterator[Served]:
    """`channels` on a real Sanic server on `port` (default: a free one), mounted as `rasa run`
    mounts them, with `agent` as `app.ctx.agent`; every listener runs, as in production. `cors`:
    the origins of `rasa run --cors`, configured before the channels as Rasa does."""
    app = Sanic(f"channels_{uuid.uuid4().hex[:12]}")
    if cors is not None:
        from rasa.server import configure_cors  # Rasa's HTTP server module: imported only where needed

        configure_cors(app, list(cors))
    register(list(channels), app, route="/webhooks/")
    app.ctx.agent = agent
    port = port or free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield Served(f"http://127.0.0.1:{port}", app)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        for connection in list(server.connections):  # as Sanic's own shutdown: no connection left open
            if not connection.close_if_idle():
                connection.abort()
        await server.after_stop()
        await asyncio.sleep(0.01)
