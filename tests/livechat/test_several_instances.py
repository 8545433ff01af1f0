"""Two instances of the live chat on one database, sharing their events through Redis
(`livechat.fanout`): what arrives on one reaches the sockets connected to the other, and a Redis
that goes away and comes back costs the live events of the outage, never a crash.

Against the machine's real Redis (127.0.0.1:6379) with a channel prefix of this test run, and a
Redis server of the test's own (redis-server on a free port) for the outage."""
from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import redis

from livechat.customer_channel import RasaCustomerChannel
from livechat.fanout import RedisFanout
from tests.cluster.private_services import PrivateRedis
from tests.livechat.helpers import AgentClient, Bot, FakeClock, FakeRasa, RunningService, create_agent_client, running_service
from tests.livechat.test_typing_and_presence import chat_page, desk_socket, events_within, new_handover, next_event

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
ARRIVAL_SECONDS = 1.0  # the promise: on the other instance within a second


def channel_count(prefix: str, handover_id: int, url: str = LOCAL_REDIS) -> int:
    """How many instances listen for the customer of `handover_id` (Redis's own count)."""
    channel = f"{prefix}:customer:{handover_id}"
    client = redis.Redis.from_url(url)
    try:
        return int(dict(client.pubsub_numsub(channel))[channel.encode()])
    finally:
        client.close()


async def wait_until(check: Any, what: str, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def prefix() -> str:
    return f"naadloos-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def instances(tmp_path: Path, config_for, clock: FakeClock, fake_rasa: FakeRasa, prefix: str) -> AsyncIterator[Any]:
    """start(redis_url) -> two running instances (A, B) on one SQLite file, sharing `redis_url`."""
    async with AsyncExitStack() as stack:

        async def start(redis_url: str = LOCAL_REDIS) -> tuple[RunningService, RunningService]:
            config = config_for(
                f"sqlite:///{tmp_path / 'shared.sqlite3'}", rasa_url=fake_rasa.url,
                redis_url=redis_url, redis_channel_prefix=prefix,
            )
            started = []
            for _ in range(2):
                channel = RasaCustomerChannel(fake_rasa.url, "rasa-token", timeout_seconds=1.0)
                started.append(await stack.enter_async_context(running_service(config, clock, channel)))
            return started[0], started[1]

        yield start


async def customer_says(bot: Bot, conversation_id: str, text: str, message_id: str) -> None:
    """The bot side forwards what the customer typed (as its event broker does), to `bot`'s instance."""
    status, body = await bot.post(f"/conversations/{conversation_id}/messages", {"text": text, "message_id": message_id})
    assert status == 201, body


async def agent_on(service: RunningService, username: str) -> AgentClient:
    return await create_agent_client(service, username, name="Sanne de Vries")


async def test_a_customer_message_on_b_reaches_the_desk_on_a_within_a_second(instances, http) -> None:
    a, b = await instances()
    agent = await agent_on(a, "sanne")
    bot_b = Bot(http, b)
    try:
        async with desk_socket(agent) as desk:
            created = await new_handover(bot_b, "conv-scale-1")
            assert (await next_event(desk, "handover_created", timeout=2))["handover_id"] == created["id"]
            loop = asyncio.get_running_loop()
            sent = loop.time()
            await customer_says(bot_b, "conv-scale-1", "Hoi, ben je er nog?", "m-1")
            event = await next_event(desk, "customer_message", timeout=ARRIVAL_SECONDS)
            assert loop.time() - sent < ARRIVAL_SECONDS
            assert event["message"]["text"] == "Hoi, ben je er nog?"
            assert await events_within(desk, 0.3) == [], "each event once, not once per instance"
    finally:
        await agent.close()


async def test_agent_typing_on_a_reaches_the_chat_page_on_b(instances, http, prefix) -> None:
    """Agent messages reach the customer through Rasa (the customer channel), from any instance;
    what the service itself pushes to the chat page (typing) crosses instances through Redis."""
    a, b = await instances()
    agent = await agent_on(a, "sanne")
    try:
        created = await new_handover(Bot(http, a), "conv-scale-2")
        assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
        typing = f"/handovers/{created['id']}/typing"
        assert await agent.post(typing) == (200, {"relayed": False}), "no chat page anywhere"
        async with chat_page(http, b, created["id"]) as page:
            await wait_until(lambda: channel_count(prefix, created["id"]) == 1, "B listens for the customer")
            a.app.ctx.services.hub.typing.forget(("agent", created["id"]))  # the throttle is not under test here
            assert await agent.post(typing) == (200, {"relayed": True})
            assert await asyncio.wait_for(page.receive_json(), ARRIVAL_SECONDS) == {"type": "typing", "name": "Sanne de Vries"}
            status, sent = await agent.post(f"/handovers/{created['id']}/messages", {"text": "Ik kijk het even voor je na."})
            assert status == 201 and sent["message"]["delivery_status"] == "delivered", sent
        await wait_until(lambda: channel_count(prefix, created["id"]) == 0, "B stops listening after the page left")
    finally:
        await agent.close()


# --- Redis goes away ---------------------------------------------------------------------------------
@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test on a free port: `.stop()` and `.start()` it (same port)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)", pytrace=False)
    own = PrivateRedis(tmp_path / "redis")
    own.start()
    yield own
    own.stop()


