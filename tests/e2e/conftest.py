"""Starts the real assistant for end-to-end tests on free localhost ports, with the trained model
from `make train`: `assistant_url` is Rasa (REST + HTTP API) with the action server and no live
chat; `live_system` (tests/live_stack.py, one for the whole run) adds the live-chat service and the
web chat channel, open around the clock."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import Browser, running_browser
from tests.e2e.live_clients import Agent, WebCustomer
from tests.live_stack import BIN, MODEL, STARTUP_TIMEOUT_SECONDS  # noqa: F401 - also for the e2e tests
from tests.processes import (
    free_port,
    start_process,
    stop_process,
    wait_until_up,
)


@pytest.fixture(scope="session")
def backoffice_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backoffice") / "backoffice.sqlite3"


@pytest.fixture(scope="session")
def absent_livechat_port() -> int:
    """Where the assistant of `assistant_url` looks for the live-chat service: nothing listens."""
    return free_port()


ABSENT_LIVECHAT_SECRET = "e2e-shared-secret-" + "0" * 32


@pytest.fixture(scope="session")
def assistant_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The NAADLOOS_VAR_DIR of `assistant_url`'s Rasa, where endpoints.yml keeps its conversations
    (conversations.sqlite3). Created here: Rasa cannot create the folder."""
    return tmp_path_factory.mktemp("assistant-var")


@pytest.fixture(scope="session")
def assistant_url(
    tmp_path_factory: pytest.TempPathFactory, backoffice_db: Path, absent_livechat_port: int, assistant_var_dir: Path
) -> Iterator[str]:
    """Base URL of a running Rasa server whose custom actions run on a real action server."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    logs = tmp_path_factory.mktemp("logs")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "NAADLOOS_VAR_DIR": str(assistant_var_dir),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "NAADLOOS_BACKOFFICE_DB": str(backoffice_db),
        # No live-chat service here: hand-overs take the no-agent path, tickets go to the outbox.
        "LIVECHAT_URL": f"http://127.0.0.1:{absent_livechat_port}",
        "LIVECHAT_SHARED_SECRET": ABSENT_LIVECHAT_SECRET,
        "NAADLOOS_OUTBOX_DB": str(backoffice_db.parent / "outbox.sqlite3"),
    }
    actions = start_process(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)], env, logs / "actions.log"
    )
    rasa = start_process(
        [str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--model", str(MODEL),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        env,
        logs / "rasa.log",
    )
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, logs / "actions.log", STARTUP_TIMEOUT_SECONDS)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", rasa, logs / "rasa.log", STARTUP_TIMEOUT_SECONDS)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        stop_process(rasa)
        stop_process(actions)


@pytest.fixture
async def people(live_system: dict[str, str]) -> AsyncIterator[tuple[WebCustomer, Agent]]:
    customer, agent = WebCustomer(live_system["rasa"]), Agent(live_system["livechat"])
    await customer.connect()
    await agent.call("POST", "/agents/login", {"username": "demo", "password": live_system["password"]})
    yield customer, agent
    await agent.call("POST", "/agents/logout")  # offline again: later tests start with nobody online
    await customer.close()
    await agent.close()


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    """Headless Chromium for one test; `browser.new_context()` gives each person a profile of their own."""
    async with running_browser(tmp_path / "profile") as chromium:
        yield chromium
