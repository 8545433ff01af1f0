"""The desk's Dutch words for why a conversation came to a colleague (reason), its priority, its
channel, its team and how it was closed (the wrap-up outcome): one home, so the queue, the
conversation view, the inbox, the history and the notifications say the same. The channels' words
belong to the hand-over contract (`naadloos.handover_contract.schema.CHANNEL_LABELS`), which every
back end shares; they are used from there.

A reason's words are the `label` of the escalation reason in `config/escalation.yml`
(conversation designers keep them there; this reads them, it copies nothing). The live chat may
run on a machine without the bot's files: then, or for a reason the file does not know (older
rows, a reason of another bot), the reason's code is shown as it is.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from naadloos.escalation.config import EscalationConfigError, current_escalation_config
from naadloos.handover_contract.schema import channel_label

logger = logging.getLogger(__name__)

PRIORITY_LABELS = {"urgent": "spoed", "high": "hoog", "normal": "normaal"}

# The teams of LIVECHAT_TEAMS as the desk and the customer read them ("een collega van het team
# Klachten"); a team this list does not know is shown with a capital letter.
TEAM_LABELS = {
    "klantenservice": "Klantenservice",
    "nabestaanden": "Nabestaanden",
    "klachten": "Klachten",
    "fraude": "Fraude",
    "betalingen": "Betalingen",
}
# The wrap-up an agent chooses when closing, in the desk's order (the codes are
# `livechat.storage.schema.OUTCOMES`; tests/livechat/test_desk_wrap_up.py checks they agree).
OUTCOME_LABELS = {
    "resolved": "Opgelost",
    "backoffice": "Doorgezet naar backoffice",
    "callback_needed": "Klant terugbellen nodig",
    "not_resolved": "Niet opgelost",
    "back_to_bot": "Terug naar de assistent",
}

# What the assistant did before "Heb ik je hiermee geholpen?" when it was not an FAQ answer: the
# `feedback_subject` of a completed form is its submit action (actions/feedback.py).
FORM_RESULT_LABELS = {
    "action_meterstand_submit": "Meterstand doorgegeven",
    "action_verhuizing_submit": "Verhuizing doorgegeven",
}


def team_label(team: str) -> str:
    return TEAM_LABELS.get(team) or team[:1].upper() + team[1:]


def outcome_label(outcome: str | None) -> str | None:
    return OUTCOME_LABELS.get(outcome, outcome) if outcome else None


def reason_labels() -> dict[str, str]:
    """reason code -> Dutch label; empty when the escalation file is missing or cannot be read."""
    try:
        config = current_escalation_config()
    except (EscalationConfigError, OSError) as error:
        logger.debug("reason labels unavailable: %s", error)
        return {}
    return {reason: trigger.label for reason, trigger in config.triggers.items()}


def topic_labels() -> dict[str, str]:
    """FAQ topic (`opening_hours`) -> its Dutch title, as the "Bedoel je ...?" subjects of
    config/escalation.yml name it; empty when the file cannot be read."""
    try:
        config = current_escalation_config()
    except (EscalationConfigError, OSError) as error:
        logger.debug("topic labels unavailable: %s", error)
        return {}
    return {choice.key.split("/", 1)[1]: choice.title for choice in config.choices if choice.key.startswith("faq/")}


def feedback_subject_labels() -> dict[str, str]:
    """What "Heb ik je hiermee geholpen?" was about, in Dutch: an FAQ topic's title or a form's result."""
    return {**topic_labels(), **FORM_RESULT_LABELS}


def reason_label(reason: str | None, labels: Mapping[str, str]) -> str | None:
    """The Dutch label of `reason` (from `reason_labels()`), or the code itself."""
    return labels.get(reason, reason) if reason else None


def handover_labels(
    reason: str, priority: str, channel: str, reasons: Mapping[str, str], team: str = "", outcome: str | None = None
) -> dict[str, str | None]:
    """{reason, priority, channel, team, outcome} in Dutch; `reasons` is `reason_labels()`. A value
    without a label is shown as it was sent; `outcome` is None until the hand-over is closed."""
    return {
        "reason": reason_label(reason, reasons) or reason,
        "priority": PRIORITY_LABELS.get(priority, priority),
        "channel": channel_label(channel),
        "team": team_label(team),
        "outcome": outcome_label(outcome),
    }
