"""Several Rasa instances share the web chat's sockets through the real local Redis
(NAADLOOS_WEBCHAT_REDIS_URL, `naadloos.channels.webchat_redis`): two real Sanic servers, each with
the channel as Rasa mounts it; a browser connected to B receives an agent's message that the live
chat delivered through A. Skipped when no Redis answers on 127.0.0.1:6379 (CI starts one)."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
import redis
import redis.asyncio
import socketio

from naadloos.channels.webchat import WebChatInput
from naadloos.channels.webchat_redis import (
    DEFAULT_REDIS_CHANNEL,
    LISTEN_RETRY_MAX_SECONDS,
    NAME_IN_TEXT_KEY,
    REDIS_CHANNEL_VARIABLE,
    REDIS_URL_VARIABLE,
    SharedSockets,
    SharedTextNameSessions,
    SteadyRedisManager,
)
from naadloos.core.environment import SettingError
from tests.channels.conftest import Served, StandInAgent, serving
from tests.channels.test_webchat_socket import (
    ANSWER_TIMEOUT_SECONDS,
    PAGE_ORIGIN,
    POLLING_HANDSHAKE,
    SITE,
    project_webchat_credentials,
    push_agent_message,
)
from tests.cluster.private_services import PrivateRedis

REDIS_URL = "redis://127.0.0.1:6379/0"
OUTAGE_SECONDS = 7.5


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> SharedSockets:
    """The Redis settings of one deployment; a channel of its own, so tests never hear each other."""
    monkeypatch.setenv(REDIS_URL_VARIABLE, REDIS_URL)
    monkeypatch.setenv(REDIS_CHANNEL_VARIABLE, f"naadloos-webchat-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.delenv("NAADLOOS_WEBCHAT_ORIGINS", raising=False)
    return SharedSockets.from_environment()


@asynccontextmanager
async def instance(agent: StandInAgent) -> AsyncIterator[tuple[Served, WebChatInput]]:
    """One Rasa instance's web chat channel, from credentials.yml and the environment, as Rasa builds it."""
    channel = WebChatInput.from_credentials(project_webchat_credentials())
    assert isinstance(channel, WebChatInput)
    async with serving([channel], agent, cors=[PAGE_ORIGIN]) as served:
        yield served, channel


async def subscribers(shared: SharedSockets) -> int:
    client = redis.asyncio.Redis.from_url(shared.redis_url)
    try:
        counts = await client.pubsub_numsub(shared.channel)
        return int(counts[0][1])
    finally:
        await client.close()


async def until_listening(shared: SharedSockets, count: int, seconds: float = 5.0) -> None:
    """python-socketio starts an instance's Redis listener at its first connection, in the background."""
    for _ in range(int(seconds / 0.05)):
        try:
            if await subscribers(shared) >= count:
                return
        except redis.RedisError:
            pass  # a Redis that is starting again
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} instance(s) should listen on Redis channel {shared.channel!r}")


async def browser(served: Served, origin: str = PAGE_ORIGIN) -> tuple[socketio.AsyncClient, str, asyncio.Queue[dict]]:
    """A page at `origin` (default our chat page) on the websocket transport: asks for a session
    and collects `bot_uttered`."""
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[dict] = asyncio.Queue()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    client.on("bot_uttered", received.put_nowait)
    client.on("session_confirm", lambda session_id: confirmed.done() or confirmed.set_result(session_id))
    await client.connect(served.url, headers={"Origin": origin}, transports=["websocket"], socketio_path="/socket.io")
    await client.emit("session_request", {"session_id": None})
    return client, await asyncio.wait_for(confirmed, ANSWER_TIMEOUT_SECONDS), received


@needs_redis
async def test_an_agent_message_delivered_through_one_instance_reaches_a_browser_on_the_other(shared):
    async with instance(StandInAgent()) as (served_a, channel_a), instance(StandInAgent()) as (served_b, _):
        client, session_id, received = await browser(served_b)
        try:
            await until_listening(shared, 1)
            await push_agent_message(channel_a, session_id, "Hoi, ik ben Sanne. Ik help je verder.", agent="Sanne")

            message = await asyncio.wait_for(received.get(), ANSWER_TIMEOUT_SECONDS)
            assert message == {"text": "Hoi, ik ben Sanne. Ik help je verder.", "metadata": {"agent": "Sanne"}}
            # And the bot's own answer on B, sent through the same Redis channel, once.
            await client.call("user_uttered", {"session_id": session_id, "message": "hoi"}, timeout=ANSWER_TIMEOUT_SECONDS)
            assert (await asyncio.wait_for(received.get(), ANSWER_TIMEOUT_SECONDS))["text"] == StandInAgent.reply
            await asyncio.sleep(0.2)
            assert received.empty()
        finally:
            await client.disconnect()


@needs_redis
async def test_a_message_for_another_session_reaches_nobody_else(shared):
    async with instance(StandInAgent()) as (served_a, channel_a), instance(StandInAgent()) as (served_b, _):
        on_a, _, received_a = await browser(served_a)
        on_b, session_b, received_b = await browser(served_b)
        try:
            await until_listening(shared, 2)
            await push_agent_message(channel_a, session_b, "Alleen voor jou.", agent="Sanne")
            assert (await asyncio.wait_for(received_b.get(), ANSWER_TIMEOUT_SECONDS))["text"] == "Alleen voor jou."
            await asyncio.sleep(0.2)
            assert received_a.empty()
        finally:
            await on_a.disconnect()
            await on_b.disconnect()


