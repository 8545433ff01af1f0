"""Rasa 3.6 opens a new connection for every action call (`EndpointConfig.request`: one aiohttp
session per call). Sanic, under `rasa run actions`, closes a connection on which no request arrived
within its keep-alive timeout, 5 s by default. At 50 conversations at once Rasa's event loop is busy
for longer than that between opening the connection and writing the request, and the call failed
("Cannot write to closing transport"): the benchmark lost half its hand-overs. Every place that
starts the action server passes ACTION_SERVER_KEEP_ALIVE_SECONDS (.env.example) to Sanic."""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT, free_port, start_process, stop_process, wait_until_up

RASA = Path(sys.executable).parent / "rasa"
SANIC_DEFAULT_SECONDS = 5
SETTING = "ACTION_SERVER_KEEP_ALIVE_SECONDS"
# An action call as Rasa sends it, for the session start (it needs no tracker history).
ACTION_CALL = {
    "next_action": "action_session_start", "sender_id": "klant-1", "version": "3.6.21", "domain": {},
    "tracker": {"sender_id": "klant-1", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                "followup_action": None, "active_loop": {}, "latest_action_name": None},
}


def env_example_value(name: str) -> str:
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip()
    raise AssertionError(f"{name} is not set in .env.example")


def late_request(port: int, wait_seconds: float) -> bytes:
    """Connects, waits as a busy Rasa does, then sends an action call; what the server answers."""
    body = json.dumps(ACTION_CALL).encode()
    head = (f"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        time.sleep(wait_seconds)
        try:
            connection.sendall(head + body)
            return connection.recv(65536)
        except OSError as error:  # the server closed it: a reset
            return repr(error).encode()


def test_the_configured_keep_alive_is_well_above_sanics_default() -> None:
    assert int(env_example_value(SETTING)) >= 60


def test_a_request_that_comes_after_sanics_default_keep_alive_is_still_served(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key != "LIVECHAT_TEAMS"},
        "PYTHONUNBUFFERED": "1", "NAADLOOS_HANDOVER_BACKEND": "builtin", "NAADLOOS_VAR_DIR": str(tmp_path),
        "SANIC_KEEP_ALIVE_TIMEOUT": env_example_value(SETTING),  # as scripts/run.sh passes it
    }
    log = tmp_path / "actions.log"
    process = start_process([str(RASA), "run", "actions", "--actions", "actions", "--port", str(port)], env, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, timeout=60)
        answer = late_request(port, SANIC_DEFAULT_SECONDS + 1.5)
    finally:
        stop_process(process)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


@pytest.mark.parametrize("starter", ["scripts/run.sh", "scripts/shell.sh", "Makefile"])
def test_every_start_of_the_action_server_passes_the_setting(starter: str) -> None:
    text = (ROOT / starter).read_text(encoding="utf-8").replace("\\\n", " ")
    starts = [line for line in text.splitlines() if "run actions" in line and not line.lstrip().startswith("#")]
    assert starts, f"{starter} no longer starts the action server: update this test"
    for line in starts:
        assert "SANIC_KEEP_ALIVE_TIMEOUT=" in line and SETTING in line, f"{starter}: {line.strip()}"
