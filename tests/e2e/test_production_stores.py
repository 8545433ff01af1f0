"""Production endpoints against the machine's real PostgreSQL, Redis and RabbitMQ: Rasa keeps
conversations in PostgreSQL across a restart, takes its conversation locks in Redis and publishes
the customer's messages to RabbitMQ for the live chat."""
from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import psycopg2
import pytest
import redis
import requests

from tests.e2e.conftest import BIN, MODEL, STARTUP_TIMEOUT_SECONDS
from tests.processes import free_port, start_process, stop_process, wait_until_up

PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for Rasa's tracker store, dropped afterwards."""
    if os.environ.get("NAADLOOS_SKIP_POSTGRES") == "1":
        pytest.skip("NAADLOOS_SKIP_POSTGRES=1")
    name = f"rasa_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(connect_timeout=3, **PG_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def redis_set_calls() -> int:
    stats = redis.Redis(host="127.0.0.1", port=6379).info("commandstats")
    return int(stats.get("cmdstat_set", {}).get("calls", 0))


RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


async def take_published_events(queue_name: str) -> list[dict]:
    """Everything Rasa published to `queue_name`; the queue is deleted afterwards."""
    connection = await aio_pika.connect_robust(RABBITMQ_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True)
        events = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            events.append(json.loads(message.body))
        await queue.delete(if_unused=False, if_empty=False)
    return events


async def wait_for_published(queue_name: str, seconds: float = 60.0) -> None:
    """Until Rasa's pika broker has put something on `queue_name`. It connects in the background
    and publishes what came before once connected; on a busy machine that can take a while, and
    the test must not stop Rasa before it did."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    connection = await aio_pika.connect_robust(RABBITMQ_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        while True:
            try:
                queue = await channel.declare_queue(queue_name, durable=True, passive=True)
                if queue.declaration_result.message_count:
                    return
            except aio_pika.exceptions.ChannelClosed:  # not declared yet: Rasa has not connected
                channel = await connection.channel()
            if loop.time() > deadline:
                return  # the assertion after the test names what is missing
            await asyncio.sleep(0.25)


def start_rasa(env: dict[str, str], port: int, log: Path):
    process = start_process(
        [str(BIN / "rasa"), "run", "--enable-api", "--port", str(port), "--model", str(MODEL),
         "--endpoints", "config/endpoints.production.yml", "--credentials", "credentials.yml"],
        env,
        log,
    )
    wait_until_up(f"http://127.0.0.1:{port}/status", process, log, STARTUP_TIMEOUT_SECONDS)
    return process


def test_conversations_survive_a_restart_and_locks_use_redis(database: str, tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "LIVECHAT_URL": f"http://127.0.0.1:{free_port()}",
        "LIVECHAT_SHARED_SECRET": "production-test-secret-" + "0" * 32,
        "RASA_DB_HOST": "127.0.0.1", "RASA_DB_PORT": "5432", "RASA_DB_NAME": database,
        "RASA_DB_USER": "postgres", "RASA_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "1",
        "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest", "RABBITMQ_QUEUE": f"naadloos-test-{uuid.uuid4().hex[:8]}",
    }
    actions = start_process([str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)], env, tmp_path / "actions.log")
    lock_writes_before = redis_set_calls()
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, tmp_path / "actions.log", STARTUP_TIMEOUT_SECONDS)
        rasa = start_rasa(env, rasa_port, tmp_path / "rasa-1.log")
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", json={"sender": sender, "message": "hallo"}, timeout=60
        ).json()
        assert "Polderstroom" in reply[0]["text"]
        asyncio.run(wait_for_published(env["RABBITMQ_QUEUE"]))
        stop_process(rasa)

        rasa = start_rasa(env, rasa_port, tmp_path / "rasa-2.log")
        tracker = requests.get(f"http://127.0.0.1:{rasa_port}/conversations/{sender}/tracker", timeout=30).json()
        stop_process(rasa)
    finally:
        stop_process(actions)
        published = asyncio.run(take_published_events(env["RABBITMQ_QUEUE"]))

    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["hallo"]
    assert redis_set_calls() > lock_writes_before  # Rasa's lock store writes its locks with SET
    assert [(e["sender_id"], e["text"]) for e in published if e.get("event") == "user"] == [(sender, "hallo")]
