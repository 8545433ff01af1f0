"""Checks made when the action server starts. `rasa run actions` imports every module of this
package before it listens, so a mistake found here stops it, with a message that names the file
and the variable to fix, instead of failing at the first customer who asks for a colleague.

Today: the teams config/escalation.yml routes to must be teams of the built-in live chat
(LIVECHAT_TEAMS), its default team first (`naadloos.escalation.teams`). Only the action server
imports this module; tests of single actions never do.
"""
from __future__ import annotations

import logging

from naadloos.core.environment import SettingError
from naadloos.escalation.teams import EscalationTeamsError, check_action_server_teams

logger = logging.getLogger(__name__)

try:
    check_action_server_teams()
except (EscalationTeamsError, SettingError) as error:
    logger.error("the action server does not start, a setting must be fixed first:\n%s", error)
    raise
