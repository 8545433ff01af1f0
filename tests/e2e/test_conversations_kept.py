"""The laptop endpoints (endpoints.yml): Rasa keeps conversations in conversations.sqlite3 in
NAADLOOS_VAR_DIR, so a restart loses nothing (production, PostgreSQL: test_production_stores.py)."""
from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import BIN, MODEL, STARTUP_TIMEOUT_SECONDS
from tests.processes import free_port, start_process, stop_process, wait_until_up


def start_rasa(env: dict[str, str], port: int, log: Path):
    process = start_process(
        [str(BIN / "rasa"), "run", "--enable-api", "--port", str(port), "--model", str(MODEL),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        env,
        log,
    )
    wait_until_up(f"http://127.0.0.1:{port}/status", process, log, STARTUP_TIMEOUT_SECONDS)
    return process


def test_a_restart_keeps_the_conversation_in_the_var_folder(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    var = tmp_path / "var"
    var.mkdir()  # as `make` and scripts/run.sh do: Rasa cannot create it
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "NAADLOOS_VAR_DIR": str(var),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "LIVECHAT_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens: no hand-over here
        "LIVECHAT_SHARED_SECRET": "kept-test-secret-" + "0" * 32,
        "NAADLOOS_OUTBOX_DB": str(tmp_path / "outbox.sqlite3"),
        "NAADLOOS_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite3"),
    }
    actions = start_process([str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)], env, tmp_path / "actions.log")
    sender = f"kept-{uuid.uuid4().hex[:8]}"
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, tmp_path / "actions.log", STARTUP_TIMEOUT_SECONDS)
        rasa = start_rasa(env, rasa_port, tmp_path / "rasa-1.log")
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", json={"sender": sender, "message": "hallo"}, timeout=60
        ).json()
        assert "Polderstroom" in reply[0]["text"]
        stop_process(rasa)

        rasa = start_rasa(env, rasa_port, tmp_path / "rasa-2.log")
        tracker = requests.get(f"http://127.0.0.1:{rasa_port}/conversations/{sender}/tracker", timeout=30).json()
        stop_process(rasa)
    finally:
        stop_process(actions)

    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["hallo"]
    with sqlite3.connect(var / "conversations.sqlite3") as database:
        stored = database.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
    assert stored >= len(tracker["events"]) > 0
