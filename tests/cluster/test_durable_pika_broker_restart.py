"""Our pika event broker (`naadloos.brokers.durable_pika`, config/endpoints.production.yml) across
restarts of RabbitMQ and of Rasa itself, against a real RabbitMQ node of this test
(`private_services`): every event arrives exactly once and in order, also those published while
RabbitMQ is down or while older ones still wait; one error while it is down, one line when back.

Rasa's own `PikaEventBroker` failed this in the cluster: after a RabbitMQ restart it kept logging
`pika.events.publish.failed` for every new event, and what it had kept in memory was lost at a stop."""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aio_pika

from naadloos.brokers.durable_pika import DurablePikaEventBroker
from naadloos.core.backoff import Backoff
from tests.cluster.private_services import PrivateRabbitMQ

QUEUE = "naadloos-test-events"
SECONDS = 30.0


def new_broker(rabbitmq_node: PrivateRabbitMQ, spool_file: Path) -> DurablePikaEventBroker:
    """As config/endpoints.production.yml configures it (host, port, user, queues), on this node."""
    return DurablePikaEventBroker(
        "127.0.0.1", "guest", "guest", port=rabbitmq_node.port, queues=[QUEUE], spool_file=spool_file, backoff=Backoff(0.2, 1.0)
    )


def said(conversation: str, n: int) -> dict[str, Any]:
    return {"event": "user", "sender_id": conversation, "text": f"bericht {n}", "message_id": f"{conversation}-{n}"}


async def until(check: Any, what: str, seconds: float = SECONDS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


def published_all(broker: DurablePikaEventBroker) -> bool:
    return broker.is_ready() and broker.waiting_in_memory == 0 and broker.spool is not None and broker.spool.count() == 0


async def queued(rabbitmq_node: PrivateRabbitMQ) -> list[dict[str, Any]]:
    """Everything on the queue, in order (taken off it)."""
    connection = await aio_pika.connect(f"amqp://guest:guest@127.0.0.1:{rabbitmq_node.port}/")
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(QUEUE, durable=True)
        bodies = []
        while (message := await queue.get(fail=False, timeout=5)) is not None:
            bodies.append(json.loads(message.body))
            await message.ack()
        return bodies


def our_errors(records: list[logging.LogRecord]) -> list[str]:
    """The broker's own error lines. aiormq may log one more of its own when RabbitMQ closes the
    connection on shutdown ("CONNECTION_FORCED"), depending on timing: not ours to count."""
    return [r.getMessage() for r in records if r.levelno >= logging.ERROR and r.name.startswith("naadloos.")]


async def test_a_rabbitmq_restart_loses_no_event_and_keeps_their_order(
    rabbitmq_node: PrivateRabbitMQ, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="naadloos.brokers.durable_pika")
    broker = new_broker(rabbitmq_node, tmp_path / "pika-events.sqlite3")
    await broker.connect()
    assert broker.is_ready()
    sent: list[dict[str, Any]] = []

    def publish(*events: dict[str, Any]) -> None:
        for event in events:
            broker.publish(event)
            sent.append(event)

    try:
        publish(*(said(conversation, n) for n in range(1, 4) for conversation in ("a", "b")))
        await until(lambda: published_all(broker), "the first events published")

        await asyncio.to_thread(rabbitmq_node.stop)
        await until(lambda: not broker.is_ready(), "the broker notices RabbitMQ is gone")
        publish(said("a", 4), said("b", 4))
        await asyncio.sleep(0.5)
        publish(said("a", 5))
        await until(lambda: broker.spool is not None and broker.spool.count() == 3, "kept in the spool while down")
        await asyncio.sleep(2.0)  # several attempts meanwhile
        errors = our_errors(caplog.records)
        assert len(errors) == 1 and f"RabbitMQ at amqp://127.0.0.1:{rabbitmq_node.port}/ is unreachable" in errors[0], errors

        await asyncio.to_thread(rabbitmq_node.start)
        publish(said("b", 5), said("a", 6))  # while the kept ones may still wait: behind them
        await until(lambda: published_all(broker), "everything published after the restart")
        publish(said("b", 6))
        await until(lambda: published_all(broker), "a new event published")

        assert await queued(rabbitmq_node) == sent, "every event once, in the order Rasa gave them"
        back = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
        address = f"amqp://127.0.0.1:{rabbitmq_node.port}/"
        assert len(back) == 1 and back[0].startswith(f"RabbitMQ at {address} is reachable again"), back
        assert len(our_errors(caplog.records)) == 1
    finally:
        await broker.close()


async def test_events_kept_when_rasa_stops_during_an_outage_are_published_first_after_its_start(
    rabbitmq_node: PrivateRabbitMQ, tmp_path: Path
) -> None:
    spool_file = tmp_path / "pika-events.sqlite3"
    broker = new_broker(rabbitmq_node, spool_file)
    await broker.connect()
    broker.publish(said("a", 1))
    await until(lambda: published_all(broker), "the first event published")
    await asyncio.to_thread(rabbitmq_node.stop)
    broker.publish(said("a", 2))
    broker.publish(said("b", 1))
    await broker.close()  # Rasa stops while RabbitMQ is down: kept in the file, not lost
    await asyncio.to_thread(rabbitmq_node.start)

    again = new_broker(rabbitmq_node, spool_file)
    try:
        await again.connect()
        again.publish(said("a", 3))
        await until(lambda: published_all(again), "the kept events and the new one published")
        assert await queued(rabbitmq_node) == [said("a", 1), said("a", 2), said("b", 1), said("a", 3)]
    finally:
        await again.close()
