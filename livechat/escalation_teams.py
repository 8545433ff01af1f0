"""Every team that `config/escalation.yml` routes conversations to must be a live-chat team.

The bot sends the team of the escalation reason with every hand-over, ticket and callback; the
live chat refuses a team that is not in its ``LIVECHAT_TEAMS`` (422), so such a request would
wait in the bot's outbox for ever. Two places check that they agree, with a message that says
what to add where: `make validate` (`scripts/validate_data.py`, for the committed defaults and a
deployment's .env) and the service's start-up (a warning, when the escalation file is on the
live chat's machine).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from naadloos.escalation_config import EscalationConfig, EscalationConfigError, load_escalation_config

logger = logging.getLogger(__name__)


def unknown_teams(escalation: EscalationConfig, teams: Sequence[str], escalation_file: str) -> list[str]:
    """One message per place in the escalation file whose team is not in `teams` (LIVECHAT_TEAMS)."""
    places = {"default_team": escalation.default_team}
    for reason, trigger in escalation.triggers.items():
        if trigger.team != escalation.default_team:  # a trigger without its own team has the default
            places[f"triggers.{reason}.team"] = trigger.team
    return [
        f"{escalation_file}: {where} is '{team}', which is not a live-chat team (LIVECHAT_TEAMS="
        f"{','.join(teams)}), so the live chat refuses its hand-overs, tickets and callbacks (422). "
        f"Add '{team}' to LIVECHAT_TEAMS in .env.example (or your .env, and the live chat's "
        f"environment in production), or give {where} one of those teams."
        for where, team in places.items()
        if team not in teams
    ]


def warn_about_unknown_teams(escalation_file: Path, teams: Sequence[str]) -> list[str]:
    """At start-up: logs a warning per team the escalation file names that LIVECHAT_TEAMS lacks.
    Nothing when the file is not on this machine (the bot may run elsewhere) or cannot be read."""
    if not escalation_file.exists():
        return []
    try:
        escalation = load_escalation_config(escalation_file)
    except EscalationConfigError as error:
        logger.warning("escalation teams not checked: %s", error)
        return []
    problems = unknown_teams(escalation, teams, str(escalation_file))
    for problem in problems:
        logger.warning("%s", problem)
    return problems
