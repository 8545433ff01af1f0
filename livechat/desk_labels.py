"""The desk's Dutch words for why a conversation came to a colleague (reason), its priority and
its channel: one home, so the queue, the conversation view, the inbox and the notifications say
the same.

A reason's words are the `label` of the escalation reason in `config/escalation.yml`
(conversation designers keep them there; this reads them, it copies nothing). The live chat may
run on a machine without the bot's files: then, or for a reason the file does not know (older
rows, a reason of another bot), the reason's code is shown as it is.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from naadloos.escalation_config import EscalationConfigError
from naadloos.settings import current_escalation_config

logger = logging.getLogger(__name__)

PRIORITY_LABELS = {"urgent": "spoed", "high": "hoog", "normal": "normaal"}
# Rasa's input channel names, as the bot sends them (`tracker.get_latest_input_channel()`).
CHANNEL_LABELS = {
    "socketio": "chat op de website",
    "rest": "chat via de API",
    "whatsapp": "WhatsApp",
    "twilio": "sms",
    "facebook": "Facebook Messenger",
    "telegram": "Telegram",
    "cmdline": "testconsole",
    "unknown": "onbekend kanaal",
}


def reason_labels() -> dict[str, str]:
    """reason code -> Dutch label; empty when the escalation file is missing or cannot be read."""
    try:
        config = current_escalation_config()
    except (EscalationConfigError, OSError) as error:
        logger.debug("reason labels unavailable: %s", error)
        return {}
    return {reason: trigger.label for reason, trigger in config.triggers.items()}


def reason_label(reason: str | None, labels: Mapping[str, str]) -> str | None:
    """The Dutch label of `reason` (from `reason_labels()`), or the code itself."""
    return labels.get(reason, reason) if reason else None


def handover_labels(reason: str, priority: str, channel: str, reasons: Mapping[str, str]) -> dict[str, str]:
    """{reason, priority, channel} in Dutch; `reasons` is `reason_labels()`. A value without a
    label is shown as it was sent."""
    return {
        "reason": reason_label(reason, reasons) or reason,
        "priority": PRIORITY_LABELS.get(priority, priority),
        "channel": CHANNEL_LABELS.get(channel, channel),
    }