@needs_redis
async def test_a_widget_on_another_instance_gets_the_agents_name_in_the_text(shared, monkeypatch):
    """Which sessions want the name in the text is known on every instance (Redis), not only on the
    one where the widget asked for its session; our own page still gets it in the metadata only."""
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", SITE)
    async with instance(StandInAgent()) as (_, channel_a), instance(StandInAgent()) as (served_b, _):
        widget, widget_session, widget_received = await browser(served_b, SITE)
        page, page_session, page_received = await browser(served_b)
        try:
            await until_listening(shared, 1)
            await push_agent_message(channel_a, widget_session, "Goedemiddag", agent="Sanne")
            await push_agent_message(channel_a, page_session, "Goedemiddag", agent="Sanne")

            widget_message = await asyncio.wait_for(widget_received.get(), ANSWER_TIMEOUT_SECONDS)
            assert widget_message["text"].startswith("**Sanne") and widget_message["text"].endswith(":** Goedemiddag")
            page_message = await asyncio.wait_for(page_received.get(), ANSWER_TIMEOUT_SECONDS)
            assert page_message == {"text": "Goedemiddag", "metadata": {"agent": "Sanne"}}
        finally:
            await widget.disconnect()
            await page.disconnect()
        key = NAME_IN_TEXT_KEY.format(channel=shared.channel, session=widget_session)
        client = redis.asyncio.Redis.from_url(shared.redis_url)
        try:
            for _ in range(50):  # the server handles a disconnect shortly after the client leaves
                if not await client.exists(key):
                    break
                await asyncio.sleep(0.02)
            assert not await client.exists(key), "a socket that left should no longer count"
        finally:
            await client.close()


async def test_without_an_answer_from_redis_the_message_goes_without_the_name():
    """Refused (nothing listens on port 1): no error, and `contains` says no."""
    sessions = SharedTextNameSessions("redis://127.0.0.1:1/0", "naadloos-webchat-test")
    await sessions.update("socket-1", "sessie-1", True)
    assert await sessions.contains("sessie-1") is False
    await sessions.discard("socket-1")
    assert sessions.sockets == {}


@needs_redis
async def test_with_redis_only_the_websocket_transport_is_offered(shared):
    """Long-polling would need sticky sessions behind the proxy: it is refused."""
    async with instance(StandInAgent()) as (served, _):
        async with aiohttp.ClientSession() as session, session.get(served.url + POLLING_HANDSHAKE) as response:
            assert response.status == 400


async def test_without_redis_nothing_changes(monkeypatch):
    """The laptop default: sockets in the process, polling and websocket both offered."""
    monkeypatch.delenv(REDIS_URL_VARIABLE, raising=False)
    monkeypatch.delenv(REDIS_CHANNEL_VARIABLE, raising=False)
    assert SharedSockets.from_environment() == SharedSockets("", DEFAULT_REDIS_CHANNEL)
    async with instance(StandInAgent()) as (served, channel):
        assert channel.sio is not None and type(channel.sio.manager) is socketio.AsyncManager
        async with aiohttp.ClientSession() as session, session.get(served.url + POLLING_HANDSHAKE) as response:
            assert response.status == 200


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "http://127.0.0.1:6379", "localhost"])
def test_a_redis_url_without_its_scheme_stops_rasa_with_the_variables_name(monkeypatch, url):
    monkeypatch.setenv(REDIS_URL_VARIABLE, url)
    with pytest.raises(SettingError, match=REDIS_URL_VARIABLE):
        WebChatInput.from_credentials(project_webchat_credentials())


async def test_after_a_redis_restart_an_agent_message_reaches_the_other_instance_within_seconds(tmp_path, monkeypatch):
    """python-socketio's own listener waited up to 60 s before subscribing again (1, 2, 4, ... s); ours
    retries within LISTEN_RETRY_MAX_SECONDS, so the customer on B hears the agent soon after."""
    own = PrivateRedis(tmp_path / "redis")
    own.start()
    try:
        monkeypatch.setenv(REDIS_URL_VARIABLE, own.url)
        monkeypatch.setenv(REDIS_CHANNEL_VARIABLE, "naadloos-webchat-restart")
        monkeypatch.delenv("NAADLOOS_WEBCHAT_ORIGINS", raising=False)
        shared = SharedSockets.from_environment()
        async with instance(StandInAgent()) as (served_a, channel_a), instance(StandInAgent()) as (served_b, _):
            assert isinstance(channel_a.sio.manager, SteadyRedisManager)
            client, session_id, received = await browser(served_b)
            try:
                await until_listening(shared, 1)
                own.stop()
                # python-socketio's listener tries at 1, 3, 7 and 15 s; back at 7.5 s, it would wait 7.5 s more.
                await asyncio.sleep(OUTAGE_SECONDS)
                own.start()
                await until_listening(shared, 1, seconds=LISTEN_RETRY_MAX_SECONDS + 0.5)

                await push_agent_message(channel_a, session_id, "Ik ben er weer.", agent="Sanne")

                message = await asyncio.wait_for(received.get(), ANSWER_TIMEOUT_SECONDS)
                assert message["text"] == "Ik ben er weer."
            finally:
                await client.disconnect()
    finally:
        own.stop()
