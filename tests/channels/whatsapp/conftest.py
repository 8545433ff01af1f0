"""Fixtures for the WhatsApp channel tests: the fake WhatsApp Cloud API, the channel's settings in
the environment (pointing at the fake, local files in the test's own folder), and the channel
mounted in a real Sanic server the way `rasa run` mounts it (`tests/channels/conftest.py`)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from naadloos.channels.whatsapp import WhatsAppInput
from tests.channels.conftest import Served, StandInAgent, serving
from tests.channels.whatsapp.fake_whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeWhatsApp

TEMPLATE = "antwoord_klantenservice"


@pytest.fixture
async def fake_whatsapp() -> AsyncIterator[FakeWhatsApp]:
    fake = FakeWhatsApp()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def whatsapp_env(fake_whatsapp: FakeWhatsApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The channel's settings for the fake, no template; returns the var folder (window file, outbox)."""
    var = tmp_path / "var"
    for name, value in {
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_URL": fake_whatsapp.url, "WHATSAPP_TIMEOUT_SECONDS": "3", "NAADLOOS_VAR_DIR": str(var),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("WHATSAPP_TEMPLATE_NAME", "WHATSAPP_TEMPLATE_LANGUAGE", "NAADLOOS_WHATSAPP_DB", "NAADLOOS_OUTBOX_DB"):
        monkeypatch.delenv(name, raising=False)
    return var


@pytest.fixture
def agent() -> StandInAgent:
    return StandInAgent()


Mounted = Callable[..., AbstractAsyncContextManager[Served]]


@pytest.fixture
def mounted(whatsapp_env: Path, agent: StandInAgent) -> Mounted:
    """`mounted(channel=None)`: a Sanic server with the channel (default: as Rasa builds it from
    `credentials.yml` with an empty entry, so from the environment) and the stand-in agent."""

    def mount(channel: WhatsAppInput | None = None) -> AbstractAsyncContextManager[Served]:
        return serving([channel or WhatsAppInput.from_credentials(None)], agent)

    return mount
