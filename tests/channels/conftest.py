"""Fixtures for the channel tests: the fake Twilio and Telegram servers, and a real Sanic server
with channels mounted the way Rasa mounts them (`rasa.core.channels.channel.register`)."""
from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused, SlotSet
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from naadloos.channels.conversations import HANDOVER_TEAM_SLOT
from naadloos.channels.dedup import DATABASE_VARIABLE
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import FakeTwilio
from tests.processes import free_port


@pytest.fixture(scope="module", autouse=True)
def sanic_test_mode() -> Iterator[None]:
    """Several Sanic apps in one process (see tests/livechat/conftest.py)."""
    Sanic.test_mode = True
    yield
    Sanic.test_mode = False


@pytest.fixture(autouse=True)
def seen_webhooks_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own file of handled webhooks (`naadloos.channels.dedup`), never the project's var/."""
    path = tmp_path / "seen_webhooks.sqlite3"
    monkeypatch.setenv(DATABASE_VARIABLE, str(path))
    return path


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


# The domain's slot with the team that took a hand-over (`naadloos.channels.conversations`).
HANDOVER_DOMAIN = Domain(
    intents=[], entities=[], responses={}, action_names=[], forms={}, data={},
    slots=[TextSlot(HANDOVER_TEAM_SLOT, mappings=[{"type": "custom"}], influence_conversation=False)],
)


@dataclass
class StandInAgent:
    """Takes the place of Rasa's `Agent` in the channel-only tests (the tests with the real Rasa
    are in test_channels_live.py): keeps every message it is handed and answers through the
    message's output channel, as Rasa does; `failing` makes handling raise. Its `tracker_store` is
    Rasa's in-memory store: `hand_over` pauses a conversation as the hand-over action does, and a
    paused conversation's messages are kept without an answer, as Rasa keeps them."""

    reply: str = "Hoi! Waarmee kan ik je helpen?"
    failing: bool = False
    received: list[UserMessage] = field(default_factory=list)
    tracker_store: InMemoryTrackerStore = field(default_factory=lambda: InMemoryTrackerStore(HANDOVER_DOMAIN))

    async def hand_over(self, sender_id: str, team: str = "klantenservice") -> None:
        """The conversation as the hand-over action leaves it when `team` accepted it."""
        tracker = DialogueStateTracker.from_events(
            sender_id, [SlotSet(HANDOVER_TEAM_SLOT, team), ConversationPaused()], slots=HANDOVER_DOMAIN.slots
        )
        await self.tracker_store.save(tracker)

    async def handle_message(self, message: UserMessage) -> None:
        if self.failing:
            raise RuntimeError("the tracker store is down")
        self.received.append(message)
        tracker = await self.tracker_store.retrieve(message.sender_id)
        if tracker is not None and tracker.is_paused():
            return  # a colleague has the conversation: Rasa records the message and does not answer
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
