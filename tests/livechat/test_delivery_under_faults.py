"""Delivery under faults (issue 9): messages in both directions survive a short outage of the other
side and arrive in order, exactly once, or the agent sees that one did not arrive.

Customer -> desk: the real event broker against the real live-chat service (`python -m livechat`
as a subprocess), stopped and started again on the same port. Agent -> customer: the real service
against a small HTTP server that plays Rasa's tracker API as the service calls it (append events,
read the tracker), stopped and started again on the same port.
"""
from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from livechat.customer_channel import RasaCustomerChannel
from livechat.storage import handovers as store
from livechat.storage.db import open_engine
from livechat.storage.handovers import NewHandover
from naadloos.handover_contract.event_broker import LiveChatEventBroker
from tests.domain_wording import RESUME_TEXT
from tests.livechat.helpers import SECRET, Bot, create_agent_client, handover_payload, running_service
from tests.processes import free_port, livechat_env, start_livechat, stop_process

CONVERSATION = "klant-storing"


# --- customer -> desk: the event broker against the real service, stopped and started ------------
class LiveChatProcess:
    """`python -m livechat` on a fixed port and SQLite file, to stop and start like an operator."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.log = work / "livechat.log"
        self.env = livechat_env(work, self.port, SECRET, RASA_URL=f"http://127.0.0.1:{free_port()}")
        self.database_url = self.env["LIVECHAT_DATABASE_URL"]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = start_livechat(self.env, self.log)

    def stop(self) -> None:
        assert self.process is not None
        stop_process(self.process)

    def open_handover(self, conversation_id: str) -> int:
        """A queued hand-over, stored as the service stores it (no opening hours in the way)."""
        engine = open_engine(self.database_url)
        try:
            payload = handover_payload(conversation_id)
            new = NewHandover(
                **{key: payload[key] for key in ("conversation_id", "idempotency_key", "channel", "reason", "priority",
                                                 "team", "summary", "customer", "slots", "transcript")},
                raw_events=payload["events"],
            )
            handover, _ = store.create_handover(engine, new, datetime.now(timezone.utc), 10)
            return handover.id
        finally:
            engine.dispose()

    def customer_messages(self, handover_id: int) -> list[tuple[str, str | None]]:
        engine = open_engine(self.database_url)
        try:
            return [(m.text, m.external_id) for m in store.list_messages(engine, handover_id) if m.sender == "customer"]
        finally:
            engine.dispose()


@pytest.fixture
def livechat(tmp_path: Path) -> Iterator[LiveChatProcess]:
    process = LiveChatProcess(tmp_path)
    process.start()
    yield process
    if process.process is not None:
        process.stop()


@pytest.fixture
def rasa_side(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The environment of the Rasa process that loads the broker; returns its outbox file."""
    outbox = tmp_path / "rasa" / "outbox.sqlite3"
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    monkeypatch.setenv("NAADLOOS_OUTBOX_DB", str(outbox))
    return outbox


async def start_broker(livechat: LiveChatProcess) -> LiveChatEventBroker:
    """The broker as Rasa creates it from endpoints.yml."""
    return await LiveChatEventBroker.from_endpoint_config(EndpointConfig(url=livechat.url))


def customer_says(broker: LiveChatEventBroker, text: str, message_id: str) -> None:
    broker.publish(
        {"event": "user", "sender_id": CONVERSATION, "text": text, "message_id": message_id, "timestamp": time.time()}
    )


