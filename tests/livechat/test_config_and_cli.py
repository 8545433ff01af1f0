"""Configuration from the environment, the agents command and `python -m livechat` itself."""
from __future__ import annotations

import os
import re
import signal
import stat
from pathlib import Path

import pytest

from livechat.agents import DEMO_USERNAME, demo_file, ensure_demo_agent, main
from livechat.config import ConfigError, LiveChatConfig, resolve_database_url
from livechat.security import verify_password
from livechat.storage import agents as agent_store
from livechat.storage.db import open_engine
from naadloos.core.settings import PROJECT_ROOT
from tests.livechat.helpers import PROJECT_TEAMS, SECRET
from tests.processes import LIVECHAT_COMMAND, free_port, livechat_env, log_tail, start_livechat, start_process, stop_process


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("LIVECHAT_") or name in ("RASA_URL", "RASA_TOKEN", "NAADLOOS_VAR_DIR", "NAADLOOS_ESCALATION_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET_FILE", str(tmp_path / "secret"))
    return monkeypatch


def test_defaults_work_on_a_laptop(clean_env, tmp_path):
    config = LiveChatConfig.from_environment()
    assert config.database_url == f"sqlite:///{PROJECT_ROOT}/var/livechat.sqlite3"
    assert (config.host, config.port) == ("127.0.0.1", 5056)
    assert config.signature_window_seconds == 300
    assert config.max_queue == 10
    assert config.max_body_bytes == 1_000_000
    # The teams config/escalation.yml routes to, its default team first (one source for the default team).
    assert config.teams == PROJECT_TEAMS
    assert config.default_team == "klantenservice"
    assert config.var_dir == PROJECT_ROOT / "var"
    assert config.rasa_url == "http://localhost:5005"
    assert config.organisation_file.name == "organisation.yml"
    assert "shared_secret" not in repr(config)


