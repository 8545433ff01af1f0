"""Starts the real assistant for end-to-end tests: `rasa run` (REST channel + HTTP API) and the
action server, on free localhost ports, with the trained model from `make train`."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "naadloos.tar.gz"
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited during start-up; log:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not come up within {STARTUP_TIMEOUT_SECONDS}s; log:\n{log.read_text()[-3000:]}")


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def backoffice_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backoffice") / "backoffice.sqlite3"


@pytest.fixture(scope="session")
def assistant_url(tmp_path_factory: pytest.TempPathFactory, backoffice_db: Path) -> Iterator[str]:
    """Base URL of a running Rasa server whose custom actions run on a real action server."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    logs = tmp_path_factory.mktemp("logs")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "NAADLOOS_BACKOFFICE_DB": str(backoffice_db),
        # No live-chat service here: hand-overs take the no-agent path, tickets go to the outbox.
        "LIVECHAT_URL": f"http://127.0.0.1:{free_port()}",
        "LIVECHAT_SHARED_SECRET": "e2e-shared-secret-" + "0" * 32,
        "NAADLOOS_OUTBOX_DB": str(backoffice_db.parent / "outbox.sqlite3"),
    }
    actions = start(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)], env, logs / "actions.log"
    )
    rasa = start(
        [str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--model", str(MODEL),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        env,
        logs / "rasa.log",
    )
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, logs / "actions.log")
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", rasa, logs / "rasa.log")
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        stop(rasa)
        stop(actions)
