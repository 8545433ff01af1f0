"""The durable pika broker's local file (`naadloos.brokers.event_spool`) and what the broker keeps
while RabbitMQ cannot be reached (`naadloos.brokers.durable_pika`), against a real refused port:
kept in order, newer events behind older ones, one error in the log, kept across a stop."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from naadloos.brokers.durable_pika import DurablePikaEventBroker
from naadloos.brokers.event_spool import EventSpool, SpoolTaken, slot_path
from naadloos.core.backoff import Backoff
from naadloos.evaluation.processes import free_port


def test_kept_events_come_back_oldest_first_and_go_once_published(tmp_path: Path) -> None:
    spool = EventSpool.claim(tmp_path / "pika-events.sqlite3")
    try:
        spool.keep([('{"n": 1}', None), ('{"n": 2}', {"x": "1"})])
        spool.keep([('{"n": 3}', None)])
        kept = spool.oldest(10)
        assert [(e.body, e.headers) for e in kept] == [('{"n": 1}', None), ('{"n": 2}', {"x": "1"}), ('{"n": 3}', None)]
        assert [e.body for e in spool.oldest(2)] == ['{"n": 1}', '{"n": 2}']
        spool.forget_through(kept[1].row_id)
        assert [e.body for e in spool.oldest(10)] == ['{"n": 3}'] and spool.count() == 1
        spool.keep([('{"n": 4}', None)])  # a new row never takes a published one's place
        assert [e.body for e in spool.oldest(10)] == ['{"n": 3}', '{"n": 4}']
    finally:
        spool.release()


def test_each_broker_claims_a_slot_of_its_own_and_a_released_one_is_taken_again(tmp_path: Path) -> None:
    first = tmp_path / "pika-events.sqlite3"
    one, two = EventSpool.claim(first), EventSpool.claim(first)
    assert (one.database, two.database) == (first, tmp_path / "pika-events-2.sqlite3") == (first, slot_path(first, 2))
    one.keep([('{"n": 1}', None)])
    with pytest.raises(SpoolTaken):
        EventSpool.claim(first, max_slots=2)
    one.release()
    again = EventSpool.claim(first)  # e.g. Rasa started again after a crash: what waited is there
    assert again.database == first and [e.body for e in again.oldest(10)] == ['{"n": 1}']
    for spool in (two, again):
        spool.release()


def test_unreadable_headers_are_left_out_not_the_event(tmp_path: Path) -> None:
    spool = EventSpool.claim(tmp_path / "pika-events.sqlite3")
    try:
        spool.keep([('{"n": 1}', None)])
        import sqlite3

        with sqlite3.connect(spool.database) as connection:
            connection.execute("UPDATE events SET headers = 'niet json'")
        assert [(e.body, e.headers) for e in spool.oldest(10)] == [('{"n": 1}', None)]
    finally:
        spool.release()


def unreachable_broker(spool_file: Path) -> DurablePikaEventBroker:
    """A broker for a port where nothing listens (connection refused), retrying quickly."""
    return DurablePikaEventBroker(
        "127.0.0.1", "guest", "guest", port=free_port(), queues=["naadloos-test"], spool_file=spool_file,
        backoff=Backoff(0.05, 0.1),
    )


def event(conversation: str, n: int) -> dict[str, object]:
    return {"event": "user", "sender_id": conversation, "text": f"bericht {n}", "message_id": f"{conversation}-{n}"}


async def wait_for(check, seconds: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, "never happened"
        await asyncio.sleep(0.02)


async def test_while_rabbitmq_is_unreachable_events_are_kept_in_order_with_one_error(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="naadloos.brokers.durable_pika")
    spool_file = tmp_path / "pika-events.sqlite3"
    broker = unreachable_broker(spool_file)
    await broker.connect(wait_seconds=0.2)  # does not fail Rasa's start
    assert not broker.is_ready()
    events = [event("a", 1), event("b", 1), event("a", 2)]
    for one in events[:2]:
        broker.publish(one)
    await wait_for(lambda: broker.spool is not None and broker.spool.count() == 2)
    broker.publish(events[2])  # comes in while older ones wait: goes behind them
    await wait_for(lambda: broker.spool is not None and broker.spool.count() == 3)
    await wait_for(lambda: broker._backoff.failures >= 5)  # several attempts, still one error
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and f"RabbitMQ at amqp://127.0.0.1:{broker.port}/ is unreachable" in errors[0], errors
    broker.publish(event("b", 2))
    await broker.close()  # Rasa stops while RabbitMQ is down: what waited in memory is kept too

    again = unreachable_broker(spool_file)  # Rasa starts again: same slot, same events, same order
    await again.connect(wait_seconds=0.1)
    assert again.spool is not None and again.spool.database == spool_file
    kept = [json.loads(e.body) for e in again.spool.oldest(10)]
    assert kept == [*events, event("b", 2)]
    await again.close()


async def test_an_event_that_is_not_json_is_refused_without_raising(tmp_path: Path, caplog) -> None:
    broker = unreachable_broker(tmp_path / "pika-events.sqlite3")
    broker.publish({"event": "user", "sender_id": "a", "text": object()})  # never raises into Rasa
    assert broker.waiting_in_memory == 0
    assert "cannot be written as JSON" in caplog.text