def test_secret_from_the_environment_must_be_long_enough(clean_env):
    clean_env.setenv("LIVECHAT_SHARED_SECRET", "short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        LiveChatConfig.from_environment()
    clean_env.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    assert LiveChatConfig.from_environment().shared_secret == SECRET


@pytest.mark.parametrize(
    "name, value", [("LIVECHAT_MAX_QUEUE", "veel"), ("LIVECHAT_PORT", "0"), ("LIVECHAT_RASA_TIMEOUT_SECONDS", "-1")]
)
def test_invalid_numbers_are_refused_clearly(clean_env, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        LiveChatConfig.from_environment()


def test_environment_overrides(clean_env):
    clean_env.setenv("LIVECHAT_DATABASE_URL", "postgresql://postgres@db.example/livechat")
    clean_env.setenv("LIVECHAT_TEAMS", "Klantenservice, facturen")
    clean_env.setenv("RASA_URL", "http://rasa:5005/")
    clean_env.setenv("LIVECHAT_ACCEPT_TIMEOUT_SECONDS", "90")
    config = LiveChatConfig.from_environment()
    assert config.database_url == "postgresql://postgres@db.example/livechat"
    assert config.teams == ("klantenservice", "facturen")
    assert config.default_team == "klantenservice"
    assert config.rasa_url == "http://rasa:5005"
    assert config.accept_timeout_seconds == 90


def test_relative_sqlite_paths_are_relative_to_the_project():
    assert resolve_database_url("sqlite:///var/x.sqlite3") == f"sqlite:///{PROJECT_ROOT}/var/x.sqlite3"
    assert resolve_database_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    assert resolve_database_url("sqlite:///:memory:") == "sqlite:///:memory:"


@pytest.fixture
def cli_env(clean_env, tmp_path):
    clean_env.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    clean_env.setenv("LIVECHAT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    clean_env.setenv("LIVECHAT_TEAMS", "klantenservice,facturen")
    clean_env.setenv("NAADLOOS_VAR_DIR", str(tmp_path / "var"))
    return LiveChatConfig.from_environment()


def test_agents_command_creates_an_agent_with_a_generated_password(cli_env, capsys):
    assert main(["create", "sanne", "--name", "Sanne de Vries", "--teams", "klantenservice,facturen"]) == 0
    password = re.search(r"Password \(shown once\): (\S+)", capsys.readouterr().out).group(1)
    engine = open_engine(cli_env.database_url)
    agent, stored = agent_store.agent_with_hash(engine, "sanne")
    engine.dispose()
    assert agent.display_name == "Sanne de Vries"
    assert agent.teams == ("klantenservice", "facturen")
    assert verify_password(password, stored)

    assert main(["create", "sanne", "--name", "Again"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["create", "piet", "--name", "Piet", "--teams", "marketing"]) == 1
    assert "unknown team" in capsys.readouterr().err
    assert main(["create", "Bad Name!", "--name", "X"]) == 1
    assert main(["list"]) == 0
    assert "sanne\tSanne de Vries\tklantenservice,facturen" in capsys.readouterr().out
    assert main(["reset-password", "sanne"]) == 0
    assert main(["reset-password", "nobody"]) == 1


def test_agents_command_refuses_a_missing_database_clearly(cli_env, capsys):
    """The database existed (its marker is there) and is gone: a clear message and exit code 2,
    as `python -m livechat` itself, not a traceback."""
    assert main(["list"]) == 0
    database = Path(cli_env.database_url.removeprefix("sqlite:///"))
    database.unlink()
    capsys.readouterr()
    assert main(["list"]) == 2
    error = capsys.readouterr().err
    assert "livechat.agents: refusing to run:" in error
    assert f"the live-chat database {database} is missing" in error
    assert "Traceback" not in error
    assert not database.exists(), "not recreated empty"


def test_agents_command_reports_a_configuration_error_clearly(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("LIVECHAT_MAX_QUEUE", "many")
    assert main(["list"]) == 2
    assert "livechat.agents: configuration error: LIVECHAT_MAX_QUEUE must be a whole number" in capsys.readouterr().err


def test_demo_agent_is_created_once_with_a_random_password(cli_env):
    engine = open_engine(cli_env.database_url)
    try:
        password = ensure_demo_agent(engine, cli_env)
        assert password and len(password) >= 20
        path = demo_file(cli_env)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == f"username: demo\npassword: {password}\n"
        assert verify_password(password, agent_store.agent_with_hash(engine, DEMO_USERNAME)[1])
        assert ensure_demo_agent(engine, cli_env) is None
    finally:
        engine.dispose()


def test_python_m_livechat_starts_serves_and_stops(tmp_path):
    port, log = free_port(), tmp_path / "livechat.log"
    process = start_livechat(livechat_env(tmp_path, port, SECRET, LIVECHAT_TEAMS=",".join(PROJECT_TEAMS)), log)
    assert stop_process(process, signal.SIGINT) == 0, log_tail(log)
    output = log.read_text()
    demo = tmp_path / "var" / "demo-agent.txt"
    password = re.fullmatch(r"username: demo\npassword: (\S+)\n", demo.read_text()).group(1)
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600
    # Only where the password is goes to stdout (which `make run` writes to var/livechat.log).
    assert password not in output
    assert f"password is in {demo}" in output
    assert f"http://127.0.0.1:{port}/desk" in output
    assert "Traceback" not in output
    assert "not a live-chat team" not in output, "the committed teams agree (config/escalation.yml, .env.example)"


def test_python_m_livechat_refuses_to_start_without_an_escalation_team(tmp_path):
    """config/escalation.yml routes fraud to team 'fraude': a live chat without it would refuse
    those hand-overs (422), so it does not start, and says what to add where."""
    port, log = free_port(), tmp_path / "livechat.log"
    teams = "klantenservice,nabestaanden,klachten,betalingen"
    process = start_process(LIVECHAT_COMMAND, livechat_env(tmp_path, port, SECRET, LIVECHAT_TEAMS=teams), log)
    try:
        assert process.wait(timeout=60) == 2
    finally:
        stop_process(process)
    output = log.read_text()
    assert "livechat: configuration error: config/escalation.yml: triggers.fraud.team is 'fraude', which is not a " in output
    assert "Add 'fraude' to LIVECHAT_TEAMS" in output
    assert "triggers.complaint" not in output, "only the missing team is named"
    assert "Traceback" not in output
    assert not (tmp_path / "livechat.sqlite3").exists(), "refused before the database was created"


def test_python_m_livechat_refuses_another_first_team_than_the_default_team(tmp_path):
    port, log = free_port(), tmp_path / "livechat.log"
    teams = ",".join((*PROJECT_TEAMS[1:], PROJECT_TEAMS[0]))
    process = start_process(LIVECHAT_COMMAND, livechat_env(tmp_path, port, SECRET, LIVECHAT_TEAMS=teams), log)
    try:
        assert process.wait(timeout=60) == 2
    finally:
        stop_process(process)
    assert f"default_team is 'klantenservice', but LIVECHAT_TEAMS starts with '{PROJECT_TEAMS[1]}'" in log.read_text()
