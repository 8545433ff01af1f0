"""`python -m naadloos.handover_contract.chatwoot` as the operator starts it: a real process that answers
/health and signed webhooks, and refuses to start without what it needs (exit code 2, the
variable named)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.chatwoot.conftest import WEBHOOK_SECRET
from tests.chatwoot.fake_chatwoot import free_port, sign
from tests.processes import ROOT, start_process, stop_process, wait_until_up

COMMAND = (sys.executable, "-m", "naadloos.handover_contract.chatwoot")


def bridge_env(work: Path, port: int, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CHATWOOT_", "RASA_TOKEN"))}
    return {
        **env, "PYTHONUNBUFFERED": "1", "CHATWOOT_BRIDGE_PORT": str(port), "CHATWOOT_ACCOUNT_ID": "3",
        "CHATWOOT_INBOX_ID": "12", "CHATWOOT_WEBHOOK_SECRET": WEBHOOK_SECRET, "RASA_TOKEN": "rasa-token",
        "RASA_URL": f"http://127.0.0.1:{free_port()}", "NAADLOOS_CHATWOOT_DB": str(work / "chatwoot.sqlite3"),
        **settings,
    }


def test_the_receiver_runs_as_its_own_process(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "bridge.log"
    process = start_process(COMMAND, bridge_env(tmp_path, port), log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
        body = json.dumps({"event": "message_created", "id": 7, "message_type": "outgoing", "private": False,
                           "content": "hallo", "conversation": {"id": 41, "inbox_id": 12},
                           "inbox": {"id": 12}, "account": {"id": 3}}).encode()
        moment = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Chatwoot-Timestamp": moment,
                   "X-Chatwoot-Delivery": "d-1", "X-Chatwoot-Signature": sign(WEBHOOK_SECRET, moment, body)}
        url = f"http://127.0.0.1:{port}/chatwoot/webhook"
        reply = requests.post(url, data=body, headers=headers, timeout=5)
        assert (reply.status_code, reply.json()) == (200, {"status": "ignored"})  # not a conversation of ours
        forged = requests.post(url, data=body, headers={**headers, "X-Chatwoot-Signature": "sha256=" + "0" * 64}, timeout=5)
        assert forged.status_code == 401
        assert "hallo" not in log.read_text(encoding="utf-8")  # requests are not logged
    finally:
        assert stop_process(process) == 0
    assert (tmp_path / "chatwoot.sqlite3").stat().st_mode & 0o777 == 0o600


def test_it_refuses_to_start_without_a_way_to_check_webhooks(tmp_path: Path) -> None:
    env = bridge_env(tmp_path, free_port(), CHATWOOT_WEBHOOK_SECRET="")
    done = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "CHATWOOT_WEBHOOK_SECRET" in done.stderr and "CHATWOOT_WEBHOOK_TOKEN" in done.stderr
    short = bridge_env(tmp_path, free_port(), CHATWOOT_WEBHOOK_SECRET="", CHATWOOT_WEBHOOK_TOKEN="short")
    done = subprocess.run(COMMAND, cwd=ROOT, env=short, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "at least 32" in done.stderr
    no_rasa = {key: value for key, value in bridge_env(tmp_path, free_port()).items() if key != "RASA_TOKEN"}
    done = subprocess.run(COMMAND, cwd=ROOT, env=no_rasa, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "RASA_TOKEN" in done.stderr
