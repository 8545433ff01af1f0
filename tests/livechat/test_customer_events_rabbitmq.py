"""Customer messages through RabbitMQ (`livechat.customer_events`), against the machine's real
RabbitMQ (127.0.0.1:5672, guest/guest): published by Rasa's own `PikaEventBroker`, as the
production endpoints configure it, to a queue and exchange of this test run (deleted afterwards);
consumed by the real service, stored once, acknowledged after storing, put back on a storage error.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from rasa.core.brokers.pika import PikaEventBroker
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from livechat.customer_channel import RasaCustomerChannel
from livechat.customer_events import CustomerEventConsumer, InvalidEvent, customer_event
from livechat.storage import handovers as store
from tests.livechat.helpers import Bot, FakeClock, FakeRasa, RunningService, create_agent_client, running_service
from tests.livechat.test_several_instances import wait_until
from tests.livechat.test_typing_and_presence import desk_socket, new_handover, next_event

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def rasa_event(conversation_id: str, event: Any) -> dict[str, Any]:
    """What Rasa's tracker store hands its event broker: the event's dict with the sender id."""
    return {"sender_id": conversation_id, **event.as_dict()}


def said(conversation_id: str, text: str, message_id: str) -> dict[str, Any]:
    uttered = UserUttered(text, intent={"name": "nlu_fallback", "confidence": 0.3}, message_id=message_id)
    return rasa_event(conversation_id, uttered)


@pytest.fixture
async def queue_name() -> AsyncIterator[str]:
    """A queue (and exchange) of this test; both deleted afterwards."""
    name = f"naadloos-test-{uuid.uuid4().hex[:10]}"
    yield name
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
        await channel.exchange_delete(name)


@pytest.fixture
async def rasa_broker(queue_name: str) -> AsyncIterator[PikaEventBroker]:
    """Rasa's own broker, configured as config/endpoints.production.yml does (plus an exchange of this test)."""
    broker = PikaEventBroker("127.0.0.1", "guest", "guest", port=5672, queues=[queue_name], exchange_name=queue_name)
    await broker.connect()
    yield broker
    await broker.close()


async def publish(broker: PikaEventBroker, *events: dict[str, Any]) -> None:
    """As Rasa does for each new tracker event; returns once RabbitMQ confirmed them all."""
    for event in events:
        broker.publish(event)
    await asyncio.gather(*broker._background_tasks)


@pytest.fixture
async def service(
    tmp_path: Path, config_for, clock: FakeClock, fake_rasa: FakeRasa, queue_name: str
) -> AsyncIterator[RunningService]:
    config = config_for(f"sqlite:///{tmp_path / 'livechat.sqlite3'}", rasa_url=fake_rasa.url,
                        rabbitmq_url=RABBITMQ_URL, rabbitmq_queue=queue_name)
    async with running_service(config, clock, RasaCustomerChannel(fake_rasa.url, "rasa-token", timeout_seconds=1.0)) as running:
        yield running


async def customer_texts(service: RunningService, handover_id: int) -> list[str]:
    messages = await service.app.ctx.services.db.run(store.list_messages, handover_id)
    return [m.text for m in messages if m.sender == "customer"]


