"""Helpers for the live-chat tests: a fixed clock, the real service on a free port, a recording
stand-in for Rasa's HTTP API, and clients for the bot (signed) and for agents (cookies)."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from rasa_sdk.events import SlotSet
from yarl import URL

from actions.handover import ActionHandover
from livechat.agents import create_agent
from livechat.app import create_app
from livechat.config import LiveChatConfig
from livechat.customer_channel import CustomerChannel
from livechat.storage.db import open_engine
from naadloos.handover_contract.signing import signature_headers
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


def project_teams() -> tuple[str, ...]:
    """The live-chat teams the project configures in .env.example (LIVECHAT_TEAMS)."""
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("LIVECHAT_TEAMS="):
            return tuple(team.strip() for team in line.split("=", 1)[1].split(","))
    raise AssertionError(".env.example has no LIVECHAT_TEAMS")


PROJECT_TEAMS = project_teams()
SECRET = "test-shared-secret-" + "0123456789abcdef" * 2
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 2 March 2026, 10:00 in Amsterdam: open, not a holiday.
OPEN_MOMENT = datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)


class FakeClock:
    """A clock the test moves by hand; the service calls it like `utc_now`."""

    def __init__(self, moment: datetime = OPEN_MOMENT) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment.astimezone(timezone.utc)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, seconds: float) -> None:
        self.moment = self.moment + timedelta(seconds=seconds)


@dataclass
class RunningService:
    url: str
    config: LiveChatConfig
    clock: FakeClock
    app: Any
    server: Any

    def api(self, path: str) -> str:
        return f"{self.url}/api{path}"

    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/desk/ws"


@asynccontextmanager
async def running_service(
    config: LiveChatConfig, clock: FakeClock, channel: CustomerChannel | None = None, background_tasks: bool = False
) -> AsyncIterator[RunningService]:
    """The real Sanic server on a free port, started and stopped with all its listeners."""
    app = create_app(
        config, clock=clock, customer_channel=channel, name=f"livechat_{uuid.uuid4().hex[:12]}",
        background_tasks=background_tasks,
    )
    port = free_port()
    # create_server binds the socket already; the listeners run next, before any test request.
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield RunningService(f"http://127.0.0.1:{port}", config, clock, app, server)
    finally:
        await server.before_stop()
        for connection in list(server.connections):
            connection.close_if_idle()
        server.close()
        await server.wait_closed()
        for connection in list(server.connections):
            if getattr(connection, "websocket", None) is not None:
                connection.websocket.end_connection(1001)
            else:
                connection.abort()
        await server.after_stop()
        await asyncio.sleep(0.01)  # let cancelled websocket tasks finish before the loop closes


@dataclass
class FakeRasa:
    """A stand-in for Rasa's HTTP API: records every request; `mode` is 'ok', 'error' or 'slow'."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"
    delay: float = 3.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.requests.append(
            {"method": request.method, "path": request.raw_path.split("?")[0], "query": dict(request.query),
             "json": json.loads(body) if body else None, "content_type": request.content_type}
        )
        if self.mode == "error":
            return web.json_response({"status": "failure"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        return web.json_response({"events": []})


class Bot:
    """Signs its calls like the bot side does; `signed` + `send` let a test capture and replay one."""

    def __init__(self, session: aiohttp.ClientSession, service: RunningService) -> None:
        self.session = session
        self.service = service

    def signed(
        self, method: str, path: str, body: bytes = b"", timestamp: float | None = None
    ) -> tuple[URL, dict[str, str]]:
        """The URL of `path` (under /api) and the headers that sign `method` + that URL + `body`."""
        url = URL(self.service.api(path))
        moment = self.service.clock().timestamp() if timestamp is None else timestamp
        signature = signature_headers(SECRET, method, url.raw_path_qs, body, timestamp=int(moment))
        return url, {"Content-Type": "application/json", **signature}

    async def send(self, method: str, url: URL, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        """Sends exactly these bytes and headers (a captured request, or a tampered one)."""
        async with self.session.request(method, url, data=body or None, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)

    async def post(self, path: str, payload: Any, timestamp: float | None = None) -> tuple[int, Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        url, headers = self.signed("POST", path, body, timestamp)
        return await self.send("POST", url, body, headers)

    async def get(self, path: str) -> tuple[int, Any]:
        url, headers = self.signed("GET", path)
        return await self.send("GET", url, b"", headers)


class AgentClient:
    """An agent's browser: its own cookie jar (unsafe=True: cookies for 127.0.0.1)."""

    def __init__(self, service: RunningService, username: str, password: str) -> None:
        self.service = service
        self.username = username
        self.password = password
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def login(self) -> tuple[int, Any]:
        return await self.post("/agents/login", {"username": self.username, "password": self.password})

    async def post(self, path: str, payload: Any = None) -> tuple[int, Any]:
        async with self.session.post(self.service.api(path), json=payload if payload is not None else {}) as reply:
            return reply.status, await reply.json(content_type=None)

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.service.api(path)) as reply:
            return reply.status, await reply.json(content_type=None)

    async def close(self) -> None:
        await self.session.close()


async def create_agent_client(
    service: RunningService, username: str, name: str | None = None, teams: list[str] | None = None, login: bool = True
) -> AgentClient:
    """Creates the agent in the service's database (as the CLI does) and returns their client."""

    def create() -> str:
        engine = open_engine(service.config.database_url)
        try:
            return create_agent(engine, username, name or username.title(), teams or list(service.config.teams))
        finally:
            engine.dispose()

    client = AgentClient(service, username, await asyncio.to_thread(create))
    if login:
        status, body = await client.login()
        assert status == 200, body
    return client


def handover_payload(conversation_id: str = "conv-1", key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid hand-over body as the bot sends it."""
    payload: dict[str, Any] = {
        "conversation_id": conversation_id,
        "idempotency_key": key or f"handover-{conversation_id}",
        "channel": "socketio",
        "reason": "request_human",
        "priority": "normal",
        "team": "klantenservice",
        "summary": "Klant wil een medewerker spreken over een te hoge jaarafrekening.",
        "customer": {"name": "Jan Jansen", "customer_number": "12345678"},
        "slots": {"postcode": "3511 AB", "house_number": "12"},
        "transcript": [
            {"role": "user", "text": "Mijn jaarafrekening is veel te hoog", "timestamp": 1772442000.0,
             "intent": {"name": "faq/jaarafrekening", "confidence": 0.62}, "entities": []},
            {"role": "bot", "text": "Wat vervelend! Kan ik je hiermee helpen?", "timestamp": 1772442001.0},
            {"role": "user", "text": "ik wil een medewerker spreken", "timestamp": 1772442010.0,
             "intent": {"name": "request_human", "confidence": 0.97},
             "entities": [{"entity": "customer_number", "value": "12345678", "start": 0, "end": 8}]},
        ],
        "events": [
            {"event": "action", "name": "action_session_start", "timestamp": 1772442000.0},
            {"event": "user", "text": "Mijn jaarafrekening is veel te hoog", "timestamp": 1772442000.0},
        ],
    }
    payload.update(overrides)
    return payload


def ticket_payload(conversation_id: str = "conv-t", key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid ticket body as the bot sends it when no colleague can take over."""
    sent = handover_payload(conversation_id)
    payload: dict[str, Any] = {
        "conversation_id": conversation_id,
        "idempotency_key": key or f"ticket-{conversation_id}-1",
        "channel": "socketio",
        "reason": "no_agents",
        "summary": sent["summary"],
        "customer": sent["customer"],
        "transcript": sent["transcript"],
        "contact_preference": "e-mail",
    }
    payload.update(overrides)
    return payload


def callback_payload(conversation_id: str = "conv-c", key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid callback request as the bot sends it."""
    payload: dict[str, Any] = {
        "conversation_id": conversation_id,
        "idempotency_key": key or f"callback-{conversation_id}-1",
        "name": "Jan Jansen",
        "phone": "06-12345678",
        "preferred_moment": "morgenochtend na 9 uur",
    }
    payload.update(overrides)
    return payload


async def fetch_page(http: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    """GETs an HTML page, checks the security headers every page gets, returns (html, its CSP)."""
    async with http.get(url) as reply:
        assert reply.status == 200
        assert reply.content_type == "text/html"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        return await reply.text(), reply.headers["Content-Security-Policy"]


SUNDAY_EVENING = datetime(2026, 3, 1, 21, 0, tzinfo=AMSTERDAM)  # customer service is closed


async def handover(dispatcher: Any, tracker: Any, domain: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs action_handover as the action server does."""
    return await ActionHandover().run(dispatcher, tracker, domain)


def settled(reason: str, priority: str) -> list[SlotSet]:
    """What every hand-over sets first: reason and priority, and the failure count reset."""
    return [
        SlotSet("escalation_reason", reason),
        SlotSet("escalation_priority", priority),
        SlotSet("escalation_due", False),
        SlotSet("failed_turns", 0.0),
    ]
