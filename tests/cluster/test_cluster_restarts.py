"""RabbitMQ and Redis restarted under a running cluster. These are the tests' own RabbitMQ and Redis
(`private_services`), not the machine's, which other runs share.

- RabbitMQ, in the middle of a hand-over: while it is down the live chats say so (/health
  "degraded" with rabbitmq "down", an error in their logs naming the broker) and keep serving their
  desks; the customer keeps typing. Once it is back, every customer message reaches the desk, once.
- Redis: while it is down the live chats say so the same way; once it is back, every Rasa takes
  messages again (its conversation locks are in Redis) and the web chat answers through Redis once
  its listeners are back. A REST message sent while Redis is down is refused with 503 and the
  "send it again" text (naadloos/channels/rest.py; Rasa's own channel answered 200 [] and lost it);
  the web chat asks the customer to send it again (tests/channels/test_webchat_socket.py)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import redis

from naadloos.channels.customer_notices import MESSAGE_NOT_RECEIVED, channel_message
from naadloos.channels.webchat_redis import DEFAULT_REDIS_CHANNEL
from tests.cluster.handover_steps import back_to_bot, desk_stores, handed_over_and_taken, logged_in_agent
from tests.cluster.private_services import PrivateService
from tests.cluster.running_cluster import RunningCluster
from tests.e2e.live_clients import WebCustomer

NOTICE_SECONDS = 20.0  # the live chats notice a service is gone / back (their reconnect backoff is up to 10 s)


def wait_for_health(cluster: RunningCluster, service: str, state: str, seconds: float = NOTICE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while (states := [cluster.health(i).get(service) for i in (1, 2)]) != [state, state]:
        assert time.monotonic() < deadline, f"{service} should be {state!r} on both live chats, is {states}"
        time.sleep(0.2)


class Outage:
    """Stops `service`; `end()` starts it again, as does leaving the `with` block in any case."""

    def __init__(self, service: PrivateService) -> None:
        self.service = service

    def __enter__(self) -> Outage:
        self.service.stop()
        return self

    def end(self) -> None:
        if self.service.process is None:
            self.service.start()

    def __exit__(self, *_: object) -> None:
        self.end()


async def rest_reply(cluster: RunningCluster, instance: int, sender: str, text: str) -> tuple[int, Any]:
    """The status and JSON body of Rasa `instance`'s REST channel's answer to `text`."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        url = f"{cluster.rasa(instance)}/webhooks/rest/webhook"
        async with http.post(url, json={"sender": sender, "message": text}) as reply:
            return reply.status, await reply.json()


async def rest_answer(cluster: RunningCluster, instance: int, sender: str, text: str) -> list[str]:
    """The texts Rasa `instance` answers `text` with on its REST channel."""
    status, answer = await rest_reply(cluster, instance, sender, text)
    assert status == 200, (status, answer)
    return [m.get("text", "") for m in answer]


async def test_a_rabbitmq_restart_loses_no_customer_message(cluster: RunningCluster) -> None:
    cluster.require_every_instance()
    agent = await logged_in_agent(cluster.livechat(), cluster.password)
    customer = WebCustomer(cluster.rasa())
    try:
        await customer.connect()
        handover_id = await handed_over_and_taken(customer, agent)
        await customer.says("Voor de storing")
        assert await desk_stores(agent, handover_id, ["Voor de storing"]) == ["Voor de storing"]

        during = ["Is er iets mis?", "Ik wacht wel even"]
        with Outage(cluster.rabbitmq) as outage:
            await asyncio.to_thread(wait_for_health, cluster, "rabbitmq", "down")
            assert cluster.health(1)["status"] == "degraded"
            said = f"RabbitMQ at amqp://127.0.0.1:{cluster.rabbitmq.port}/ is unreachable"
            assert all(said in cluster.log(f"livechat-{instance}") for instance in (1, 2))
            for text in during:
                await customer.says(text)
            await asyncio.sleep(1.0)  # Rasa takes them in meanwhile
            await asyncio.to_thread(outage.end)
        await asyncio.to_thread(wait_for_health, cluster, "rabbitmq", "ok")
        await customer.says("Na de storing")
        expected = ["Voor de storing", *during, "Na de storing"]
        stored = await desk_stores(agent, handover_id, expected, in_order=False)
        assert sorted(stored) == sorted(expected), f"each customer message once: {stored}"
        await back_to_bot(customer, agent, handover_id)
    finally:
        await customer.close()
        await agent.call("POST", "/agents/logout")
        await agent.close()


