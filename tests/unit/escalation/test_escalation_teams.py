"""The default team has one source, `config/escalation.yml`'s `default_team`; the live chat's
teams (LIVECHAT_TEAMS) are checked against that file, with a message that says what to change where
(`naadloos.escalation.teams`, used by `make validate` and by both applications at start-up)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from naadloos.core.environment import SettingError
from naadloos.escalation.config import load_escalation_config
from naadloos.escalation.teams import (
    EscalationTeamsError,
    check_action_server_teams,
    check_teams,
    configured_teams,
    parse_teams,
    routed_teams,
    team_problems,
)

ROOT = Path(__file__).resolve().parents[3]
ESCALATION_FILE = ROOT / "config" / "escalation.yml"


def escalation_copy(tmp_path: Path, **changes: str) -> Path:
    """config/escalation.yml with `default_team` and/or `<reason>=<team>` changed, in `tmp_path`."""
    data = yaml.safe_load(ESCALATION_FILE.read_text(encoding="utf-8"))
    for key, team in changes.items():
        if key == "default_team":
            data["default_team"] = team
        else:
            data["triggers"][key]["team"] = team
    path = tmp_path / "escalation.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def env(monkeypatch):
    for name in ("LIVECHAT_TEAMS", "NAADLOOS_ESCALATION_FILE", "NAADLOOS_HANDOVER_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_livechat_teams_is_comma_separated_lower_case_and_not_empty():
    assert parse_teams(" Klantenservice, fraude ,,") == ("klantenservice", "fraude")
    with pytest.raises(SettingError, match="LIVECHAT_TEAMS must name at least one team"):
        parse_teams(" , ")


def test_the_routed_teams_start_with_the_default_team_once_each():
    escalation = load_escalation_config(ESCALATION_FILE)
    teams = routed_teams(escalation)
    assert teams[0] == escalation.default_team == "klantenservice"
    assert set(teams) == {escalation.default_team} | {t.team for t in escalation.triggers.values()}
    assert len(teams) == len(set(teams))


def test_unset_livechat_teams_are_the_escalation_files_so_the_defaults_agree(env, tmp_path):
    assert configured_teams(ESCALATION_FILE) == routed_teams(load_escalation_config(ESCALATION_FILE))
    assert configured_teams(escalation_copy(tmp_path, default_team="balie"))[0] == "balie"
    env.setenv("LIVECHAT_TEAMS", "klantenservice,facturen")
    assert configured_teams(ESCALATION_FILE) == ("klantenservice", "facturen")


def test_unset_livechat_teams_without_a_readable_escalation_file_is_a_clear_error(env, tmp_path):
    with pytest.raises(SettingError, match="LIVECHAT_TEAMS is not set.*missing.yml"):
        configured_teams(tmp_path / "missing.yml")


def test_the_committed_teams_agree():
    escalation = load_escalation_config(ESCALATION_FILE)
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    committed = next(line.split("=", 1)[1] for line in env_example.splitlines() if line.startswith("LIVECHAT_TEAMS="))
    assert team_problems(escalation, parse_teams(committed), "config/escalation.yml") == []


def test_a_team_the_live_chat_lacks_says_what_to_add_where():
    escalation = load_escalation_config(ESCALATION_FILE)
    problems = team_problems(escalation, ("klantenservice", "klachten", "nabestaanden", "betalingen"), "config/escalation.yml")
    assert len(problems) == 1, problems
    assert problems[0].startswith("config/escalation.yml: triggers.fraud.team is 'fraude', which is not a live-chat team")
    assert "Add 'fraude' to LIVECHAT_TEAMS" in problems[0]


def test_a_different_default_team_is_named_with_both_places():
    """The live chat gives a request without a team to its first team: that must be the bot's default team."""
    escalation = load_escalation_config(ESCALATION_FILE)
    teams = ("klachten", "klantenservice", "nabestaanden", "fraude", "betalingen")
    problems = team_problems(escalation, teams, "config/escalation.yml")
    assert problems == [
        "config/escalation.yml: default_team is 'klantenservice', but LIVECHAT_TEAMS starts with 'klachten' "
        "(the live chat gives a request without a team to its first team). Put 'klantenservice' first in "
        "LIVECHAT_TEAMS (.env.example, or your .env and the live chat's environment in production), or make "
        "default_team 'klachten'."
    ]


def test_a_default_team_the_live_chat_lacks_is_one_problem_not_two():
    escalation = load_escalation_config(ESCALATION_FILE)
    problems = team_problems(escalation, ("klachten", "nabestaanden", "fraude", "betalingen"), "config/escalation.yml")
    assert len(problems) == 1 and "default_team is 'klantenservice', which is not a live-chat team" in problems[0]


def test_check_teams_raises_with_every_problem_and_skips_a_file_that_is_not_here(tmp_path):
    path = escalation_copy(tmp_path, fraud="fraudebestrijding", complaint="klachtenteam")
    with pytest.raises(EscalationTeamsError) as error:
        check_teams(path, ("klantenservice", "nabestaanden", "klachten", "fraude", "betalingen"))
    assert "'fraudebestrijding'" in str(error.value) and "'klachtenteam'" in str(error.value)
    assert isinstance(error.value, SettingError)
    check_teams(tmp_path / "elsewhere.yml", ("klantenservice",))  # the bot runs on another machine: nothing to check


def test_the_action_server_check_reads_the_environment(env, tmp_path):
    env.setenv("NAADLOOS_ESCALATION_FILE", str(escalation_copy(tmp_path, fraud="fraudebestrijding")))
    check_action_server_teams()  # LIVECHAT_TEAMS unset: the live chat takes the escalation file's teams
    env.setenv("LIVECHAT_TEAMS", "klantenservice,nabestaanden,klachten,fraude,betalingen")
    with pytest.raises(EscalationTeamsError, match="triggers.fraud.team is 'fraudebestrijding'"):
        check_action_server_teams()
    env.setenv("NAADLOOS_HANDOVER_BACKEND", "chatwoot")
    check_action_server_teams()  # Chatwoot: CHATWOOT_TEAMS maps teams, an unlisted team goes to the inbox