async def wait_for_texts(service: RunningService, handover_id: int, count: int, seconds: float = 10.0) -> list[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while len(texts := await customer_texts(service, handover_id)) < count and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return texts


async def ready_messages(queue_name: str) -> int:
    """Messages in the queue that nobody holds (acknowledged ones are gone)."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        return int(queue.declaration_result.message_count or 0)


def test_only_customer_messages_are_taken_from_rasas_events() -> None:
    assert customer_event(b'{"event": "bot", "sender_id": "c", "text": "Hallo"}') is None
    assert customer_event(b'{"event": "user", "sender_id": "c", "text": "   "}') is None
    event = customer_event(b'{"event": "user", "sender_id": "c", "text": " Hoi ", "timestamp": 12.5}')
    assert event is not None and (event.conversation_id, event.text, event.message_id) == ("c", "Hoi", "c-12.5")
    for body in (b"niet json", b"[1, 2]", b'{"event": "user", "sender_id": "c", "text": "' + b"x" * 20_000 + b'"}'):
        with pytest.raises(InvalidEvent):
            customer_event(body)


async def test_a_customer_message_from_rasas_pika_broker_is_stored_once_and_acknowledged(
    service, rasa_broker, queue_name, http
) -> None:
    agent = await create_agent_client(service, "sanne")
    try:
        async with desk_socket(agent) as desk:
            created = await new_handover(Bot(http, service), "conv-pika-1")
            message = said("conv-pika-1", "Mijn meterstand klopt niet", "pika-m1")
            await publish(
                rasa_broker,
                rasa_event("conv-pika-1", ActionExecuted("action_listen")),
                said("conv-zonder-overdracht", "Hoi", "pika-other"),  # no hand-over: dropped
                message,
                rasa_event("conv-pika-1", BotUttered("Een moment")),
                message,  # Rasa's broker may publish again after a reconnect: stored once
            )
            event = await next_event(desk, "customer_message", timeout=5)
            assert event["handover_id"] == created["id"] and event["message"]["text"] == "Mijn meterstand klopt niet"
            assert await wait_for_texts(service, created["id"], 1) == ["Mijn meterstand klopt niet"]
        async with http.get(f"{service.url}/health") as reply:
            assert await reply.json() == {"status": "ok", "database": "ok", "rabbitmq": "ok"}
        consumer = service.app.ctx.customer_events
        await wait_until(lambda: consumer.acknowledged == 5, "all five events handled")
        await consumer.close()  # unacknowledged messages would go back to the queue
        assert await ready_messages(queue_name) == 0, "every message was acknowledged"
        assert await customer_texts(service, created["id"]) == ["Mijn meterstand klopt niet"]
    finally:
        await agent.close()


async def online_agent_and_handover(service: RunningService, http: Any, conversation_id: str) -> dict[str, Any]:
    """A hand-over of `conversation_id` (it needs a colleague online: one logs in)."""
    await (await create_agent_client(service, "sanne")).close()
    return await new_handover(Bot(http, service), conversation_id)


async def test_a_consumer_restart_in_the_middle_of_a_stream_loses_nothing(service, rasa_broker, http) -> None:
    created = await online_agent_and_handover(service, http, "conv-pika-2")
    texts = [f"Bericht {n} over mijn jaarafrekening" for n in range(40)]
    await publish(rasa_broker, *(said("conv-pika-2", text, f"pika-stream-{n}") for n, text in enumerate(texts)))
    first = service.app.ctx.customer_events
    while first.stored == 0:
        await asyncio.sleep(0.005)
    await first.close()  # mid-stream: some stored, some delivered but not acknowledged, some waiting
    assert 0 < len(await customer_texts(service, created["id"])) < len(texts)

    again = CustomerEventConsumer(service.app.ctx.services, service.config.rabbitmq_url, service.config.rabbitmq_queue)
    await again.start()
    try:
        assert await wait_for_texts(service, created["id"], len(texts)) == texts, "all of them, once each, in order"
    finally:
        await again.close()


async def test_a_storage_error_puts_the_message_back_until_it_can_be_stored(
    service, rasa_broker, queue_name, http, caplog
) -> None:
    created = await online_agent_and_handover(service, http, "conv-pika-3")
    engine = sa.create_engine(service.config.database_url)
    try:
        with engine.begin() as connection:  # the database refuses new messages (a real storage error)
            connection.execute(sa.text("ALTER TABLE messages RENAME TO messages_away"))
        await publish(rasa_broker, said("conv-pika-3", "Is er al nieuws?", "pika-m3"))
        await asyncio.sleep(1.0)  # a few attempts, each put back
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE messages_away RENAME TO messages"))
    finally:
        engine.dispose()
    assert await wait_for_texts(service, created["id"], 1) == ["Is er al nieuws?"]
    consumer = service.app.ctx.customer_events
    await wait_until(lambda: consumer.acknowledged == 1, "the message acknowledged after it was stored")
    await consumer.close()
    refused = [r for r in caplog.records if r.name == "livechat.customer_events" and "goes back on the queue" in r.getMessage()]
    assert refused, "the storage error was met (and logged) before the message was stored"
    assert await ready_messages(queue_name) == 0


async def test_an_unreachable_rabbitmq_is_logged_and_does_not_stop_the_service(
    tmp_path, config_for, clock, fake_rasa, http, caplog
) -> None:
    from tests.processes import free_port

    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    config = config_for(f"sqlite:///{tmp_path / 'livechat.sqlite3'}", rasa_url=fake_rasa.url, rabbitmq_url=closed)
    async with running_service(config, clock) as running:
        async with http.get(f"{running.url}/health") as reply:
            assert reply.status == 200  # still serving its desks: every instance shares RabbitMQ
            assert await reply.json() == {"status": "degraded", "database": "ok", "rabbitmq": "down"}
        assert not running.app.ctx.customer_events.consuming
    errors = [r.getMessage() for r in caplog.records if r.name == "livechat.customer_events"]
    assert any("RabbitMQ at amqp://127.0.0.1:" in e and "guest" not in e for e in errors), errors
