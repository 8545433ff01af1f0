"""The action server (`rasa run actions`, as `make run` starts it) refuses to start when
config/escalation.yml routes a topic to a team the built-in live chat does not have: otherwise
every such hand-over would be refused (422) and wait in the outbox for ever. The message names
the team and the file and variable to change."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.processes import free_port, log_tail, start_process, stop_process

ROOT = Path(__file__).resolve().parents[2]
RASA = Path(sys.executable).parent / "rasa"
PROJECT_TEAMS = "klantenservice,nabestaanden,klachten,fraude,betalingen"
STARTUP_SECONDS = 60


def action_server_env(**settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "LIVECHAT_TEAMS"}
    return {**env, "PYTHONUNBUFFERED": "1", "NAADLOOS_HANDOVER_BACKEND": "builtin", **settings}


def run_action_server(env: dict[str, str], log: Path) -> tuple[int | None, str]:
    """(its exit code, or None when it started and answered /health; its output)."""
    port = free_port()
    process = start_process([str(RASA), "run", "actions", "--actions", "actions", "--port", str(port)], env, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    return None, log_tail(log)
            except requests.RequestException:
                pass
            time.sleep(0.2)
        if process.poll() is None:
            pytest.fail(f"the action server neither started nor stopped within {STARTUP_SECONDS}s:\n{log_tail(log)}")
        return process.returncode, log.read_text(encoding="utf-8", errors="replace")
    finally:
        stop_process(process)


def test_an_escalation_team_the_live_chat_lacks_stops_the_action_server(tmp_path):
    code, output = run_action_server(action_server_env(LIVECHAT_TEAMS="klantenservice,nabestaanden,klachten,betalingen"),
                                     tmp_path / "actions.log")
    assert code not in (None, 0), output
    assert "triggers.fraud.team is 'fraude', which is not a live-chat team" in output
    assert "Add 'fraude' to LIVECHAT_TEAMS" in output
    assert "is up and running" not in output


def test_a_default_team_that_is_not_the_live_chats_first_stops_the_action_server(tmp_path):
    escalation = yaml.safe_load((ROOT / "config" / "escalation.yml").read_text(encoding="utf-8"))
    escalation["default_team"] = "klachten"
    path = tmp_path / "escalation.yml"
    path.write_text(yaml.safe_dump(escalation, allow_unicode=True), encoding="utf-8")
    env = action_server_env(LIVECHAT_TEAMS=PROJECT_TEAMS, NAADLOOS_ESCALATION_FILE=str(path))
    code, output = run_action_server(env, tmp_path / "actions.log")
    assert code not in (None, 0), output
    assert "default_team is 'klachten', but LIVECHAT_TEAMS starts with 'klantenservice'" in output


def test_the_committed_teams_let_the_action_server_start(tmp_path):
    code, output = run_action_server(action_server_env(LIVECHAT_TEAMS=PROJECT_TEAMS), tmp_path / "actions.log")
    assert code is None, output
    code, output = run_action_server(action_server_env(), tmp_path / "unset.log")  # unset: the escalation file's teams
    assert code is None, output
