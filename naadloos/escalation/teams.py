"""The teams `config/escalation.yml` routes to, against the built-in live chat's teams
(``LIVECHAT_TEAMS``): one source for the default team, checked where the two meet.

The escalation file is the source. Its `default_team` takes every hand-over whose trigger names
no team, and is asked when a trigger's own team is busy. The live chat's teams are LIVECHAT_TEAMS;
unset, they are the escalation file's teams, default team first (`configured_teams`). When it is
set it must

- start with the default team: the live chat gives a request without a team (a callback, an
  older record from the outbox) to its first team;
- list every team the file routes to: the live chat refuses an unknown team (422), so such a
  request would wait in the bot's outbox for ever.

Checked by `make validate` (`scripts/validate_data.py`), and at start-up of the live chat
(`python -m livechat`) and of the action server (`actions/startup_check.py`), each with a message
that says what to change where. Only for the built-in live chat: Chatwoot maps teams with
CHATWOOT_TEAMS and gives an unlisted one to the whole inbox.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from naadloos.core.environment import PROJECT_ROOT, SettingError, read_text
from naadloos.core.settings import Settings
from naadloos.escalation.config import EscalationConfig, EscalationConfigError, load_escalation_config
from naadloos.handover_contract.backend import BUILTIN

TEAMS_VARIABLE = "LIVECHAT_TEAMS"
_WHERE_TO_SET = ".env.example, or your .env and the live chat's environment in production"


class EscalationTeamsError(SettingError):
    """The escalation file and LIVECHAT_TEAMS disagree; one line per problem."""


def parse_teams(raw: str) -> tuple[str, ...]:
    """LIVECHAT_TEAMS: comma-separated, lower case, the first is the default."""
    teams = tuple(dict.fromkeys(t.strip().lower() for t in raw.split(",") if t.strip()))
    if not teams:
        raise SettingError(f"{TEAMS_VARIABLE} must name at least one team")
    return teams


def routed_teams(escalation: EscalationConfig) -> tuple[str, ...]:
    """The default team, then every trigger's team in the file's order, each once."""
    return tuple(dict.fromkeys([escalation.default_team, *(t.team for t in escalation.triggers.values())]))


def shown_path(path: Path) -> str:
    """`path` as a message names it: relative to the project when inside it."""
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def configured_teams(escalation_file: Path) -> tuple[str, ...]:
    """The live chat's teams: LIVECHAT_TEAMS, or when it is not set the escalation file's."""
    raw = read_text(TEAMS_VARIABLE)
    if raw:
        return parse_teams(raw)
    try:
        return routed_teams(load_escalation_config(escalation_file))
    except EscalationConfigError as error:
        raise SettingError(
            f"{TEAMS_VARIABLE} is not set, and the teams it defaults to, those of {shown_path(escalation_file)}, "
            f"cannot be read: {error}"
        ) from error


def team_problems(escalation: EscalationConfig, teams: Sequence[str], escalation_file: str) -> list[str]:
    """One message per disagreement between the escalation file and `teams` (LIVECHAT_TEAMS)."""
    places = {"default_team": escalation.default_team}
    for reason, trigger in escalation.triggers.items():
        if trigger.team != escalation.default_team:  # a trigger without its own team has the default
            places[f"triggers.{reason}.team"] = trigger.team
    problems = [
        f"{escalation_file}: {where} is '{team}', which is not a live-chat team ({TEAMS_VARIABLE}="
        f"{','.join(teams)}), so the live chat refuses its hand-overs, tickets and callbacks (422). "
        f"Add '{team}' to {TEAMS_VARIABLE} in {_WHERE_TO_SET}, or give {where} one of those teams."
        for where, team in places.items()
        if team not in teams
    ]
    if escalation.default_team in teams and teams[0] != escalation.default_team:
        problems.insert(0, (
            f"{escalation_file}: default_team is '{escalation.default_team}', but {TEAMS_VARIABLE} starts with "
            f"'{teams[0]}' (the live chat gives a request without a team to its first team). Put "
            f"'{escalation.default_team}' first in {TEAMS_VARIABLE} ({_WHERE_TO_SET}), or make default_team '{teams[0]}'."
        ))
    return problems


def check_teams(escalation_file: Path, teams: Sequence[str]) -> None:
    """At start-up: `EscalationTeamsError` naming every problem. Nothing to check when the escalation
    file is not on this machine (the bot runs elsewhere); a broken one is an error of its own."""
    if not escalation_file.exists():
        return
    try:
        escalation = load_escalation_config(escalation_file)
    except EscalationConfigError as error:
        raise EscalationTeamsError(f"{shown_path(escalation_file)}: {error}") from error
    problems = team_problems(escalation, teams, shown_path(escalation_file))
    if problems:
        raise EscalationTeamsError("\n".join(problems))


def check_action_server_teams() -> None:
    """The check as the action server makes it: from its own environment, for the built-in live chat."""
    settings = Settings.from_environment()
    if settings.handover_backend == BUILTIN:
        check_teams(settings.escalation_file, configured_teams(settings.escalation_file))