async def eventually(check: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = await asyncio.to_thread(check) if not asyncio.iscoroutinefunction(check) else await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


async def test_customer_messages_typed_while_the_live_chat_is_down_reach_the_desk_in_order_once(
    livechat: LiveChatProcess, rasa_side: Path
) -> None:
    handover_id = livechat.open_handover(CONVERSATION)
    broker = await start_broker(livechat)
    try:
        customer_says(broker, "Hallo, is daar iemand?", "m1")
        assert await eventually(lambda: livechat.customer_messages(handover_id))

        await asyncio.to_thread(livechat.stop)
        for number, text in enumerate(["Mijn meter staat stil", "Meterstand 12345", "Hallo??"], start=2):
            customer_says(broker, text, f"m{number}")
            await asyncio.sleep(0.3)  # a customer types; the broker tries and meets a closed port
        await asyncio.to_thread(livechat.start)
        customer_says(broker, "Ben je er weer?", "m5")  # must not overtake the ones that wait

        expected = [
            ("Hallo, is daar iemand?", "m1"), ("Mijn meter staat stil", "m2"), ("Meterstand 12345", "m3"),
            ("Hallo??", "m4"), ("Ben je er weer?", "m5"),
        ]
        await eventually(lambda: len(livechat.customer_messages(handover_id)) >= len(expected))
        await asyncio.sleep(0.5)  # time for a duplicate to show up, if one were sent
        assert livechat.customer_messages(handover_id) == expected
    finally:
        await broker.close()


async def test_customer_messages_kept_by_the_broker_survive_a_rasa_restart(
    livechat: LiveChatProcess, rasa_side: Path
) -> None:
    handover_id = livechat.open_handover(CONVERSATION)
    await asyncio.to_thread(livechat.stop)
    broker = await start_broker(livechat)
    customer_says(broker, "Zijn jullie er nog?", "r1")
    customer_says(broker, "Ik wacht wel even", "r2")
    await asyncio.sleep(0.3)
    await broker.close()  # Rasa stops while the live chat is still down

    await asyncio.to_thread(livechat.start)
    restarted = await start_broker(livechat)  # Rasa starts again; nobody types
    try:
        await eventually(lambda: len(livechat.customer_messages(handover_id)) >= 2)
        await asyncio.sleep(0.5)
        assert livechat.customer_messages(handover_id) == [("Zijn jullie er nog?", "r1"), ("Ik wacht wel even", "r2")]
    finally:
        await restarted.close()


# --- agent -> customer: the service against a stand-in Rasa, stopped and started -----------------
class RasaStandIn:
    """Plays the two calls the service makes to Rasa: append events to a conversation's tracker
    (`POST /conversations/<id>/tracker/events`) and read that tracker (`GET .../tracker`).
    `mode`: 'ok'; 'error' (HTTP 500); 'late' (the events are stored, the answer comes too late)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.trackers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.posts = 0
        self.mode = "ok"
        self.refused_texts: set[str] = set()  # posts with a bot event of one of these texts get HTTP 500
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/conversations/{conversation}/tracker/events", self._append)
        app.router.add_get("/conversations/{conversation}/tracker", self._tracker)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _append(self, request: web.Request) -> web.Response:
        self.posts += 1
        body = await request.json()
        events = body if isinstance(body, list) else [body]
        if self.mode == "error" or any(event.get("text") in self.refused_texts for event in events):
            return web.json_response({"status": "failure"}, status=500)
        self.trackers[request.match_info["conversation"]].extend(events)
        if self.mode == "late":
            await asyncio.sleep(1.0)
        return web.json_response({"events": self.trackers[request.match_info["conversation"]]})

    async def _tracker(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        return web.json_response({"sender_id": conversation, "events": self.trackers[conversation]})

    def said(self, conversation: str) -> list[str]:
        return [event["text"] for event in self.trackers[conversation] if event.get("event") == "bot"]


@pytest.fixture
async def rasa() -> AsyncIterator[RasaStandIn]:
    stand_in = RasaStandIn()
    await stand_in.start()
    yield stand_in
    if stand_in._runner is not None:
        await stand_in._runner.cleanup()


@asynccontextmanager
async def desk_with_handover(database_url: str, config_for, clock, rasa: RasaStandIn) -> AsyncIterator[Any]:
    """The service (background tasks on) with agent Sanne holding an accepted hand-over."""
    channel = RasaCustomerChannel(rasa.url, "rasa-token", timeout_seconds=0.3)
    config = config_for(database_url, rasa_url=rasa.url)
    async with running_service(config, clock, channel, background_tasks=True) as service:
        agent = await create_agent_client(service, "sanne", "Sanne")
        try:
            async with aiohttp.ClientSession() as http:
                _, created = await Bot(http, service).post("/handovers", handover_payload(CONVERSATION))
            status, _ = await agent.post(f"/handovers/{created['id']}/accept")
            assert status == 200
            yield service, agent, created["id"]
        finally:
            await agent.close()


async def agent_messages(agent, handover_id: int) -> list[tuple[str, str]]:
    _, detail = await agent.get(f"/handovers/{handover_id}")
    return [(m["text"], m["delivery_status"]) for m in detail["messages"] if m["sender"] == "agent"]


async def test_agent_messages_written_while_rasa_is_down_reach_the_customer_in_order_once_it_is_back(
    database_url, config_for, clock, rasa: RasaStandIn
) -> None:
    async with desk_with_handover(database_url, config_for, clock, rasa) as (service, agent, handover_id):
        await rasa.stop()
        for text in ["Ik kijk het na.", "Een moment nog.", "Gevonden!"]:
            status, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": text})
            assert status == 201 and body["delivery"]["delivered"] is False
            assert body["message"]["delivery_status"] == "pending", "not delivered yet, but not given up"
        await rasa.start()

        async def all_delivered() -> bool:
            return all(status == "delivered" for _, status in await agent_messages(agent, handover_id))

        assert await eventually(all_delivered), await agent_messages(agent, handover_id)
        status, _ = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Nog iets?"})
        await asyncio.sleep(0.5)
        said = rasa.said(CONVERSATION)
        assert said[1:] == ["Ik kijk het na.", "Een moment nog.", "Gevonden!", "Nog iets?"]
        assert said[0].startswith("Je praat nu met Sanne")


async def test_a_message_rasa_stored_but_answered_too_late_is_not_sent_twice(
    database_url, config_for, clock, rasa: RasaStandIn
) -> None:
    """The outcome is unknown (a timeout, or a crash between sending and marking): before trying
    again the service asks Rasa's tracker whether the message is already there."""
    async with desk_with_handover(database_url, config_for, clock, rasa) as (service, agent, handover_id):
        rasa.mode = "late"
        status, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Dit komt één keer aan."})
        assert status == 201 and body["message"]["delivery_status"] == "pending"
        rasa.mode = "ok"
        await agent.post(f"/handovers/{handover_id}/messages", {"text": "En dit daarna."})

        async def all_delivered() -> bool:
            return all(status == "delivered" for _, status in await agent_messages(agent, handover_id))

        assert await eventually(all_delivered), await agent_messages(agent, handover_id)
        await asyncio.sleep(0.5)
        assert rasa.said(CONVERSATION)[1:] == ["Dit komt één keer aan.", "En dit daarna."]


async def test_the_agent_sees_that_a_message_finally_was_not_delivered(
    database_url, config_for, clock, rasa: RasaStandIn
) -> None:
    async with desk_with_handover(database_url, config_for, clock, rasa) as (service, agent, handover_id):
        await rasa.stop()
        async with agent.session.ws_connect(service.ws_url()) as ws:
            _, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Ben je er nog?"})
            assert body["message"]["delivery_status"] == "pending"  # first it waits for Rasa to come back
            clock.advance(60 * 60)  # the outage lasts too long: the service gives up and says so
            event: dict[str, Any] = {}
            while event.get("type") != "delivery_failed":
                event = await asyncio.wait_for(ws.receive_json(), timeout=15)
            assert event["message"]["text"] == "Ben je er nog?"
            assert event["message"]["delivery_status"] == "failed"
            assert "not delivered within" in event["error"]
        assert await agent_messages(agent, handover_id) == [("Ben je er nog?", "failed")]
        await rasa.start()
        await asyncio.sleep(1.5)
        assert "Ben je er nog?" not in rasa.said(CONVERSATION), "a message given up on never turns up late"


# --- closing: the agent's last words, then the bot takes over; never a message after that -------
async def wait_for_event(ws: aiohttp.ClientWebSocketResponse, wanted: str) -> dict[str, Any]:
    event: dict[str, Any] = {}
    while event.get("type") != wanted:
        event = await asyncio.wait_for(ws.receive_json(), timeout=15)
    return event


async def test_the_resume_waits_for_the_agents_last_message_and_is_retried_without_the_agent(
    database_url, config_for, clock, rasa: RasaStandIn
) -> None:
    """Rasa cannot take the agent's goodbye but would take the resume: the resume waits behind it
    (it would otherwise arrive first and the goodbye after the bot took over), and once Rasa takes
    messages again the background task delivers both, in order, without the agent closing again."""
    async with desk_with_handover(database_url, config_for, clock, rasa) as (service, agent, handover_id):
        rasa.refused_texts = {"Fijne dag verder!"}
        status, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Fijne dag verder!"})
        assert status == 201 and body["message"]["delivery_status"] == "pending"
        status, closed = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
        assert status == 200 and closed["handover"]["status"] == "closed"
        assert closed["resume"]["delivered"] is False, "not resumed while the goodbye still waits"
        assert RESUME_TEXT not in rasa.said(CONVERSATION)

        rasa.refused_texts = set()
        assert await eventually(lambda: RESUME_TEXT in rasa.said(CONVERSATION)), rasa.said(CONVERSATION)
        assert rasa.said(CONVERSATION)[-2:] == ["Fijne dag verder!", RESUME_TEXT]
        _, detail = await agent.get(f"/handovers/{handover_id}")
        assert [m["delivery_status"] for m in detail["messages"] if m["sender"] == "agent"] == ["delivered"]
        assert (await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"}))[0] == 409


async def test_a_message_still_waiting_after_the_resume_is_failed_and_never_sent(
    database_url, config_for, clock, rasa: RasaStandIn
) -> None:
    """A message stored while the hand-over was being closed (a request that raced the close) is
    still pending after the resume arrived: it is marked failed, the desk is told, and it is never
    sent, because the customer talks to the bot again."""
    async with desk_with_handover(database_url, config_for, clock, rasa) as (service, agent, handover_id):
        status, closed = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
        assert closed["resume"]["delivered"] is True
        async with agent.session.ws_connect(service.ws_url()) as ws:
            engine = open_engine(service.config.database_url)
            try:
                late, _ = store.add_message(engine, handover_id, "agent", "Nog één ding!", clock(), delivery_status="pending")
            finally:
                engine.dispose()
            event = await wait_for_event(ws, "delivery_failed")
        assert event["message"]["id"] == late.id and event["message"]["delivery_status"] == "failed"
        assert "digital assistant" in event["error"]
        await asyncio.sleep(1.5)
        assert "Nog één ding!" not in rasa.said(CONVERSATION)
        assert rasa.said(CONVERSATION)[-1] == RESUME_TEXT


# --- item 13: one warning per Rasa outage, and backoff ---------------------------------------------
@contextmanager
def livechat_log(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[int], list[str]]]:
    """What the desk logs, its way to the customer (the contract's customer channel) included."""
    loggers = ("livechat", "naadloos.handover_contract.customer_channel")
    for name in loggers:
        caplog.set_level(logging.INFO, logger=name)
    yield lambda level: [r.getMessage() for r in caplog.records if r.name.startswith(loggers) and r.levelno == level]


async def test_a_rasa_outage_is_logged_once_and_retried_with_backoff(
    database_url, config_for, clock, rasa: RasaStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    config = config_for(database_url, rasa_url=rasa.url, accept_timeout_seconds=1)  # checks every 0.25 s
    channel = RasaCustomerChannel(rasa.url, timeout_seconds=0.3)
    with livechat_log(caplog) as logged:
        async with running_service(config, clock, channel, background_tasks=True) as service:
            await create_agent_client(service, "sanne")
            async with aiohttp.ClientSession() as http:
                for number in range(3):
                    await Bot(http, service).post("/handovers", handover_payload(f"wacht-{number}"))
            rasa.mode = "error"
            clock.advance(5)  # all three waited too long: each should be offered the alternatives
            await asyncio.sleep(3.5)
            attempts_during_outage = rasa.posts
            warnings = [line for line in logged(logging.WARNING) if "Rasa" in line]
            rasa.mode = "ok"
            assert await eventually(lambda: all(rasa.said(f"wacht-{n}") for n in range(3)), seconds=20)
            infos = logged(logging.INFO)

    assert len(warnings) == 1, warnings
    assert attempts_during_outage <= 6, f"{attempts_during_outage} calls to a failing Rasa in 3.5 s: no backoff"
    assert len([line for line in infos if "Rasa" in line and "again" in line]) == 1, infos
