"""The names in Rasa's conversation store that the insight counts: actions, slots and intents the
bot logs (its own constants are in `actions/constants.py`; the live chat does not import the bot,
so tests/livechat/test_insight_roles.py checks that these agree with it)."""
from __future__ import annotations

from naadloos.handover_contract.satisfaction import SUBJECT_PREFIX as SATISFACTION_PREFIX  # "livechat:<score>"

SESSION_START_ACTION = "action_session_start"
HANDOVER_ACTION = "action_handover"
FALLBACK_ACTION = "action_fallback_clarify"
FEEDBACK_ACTION = "action_feedback_record"
NLU_FALLBACK_INTENT = "nlu_fallback"

ESCALATION_REASON = "escalation_reason"
ESCALATION_TEAM = "escalation_team"
HANDOVER_STATUS = "handover_status"
FEEDBACK_HELPED = "feedback_helped"
FEEDBACK_SUBJECT = "feedback_subject"

FAQ_SUBJECT_PREFIX = "utter_faq/"  # feedback_subject of an FAQ answer: utter_faq/<topic>

__all__ = [
    "ESCALATION_REASON", "ESCALATION_TEAM", "FALLBACK_ACTION", "FAQ_SUBJECT_PREFIX", "FEEDBACK_ACTION",
    "FEEDBACK_HELPED", "FEEDBACK_SUBJECT", "HANDOVER_ACTION", "HANDOVER_STATUS", "NLU_FALLBACK_INTENT",
    "SATISFACTION_PREFIX", "SESSION_START_ACTION",
]