async def health(http: Any, instance: RunningService) -> tuple[int, dict[str, str]]:
    async with http.get(f"{instance.url}/health") as response:
        return response.status, await response.json()


async def test_redis_going_away_is_logged_and_the_instances_find_each_other_again(
    instances, http, own_redis, caplog, prefix
) -> None:
    a, b = await instances(own_redis.url)
    agent = await agent_on(a, "sanne")
    bot_b = Bot(http, b)
    fanout_a = a.app.ctx.services.hub.fanout
    assert isinstance(fanout_a, RedisFanout) and fanout_a.connected
    try:
        created = await new_handover(bot_b, "conv-scale-3")
        assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
        async with desk_socket(agent) as desk, chat_page(http, b, created["id"]) as page:
            caplog.set_level(logging.WARNING, logger="livechat.fanout")
            own_redis.stop()
            await wait_until(lambda: not fanout_a.connected, "A notices that Redis is gone")
            assert await health(http, a) == (200, {"status": "degraded", "database": "ok", "redis": "down"})
            await customer_says(bot_b, "conv-scale-3", "Hallo?", "m-down")  # storing never depends on Redis
            errors = [r.getMessage() for r in caplog.records if r.name == "livechat.fanout" and r.levelno == logging.ERROR]
            assert any("Redis at redis://127.0.0.1:" in e and "unreachable" in e for e in errors), errors
            assert len(errors) <= 2, f"one error per instance per outage, not per event: {errors}"
            await customer_says(Bot(http, a), "conv-scale-3", "Hallo??", "m-a")
            event = await next_event(desk, "customer_message", timeout=ARRIVAL_SECONDS)
            assert event["message"]["text"] == "Hallo??", "meanwhile, the desks of the same instance still hear it"

            own_redis.start()
            await wait_until(lambda: fanout_a.connected, "A subscribes again", seconds=10)
            await wait_until(lambda: b.app.ctx.services.hub.fanout.connected, "B subscribes again", seconds=10)
            assert await health(http, a) == (200, {"status": "ok", "database": "ok", "redis": "ok"})
            assert any("reachable again" in r.getMessage() for r in caplog.records)
            await customer_says(bot_b, "conv-scale-3", "Ben je er weer?", "m-up")
            event = await next_event(desk, "customer_message", timeout=ARRIVAL_SECONDS)
            assert event["message"]["text"] == "Ben je er weer?"
            # B listens for its customer's page again: the agent's typing on A reaches it.
            await wait_until(lambda: channel_count(prefix, created["id"], own_redis.url) == 1, "B resubscribed")
            a.app.ctx.services.hub.typing.forget(("agent", created["id"]))
            assert await agent.post(f"/handovers/{created['id']}/typing") == (200, {"relayed": True})
            assert await asyncio.wait_for(page.receive_json(), ARRIVAL_SECONDS) == {"type": "typing", "name": "Sanne de Vries"}
    finally:
        await agent.close()


async def test_the_first_desk_event_after_a_redis_restart_reaches_the_other_instance(own_redis, caplog, prefix) -> None:
    """Found by the cluster kill test: an instance that published before a Redis restart and not
    during it still had its old connection in the pool, so its first event after the restart
    failed ("Connection closed by server") and reached only its own sockets."""
    heard_on_b: list[tuple[str, str]] = []

    async def desks_on_b(team: str, text: str) -> int:
        heard_on_b.append((team, text))
        return 1

    async def nobody(_key: Any, _text: str) -> int:
        return 0

    a, b = RedisFanout(own_redis.url, prefix), RedisFanout(own_redis.url, prefix)
    a.attach(nobody, nobody)
    b.attach(desks_on_b, nobody)
    await a.start()
    await b.start()
    try:
        await a.to_desks("klantenservice", "voor de herstart")
        await wait_until(lambda: ("klantenservice", "voor de herstart") in heard_on_b, "B hears A before the restart")
        caplog.set_level(logging.INFO, logger="livechat.fanout")
        own_redis.stop()
        await wait_until(lambda: not a.connected and not b.connected, "both notice that Redis is gone")
        own_redis.start()
        await wait_until(lambda: a.connected and b.connected, "both subscribe again", seconds=10)

        await a.to_desks("klantenservice", "na de herstart")

        await wait_until(lambda: ("klantenservice", "na de herstart") in heard_on_b, "B hears A's first event after it")
        messages = [r.getMessage() for r in caplog.records if r.name == "livechat.fanout"]
        assert messages[-1].endswith("reachable again: events reach every instance"), messages
    finally:
        await a.close()
        await b.close()
