"""The live chat's RabbitMQ consumer (`livechat.customer_events`) across a restart of the broker,
against a real RabbitMQ node of this test (`private_services`): while the broker is away the
consumer says so (`consuming` false, one error naming the broker), and once it is back the consumer
takes messages again by itself.

Before the fix, aio_pika 8's queue iterator waited forever after the broker closed the connection:
the consumer kept saying it was consuming, never reconnected, and every customer message published
after the restart stayed in the queue until the live chat itself was restarted."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aio_pika

from livechat.config import CUSTOMER_EVENTS_QUEUE
from livechat.customer_events import CustomerEventConsumer
from tests.cluster.private_services import PrivateRabbitMQ

QUEUE = CUSTOMER_EVENTS_QUEUE
NOTICE_SECONDS = 15.0


async def publish(rabbitmq_node: PrivateRabbitMQ, event: dict[str, Any]) -> None:
    """One persistent message on the durable queue, as Rasa's pika broker sends it."""
    connection = await aio_pika.connect(f"amqp://guest:guest@127.0.0.1:{rabbitmq_node.port}/")
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(QUEUE, durable=True)
        body = json.dumps(event).encode()
        await channel.default_exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), QUEUE)


async def until(check: Any, what: str, seconds: float = NOTICE_SECONDS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


async def test_the_consumer_notices_a_broker_restart_and_consumes_again(rabbitmq_node: PrivateRabbitMQ, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="livechat.customer_events")
    # Events that are not customer messages are acknowledged without touching the database.
    bot_event = {"event": "bot", "sender_id": "conv-restart", "text": "Een moment"}
    consumer = CustomerEventConsumer(services=None, url=f"amqp://guest:guest@127.0.0.1:{rabbitmq_node.port}/", queue=QUEUE)  # type: ignore[arg-type]
    await consumer.start()
    try:
        await publish(rabbitmq_node, bot_event)
        await until(lambda: consumer.acknowledged == 1, "the first event handled")

        await asyncio.to_thread(rabbitmq_node.stop)
        await until(lambda: not consumer.consuming, "the consumer notices that the broker is gone")
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(f"RabbitMQ at amqp://127.0.0.1:{rabbitmq_node.port}/ is unreachable" in e for e in errors), errors

        await asyncio.to_thread(rabbitmq_node.start)
        await until(lambda: consumer.consuming, "the consumer is back")
        await publish(rabbitmq_node, bot_event)
        await until(lambda: consumer.acknowledged == 2, "an event published after the restart is handled")
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        await consumer.close()
