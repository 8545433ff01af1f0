"""A message pushed to a customer whose 24-hour window is closed (`naadloos.channels.whatsapp.window`).

Such a message comes through Rasa's HTTP API (``output_channel=latest``), mostly an agent's reply
from the desk. WhatsApp would refuse it as free text (error 131047), so:

- **An agent's reply** goes out as the approved template ``WHATSAPP_TEMPLATE_NAME`` (language
  ``WHATSAPP_TEMPLATE_LANGUAGE``) with the reply, agent's name in front, as its one variable.
  The desk marks it delivered; the log says it went as a template.
- **Without a template**, or when WhatsApp refuses the template, the reply is **not sent**: it
  becomes a ticket (reason `WINDOW_CLOSED_REASON`, the reply and why in Dutch) for the team that
  has the conversation (`team`: the channel gives its hand-over team; the default team only when
  that is unknown), kept
  in the outbox when the desk is unreachable. Then `NotSentWindowClosed` is raised: Rasa's API
  answers an error, so the desk does not mark the message delivered, shows the agent that it did
  not arrive, and tries again for a while (if the customer writes meanwhile, the retry goes out
  as a normal message). One ticket per message, however often the desk retries.
- **A service notice or the assistant's words** (no agent name: "je praat weer met de
  assistent", a queue notice) are left out with a log line; raising would make the desk retry a
  notice that can never go out.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from naadloos.channels.agent_prefix import agent_name, with_agent_prefix
from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.delivery import ProviderError, masked
from naadloos.channels.whatsapp.graph_api import GraphApi, GraphRefused
from naadloos.channels.whatsapp.messages import template_message
from naadloos.channels.whatsapp.settings import WhatsAppSettings
from naadloos.channels.whatsapp.window import CustomerWindows
from naadloos.core.settings import current_organisation
from naadloos.escalation.config import current_escalation_config
from naadloos.handover_contract.backend import handover_backend_from_settings
from naadloos.handover_contract.customer_channel import DELIVERY_KEY
from naadloos.handover_contract.outbox import Outbox, send_or_keep
from naadloos.handover_contract.schema import MAX_ID, MAX_SUMMARY, MAX_TEXT, TicketRequest

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WINDOW_CLOSED_REASON = "whatsapp_window_closed"
TICKETED = "whatsapp_window_ticket"  # the unsent replies that became a ticket (`naadloos.channels.dedup`)
TICKET_PRIORITY = "normal"
CONTACT_PREFERENCE = "not_reached"  # nobody told the customer anything: a colleague gets in touch
# Why an agent's reply was not sent: in Dutch for the ticket, in English for the log and the error.
NO_TEMPLATE = ("er is geen sjabloonbericht ingesteld (WHATSAPP_TEMPLATE_NAME)", "no template is configured")

FileTicket = Callable[[TicketRequest], Awaitable[None]]


class NotSentWindowClosed(ProviderError):
    """An agent's reply was not sent because the 24-hour window is closed; a ticket was made."""


async def file_ticket_with_handover_backend(ticket: TicketRequest) -> None:
    """Gives `ticket` to the configured live-chat back end, or keeps it in the outbox while that
    cannot be reached (the same path as the assistant's own tickets)."""
    await send_or_keep(handover_backend_from_settings(), Outbox.from_settings(), ticket)


def default_team() -> str:
    """The escalation file's default team."""
    return current_escalation_config().default_team


async def default_team_of(wa_id: str) -> str:
    """The team for a ticket about `wa_id` when nothing else is known: the default team."""
    return default_team()


def local_time(moment: float) -> str:
    """ "12-03-2026 om 14:05" in the organisation's timezone (UTC when it cannot be read)."""
    try:
        zone: ZoneInfo | timezone = current_organisation().timezone
    except (OSError, ValueError):
        zone = timezone.utc
    return datetime.fromtimestamp(moment, zone).strftime("%d-%m-%Y om %H:%M")


def message_key(wa_id: str, message: Mapping[str, Any]) -> str:
    """Names the pushed message in a ticket's idempotency key: the desk's delivery key, or a hash of
    customer and text."""
    key = message.get(DELIVERY_KEY)
    if isinstance(key, str) and key:
        return re.sub(r"[^A-Za-z0-9_.:-]", "-", key)[: MAX_ID - 20]
    return hashlib.sha256(f"{wa_id}\n{message.get('text')}".encode()).hexdigest()[:32]