def webchat_listeners(cluster: RunningCluster) -> int:
    """How many Rasa instances listen on the web chat's Redis channel (each starts listening at its
    first socket, and listens again a moment after Redis is back)."""
    client = redis.Redis(port=cluster.redis.port, socket_connect_timeout=1)
    try:
        return int(dict(client.pubsub_numsub(DEFAULT_REDIS_CHANNEL))[DEFAULT_REDIS_CHANNEL.encode()])
    finally:
        client.close()


def wait_until_back(cluster: RunningCluster, listeners: int) -> None:
    """Redis is back for everyone: both live chats, and the web chat's listeners of before. Until a
    Rasa listens again, what it sends a web chat customer is dropped (Redis pub/sub keeps nothing)."""
    wait_for_health(cluster, "redis", "ok")
    deadline = time.monotonic() + NOTICE_SECONDS
    while webchat_listeners(cluster) < listeners:
        assert time.monotonic() < deadline, f"the web chat listens on Redis again on {listeners} Rasa instance(s)"
        time.sleep(0.1)


@pytest.fixture
def redis_outage(cluster: RunningCluster) -> Iterator[Outage]:
    cluster.require_every_instance()
    listeners = webchat_listeners(cluster)
    with Outage(cluster.redis) as outage:
        wait_for_health(cluster, "redis", "down")
        yield outage
    wait_until_back(cluster, listeners)


async def test_a_redis_restart_is_reported_and_everything_works_again(cluster: RunningCluster) -> None:
    cluster.require_every_instance()
    customer = WebCustomer(cluster.rasa(2))  # connected before, during and after the outage
    try:
        await customer.connect()
        await customer.says("hallo")
        await customer.reads_until("Polderstroom")
        listeners = webchat_listeners(cluster)
        with Outage(cluster.redis) as outage:
            await asyncio.to_thread(wait_for_health, cluster, "redis", "down")
            assert cluster.health(2)["status"] == "degraded"
            for instance in (1, 2):
                log = cluster.log(f"livechat-{instance}")
                assert f"Redis at {cluster.redis.url}" in log and "unreachable" in log
            await asyncio.to_thread(outage.end)
        await asyncio.to_thread(wait_until_back, cluster, listeners)

        for instance in (1, 2):  # the conversation locks
            assert await rest_answer(cluster, instance, f"after-redis-{time.monotonic_ns()}", "hallo") != []
        await customer.says("wanneer zijn jullie bereikbaar?")  # the web chat's answers travel through Redis
        await customer.reads_until("Vandaag kun je ons bereiken")
    finally:
        await customer.close()


async def test_a_message_sent_while_redis_is_down_is_kept_or_refused_clearly(
    cluster: RunningCluster, redis_outage: Outage
) -> None:
    """Issue 13 item 4, found by this test: while Redis is down Rasa cannot take the conversation
    lock (LockError), and Rasa's own REST channel answered 200 [] with the message not in the
    tracker: lost without a word. Ours refuses it with 503 and the text the web chat shows; sent
    again once Redis is back, it is answered and kept once."""
    sender = f"during-redis-{time.monotonic_ns()}"
    status, answer = await rest_reply(cluster, 1, sender, "hallo")
    assert (status, answer) == (503, {"error": MESSAGE_NOT_RECEIVED, "text": channel_message(MESSAGE_NOT_RECEIVED)})
    await asyncio.to_thread(redis_outage.end)
    await asyncio.to_thread(wait_for_health, cluster, "redis", "ok")
    assert await rest_answer(cluster, 1, sender, "hallo") != [], "sent again, it is answered"
    kept = [e["text"] for e in cluster.stored_events([sender])[sender] if e["event"] == "user"]
    assert kept == ["hallo"], "in the tracker once: the refused one was not kept"
