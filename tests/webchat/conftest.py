"""Fixtures for the web chat tests: the live-chat service (which serves /chat) on a free port."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from sanic import Sanic

from livechat.config import LiveChatConfig
from tests.livechat.helpers import ROOT, SECRET, FakeClock, RunningService, running_service

RASA_PUBLIC_URL = "https://chat.example.nl:8443"


@pytest.fixture(scope="module", autouse=True)
def sanic_test_mode() -> Iterator[None]:
    """Several Sanic apps in one process (see tests/livechat/conftest.py)."""
    Sanic.test_mode = True
    yield
    Sanic.test_mode = False


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[RunningService]:
    config = LiveChatConfig(
        database_url=f"sqlite:///{tmp_path / 'livechat.sqlite3'}",
        shared_secret=SECRET,
        organisation_file=ROOT / "config" / "organisation.yml",
        var_dir=tmp_path / "var",
        rasa_url="http://127.0.0.1:9",
        rasa_public_url=RASA_PUBLIC_URL,
    )
    async with running_service(config, FakeClock()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
