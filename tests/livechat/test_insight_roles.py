"""Agent roles (agent / teamleider / ontwerper) for the insight page, and its review tags, in the
live-chat database (SQLite and PostgreSQL): an older database gets the
column with every existing agent as "agent" (SQLite and PostgreSQL), the command line creates and
changes roles, the demo agent is a team lead; and the names the insight reads from Rasa's
conversation store are the bot's own (`livechat.insight.tracker_names` against `actions.constants`)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
import yaml

from actions import constants
from livechat.agents import DEMO_USERNAME, ensure_demo_agent, main
from livechat.config import LiveChatConfig
from livechat.insight import tracker_names
from livechat.storage import agents as agent_store
from livechat.storage import conversation_tags
from livechat.storage.db import add_missing_columns, open_engine
from livechat.storage.schema import ROLES, agents, to_db
from naadloos.core.domain_responses import DOMAIN_FILE
from tests.livechat.helpers import OPEN_MOMENT, SECRET


def test_role_column_is_added_to_an_existing_database(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE agents DROP COLUMN role"))  # as before this release
            connection.execute(sa.text(
                "INSERT INTO agents (username, display_name, password_hash, teams, created_at) "
                "VALUES ('oud', 'Oude Collega', 'x', '[\"klantenservice\"]', :now)"), {"now": to_db(OPEN_MOMENT)})
        assert add_missing_columns(engine) == ["agents.role"]
        found = agent_store.agent_with_hash(engine, "oud")
        assert found is not None and found[0].role == "agent" and not found[0].sees_insight
        assert agent_store.set_role(engine, "oud", "ontwerper") and not agent_store.set_role(engine, "niemand", "agent")
        with pytest.raises(ValueError):
            agent_store.set_role(engine, "oud", "baas")
        agent = agent_store.list_agents(engine)[0]
        assert (agent.role, agent.sees_insight, agent.to_json()["role"]) == ("ontwerper", True, "ontwerper")
        with engine.connect() as connection:
            assert connection.execute(sa.select(agents.c.role)).scalars().all() == ["ontwerper"]
    finally:
        engine.dispose()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> LiveChatConfig:
    for name in list(os.environ):
        if name.startswith("LIVECHAT_") or name in ("NAADLOOS_VAR_DIR", "NAADLOOS_ESCALATION_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path / "var"))
    return LiveChatConfig.from_environment()


def test_command_line_roles_and_the_demo_team_lead(cli_env: LiveChatConfig, capsys: pytest.CaptureFixture) -> None:
    assert main(["create", "sanne", "--name", "Sanne"]) == 0
    assert main(["create", "lotte", "--name", "Lotte", "--role", "teamleider"]) == 0
    assert main(["set-role", "sanne", "ontwerper"]) == 0
    assert "now has the role ontwerper" in capsys.readouterr().out
    assert main(["set-role", "nobody", "agent"]) == 1
    with pytest.raises(SystemExit):
        main(["set-role", "sanne", "baas"])
    capsys.readouterr()
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "lotte\tLotte\tklantenservice\tteamleider" in listed and "\tontwerper" in listed
    engine = open_engine(cli_env.database_url)
    try:
        assert ensure_demo_agent(engine, cli_env) is not None
        demo = agent_store.agent_with_hash(engine, DEMO_USERNAME)
        assert demo is not None and demo[0].role == "teamleider"
    finally:
        engine.dispose()
    assert ROLES[0] == "agent"  # the default of every agent created without --role


def test_names_read_from_the_conversation_store_are_the_bots() -> None:
    for name in ("ESCALATION_REASON", "ESCALATION_TEAM", "HANDOVER_STATUS", "FEEDBACK_HELPED", "FEEDBACK_SUBJECT"):
        assert getattr(tracker_names, name) == getattr(constants, name), name
    assert tracker_names.NLU_FALLBACK_INTENT == constants.INTENT_NLU_FALLBACK
    domain = (tracker_names.HANDOVER_ACTION, tracker_names.FALLBACK_ACTION, tracker_names.FEEDBACK_ACTION)

    actions = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["actions"]
    assert set(domain) <= set(actions)


def test_review_tags_are_stored_once_and_taken_off(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        agent = agent_store.create_agent(engine, "lotte", "Lotte", "x", ["klantenservice"], OPEN_MOMENT, "teamleider")
        for tag, on in (("fout_antwoord", True), ("fout_antwoord", True), ("goed_geholpen", True),
                        ("terecht_doorgezet", False), ("goed_geholpen", False)):
            conversation_tags.set_tag(engine, "conv/1 é", tag, on, agent.id, OPEN_MOMENT)
        conversation_tags.set_tag(engine, "conv-2", "terecht_doorgezet", True, agent.id, OPEN_MOMENT)
        assert conversation_tags.tags_of(engine, ["conv/1 é", "conv-2", "conv-3"]) == {
            "conv/1 é": ["fout_antwoord"], "conv-2": ["terecht_doorgezet"]}
        assert conversation_tags.tags_of(engine, []) == {}
    finally:
        engine.dispose()