class ClosedWindow:
    def __init__(
        self,
        api: GraphApi,
        settings: WhatsAppSettings,
        windows: CustomerWindows,
        file_ticket: FileTicket = file_ticket_with_handover_backend,
        team: Callable[[str], Awaitable[str]] = default_team_of,
        clock: Callable[[], float] = time.time,
        ticketed: SeenDeliveries | None = None,
    ) -> None:
        self.api = api
        self.settings = settings
        self.windows = windows
        self.file_ticket = file_ticket
        self.team = team
        self.clock = clock
        # The desk retries an unsent reply: one ticket for it, also after a restart.
        self._ticketed = ticketed or SeenDeliveries.from_settings(TICKETED)

    async def _team(self, wa_id: str) -> str:
        """The team `team` names for the customer, or the default team when that cannot be known."""
        try:
            return await self.team(wa_id)
        except Exception:  # noqa: BLE001 - the ticket must still be made: the default team sees it
            logger.exception("whatsapp: the team of %s's conversation is unknown; the ticket goes to the default team",
                             masked(wa_id))
            return default_team()

    async def handle(self, wa_id: str, message: Mapping[str, Any]) -> None:
        """Sends `message` as a template, or makes a ticket and raises `NotSentWindowClosed`, or
        leaves out a message that is not an agent's (module doc)."""
        name = agent_name(message)
        text = str(message.get("text") or "").strip()
        if not name or not text:
            logger.info("whatsapp: a message that is not an agent's reply to %s was not sent: the 24-hour window is closed",
                        masked(wa_id))
            return
        prefixed = with_agent_prefix(text, message)
        template = self.settings.template_name
        if template:
            try:
                await self.api.send(wa_id, template_message(template, self.settings.template_language, prefixed))
            except GraphRefused as refusal:
                logger.error("whatsapp: template %r was refused: %s", template, refusal)
                reason = (
                    f"WhatsApp weigerde het sjabloonbericht {template!r} ({refusal})",
                    f"WhatsApp refused template {template!r}",
                )
            else:
                logger.info(
                    "whatsapp: %s's reply to %s went out as template %r: the customer's last message is more than 24 hours old",
                    name, masked(wa_id), template,
                )
                return
        else:
            reason = NO_TEMPLATE
        await self._ticket_once(wa_id, message, name, prefixed, reason)
        raise NotSentWindowClosed(
            f"not sent: the customer's last WhatsApp message is more than 24 hours old and {reason[1]}; "
            "a ticket was made for the team"
        )

    async def _ticket_once(
        self, wa_id: str, message: Mapping[str, Any], agent: str, text: str, reason: tuple[str, str]
    ) -> None:
        key = f"whatsapp-window-{message_key(wa_id, message)}"
        if not self._ticketed.first_time(key):
            return
        last = self.windows.last_inbound(wa_id)
        when = (
            f"de klant schreef ons het laatst op {local_time(last)}, meer dan 24 uur geleden" if last is not None
            else "er is geen WhatsApp-bericht van de klant van de afgelopen 24 uur bekend"
        )
        summary = (
            f"WhatsApp-bericht van {agent} niet verstuurd: {when}. "
            f"Dan staat WhatsApp alleen een goedgekeurd sjabloonbericht toe, en {reason[0]}. "
            "Neem op een andere manier contact op, of wacht tot de klant weer een bericht stuurt."
        )
        ticket = TicketRequest(
            conversation_id=wa_id,
            idempotency_key=key,
            channel=CHANNEL,
            reason=WINDOW_CLOSED_REASON,
            priority=TICKET_PRIORITY,
            team=await self._team(wa_id),
            summary=summary[:MAX_SUMMARY],
            contact_preference=CONTACT_PREFERENCE,
            customer={"phone": f"+{wa_id}"},
            transcript=[{"role": "bot", "text": text[:MAX_TEXT], "timestamp": self.clock(),
                         "metadata": {"agent": agent, "not_sent": True}}],
        )
        try:
            await self.file_ticket(ticket)
        except Exception:  # noqa: BLE001 - the reply is still reported as not sent; the details are in the log
            self._ticketed.forget(key)
            logger.exception("whatsapp: the ticket for %s's unsent reply to %s could not be made", agent, masked(wa_id))
            return
        logger.warning("whatsapp: %s's reply to %s was not sent (%s); ticket %s made", agent, masked(wa_id), reason[1], key)
