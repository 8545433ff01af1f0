"""Fixtures for the Chatwoot back end and its webhook receiver: the fake Chatwoot and a Rasa
recorder as real HTTP servers on free ports, the back end against them with its own links file,
the organisation open around the clock (or at a chosen moment), and the receiver (Sanic) running
in the test's event loop."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sanic import Sanic

from naadloos.core.organisation import Organisation, load_organisation
from naadloos.handover_contract.chatwoot.backend import ChatwootBackend
from naadloos.handover_contract.chatwoot.bridge import create_app
from naadloos.handover_contract.chatwoot.links import ChatwootLinks
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.schema import HandoverRequest
from tests.chatwoot.fake_chatwoot import FakeChatwoot, RasaRecorder, free_port, serve
from tests.chatwoot.polderstroom import backend_for, served
from tests.processes import ROOT, always_open_organisation

WEBHOOK_SECRET = "chatwoot-webhook-secret-0123456789"
WEBHOOK_TOKEN = "a1" * 24  # 48 letters and digits
RASA_TOKEN = "rasa-token-for-tests"
TEAMS = {"klantenservice": 1, "fraude": 2}
# A Wednesday afternoon in Amsterdam: open; the same Sunday at night: closed; Christmas: a holiday.
WEDNESDAY_AFTERNOON = datetime(2026, 3, 11, 13, 0, tzinfo=timezone.utc)
SUNDAY_NIGHT = datetime(2026, 3, 15, 2, 0, tzinfo=timezone.utc)
CHRISTMAS_NOON = datetime(2026, 12, 25, 11, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session", autouse=True)
def sanic_test_mode() -> Iterator[None]:
    """Sanic 21.12 needs its test switch for several apps in one process (see tests/livechat)."""
    Sanic.test_mode = True
    yield
    Sanic.test_mode = False


@pytest.fixture(scope="session")
def always_open(tmp_path_factory: pytest.TempPathFactory) -> Organisation:
    return load_organisation(always_open_organisation(tmp_path_factory.mktemp("organisation")))


@pytest.fixture(scope="session")
def project_organisation() -> Organisation:
    return load_organisation(ROOT / "config" / "organisation.yml")


@pytest.fixture
async def chatwoot() -> AsyncIterator[FakeChatwoot]:
    async with served(FakeChatwoot(webhook_secret=WEBHOOK_SECRET)) as fake:  # everyone offline
        yield fake


@pytest.fixture
async def rasa() -> AsyncIterator[RasaRecorder]:
    recorder = RasaRecorder()
    runner, recorder.url = await serve(recorder.app())
    try:
        yield recorder
    finally:
        await runner.cleanup()


@pytest.fixture
def links(tmp_path: Path) -> ChatwootLinks:
    return ChatwootLinks(tmp_path / "chatwoot.sqlite3")


@pytest.fixture
def settings(chatwoot: FakeChatwoot, rasa: RasaRecorder, links: ChatwootLinks, tmp_path: Path) -> ChatwootSettings:
    return ChatwootSettings(
        url=chatwoot.url, account_id=chatwoot.account_id, inbox_id=chatwoot.inbox_id, teams=TEAMS,
        timeout_seconds=1.0, links_db=tmp_path / "chatwoot.sqlite3", webhook_window_seconds=300,
        bridge_host="127.0.0.1", bridge_port=0, rasa_url=rasa.url, api_token=chatwoot.token,
        webhook_secret=WEBHOOK_SECRET, webhook_token=WEBHOOK_TOKEN,
    )


@pytest.fixture
def make_backend(
    settings: ChatwootSettings, links: ChatwootLinks, always_open: Organisation
) -> Callable[..., ChatwootBackend]:
    """A back end against the fake; `organisation`/`now` choose the opening hours and the moment."""

    def make(
        organisation: Organisation | None = None, now: datetime = WEDNESDAY_AFTERNOON, **changes: object
    ) -> ChatwootBackend:
        return backend_for(replace(settings, **changes), links, organisation or always_open, now)  # type: ignore[arg-type]

    return make


@pytest.fixture
def backend(make_backend: Callable[..., ChatwootBackend]) -> ChatwootBackend:
    return make_backend()


def handover_request(sender: str = "web-7f3a9c", key: str = "handover-1", **changes: object) -> HandoverRequest:
    """What action_handover sends for a customer who asked for a person after a question."""
    request = HandoverRequest(
        conversation_id=sender,
        idempotency_key=key,
        channel="socketio",
        reason="customer_request",
        priority="normal",
        team="klantenservice",
        summary='Klant vraagt om een medewerker\nLaatste vraag: "mijn jaarafrekening is veel te hoog"',
        customer={"klantnummer": "12345678"},
        transcript=[
            {"role": "user", "text": "mijn jaarafrekening is veel te hoog", "message_id": "m1",
             "timestamp": 1773233400.0, "intent": {"name": "faq/annual_statement", "confidence": 0.91}},
            {"role": "bot", "text": "Je jaarafrekening vind je in Mijn Polderstroom.", "timestamp": 1773233401.0},
            {"role": "user", "text": "ik wil een medewerker spreken", "message_id": "m2", "timestamp": 1773233460.0,
             "intent": {"name": "request_human", "confidence": 0.97}},
        ],
        slots={"customer_number": "12345678"},
        events=[{"event": "user", "text": "ik wil een medewerker spreken"}],
    )
    return replace(request, **changes)  # type: ignore[arg-type]


@dataclass
class Receiver:
    url: str
    app: Sanic

    @property
    def webhook(self) -> str:
        return f"{self.url}/chatwoot/webhook"


@pytest.fixture
async def receiver(settings: ChatwootSettings, chatwoot: FakeChatwoot) -> AsyncIterator[Receiver]:
    """The webhook receiver on a free port; the fake Chatwoot sends its webhooks there."""
    async for running in run_receiver(settings):
        chatwoot.webhook_url = running.webhook
        yield running


async def run_receiver(settings: ChatwootSettings, name: str | None = None) -> AsyncIterator[Receiver]:
    app = create_app(settings, rasa_token=RASA_TOKEN, name=name or f"bridge_{free_port()}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield Receiver(f"http://127.0.0.1:{port}", app)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        await asyncio.sleep(0.01)
