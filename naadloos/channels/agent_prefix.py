"""The agent's name in front of an agent's message, for channels that cannot carry metadata.

The live-chat back ends deliver a colleague's words as a bot event with the metadata
``{"agent": "<display name>"}`` (`naadloos.handover_contract.customer_channel`); Rasa passes that
metadata to the output channel's ``send_*`` methods as keyword arguments. Our own web chat page
shows the name from the metadata. WhatsApp, SMS and Telegram show only text, so their output
channels put the name in the text: "*Sanne (Polderstroom):* Goedemiddag, ...". Service notices
(``{"livechat": "system"}``) and the bot's own messages get no prefix.

    with_agent_prefix(text, kwargs)               # WhatsApp: "*Sanne (Polderstroom):* text"
    with_agent_prefix(text, kwargs, bold="")      # SMS:      "Sanne (Polderstroom): text"
    agent_prefix(kwargs, bold="")                 # "Sanne (Polderstroom): ", or "" (Telegram marks it bold itself)
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from naadloos.core.settings import current_organisation

logger = logging.getLogger(__name__)

AGENT_METADATA_KEY = "agent"  # the metadata field RasaCustomerChannel.send_agent_message sets
WHATSAPP_BOLD = "*"  # WhatsApp shows *text* in bold


def organisation_name() -> str:
    """The organisation's name from config/organisation.yml; "" when the file cannot be read
    (the prefix then holds only the agent's name, and the message still goes out)."""
    try:
        return current_organisation().name
    except (OSError, ValueError) as error:
        logger.warning("Agent name prefix without the organisation's name: %s", error)
        return ""


def agent_name(fields: Mapping[str, Any]) -> str:
    """The agent's display name in a message's metadata fields; "" when a person did not write it."""
    name = fields.get(AGENT_METADATA_KEY)
    return " ".join(name.split()) if isinstance(name, str) else ""


def agent_label(name: str, organisation: str) -> str:
    """ "Sanne (Polderstroom)", or "Sanne" without an organisation name."""
    return f"{name} ({organisation})" if organisation else name


def agent_prefix(fields: Mapping[str, Any], bold: str = WHATSAPP_BOLD, organisation: str | None = None) -> str:
    """ "*Sanne (Polderstroom):* " for an agent's message, "" for any other. `bold` goes around the
    label and its colon ("" for plain text); `organisation` defaults to the configured name."""
    name = agent_name(fields)
    if not name:
        return ""
    label = agent_label(name, organisation_name() if organisation is None else organisation)
    return f"{bold}{label}:{bold} "


def with_agent_prefix(
    text: str, fields: Mapping[str, Any], bold: str = WHATSAPP_BOLD, organisation: str | None = None
) -> str:
    """`text` with the agent's name in front when an agent wrote it (see `agent_prefix`)."""
    return agent_prefix(fields, bold, organisation) + text
