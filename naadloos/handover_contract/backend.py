"""The live-chat back end behind one small interface: the built-in desk is one implementation,
Chatwoot another; `NAADLOOS_HANDOVER_BACKEND` (builtin | chatwoot) chooses.

The bot asks a back end five things (`HandoverBackend`); every failure is one of the contract's
exceptions (`naadloos.handover_contract.schema`), so the actions keep exactly one path for "no
person now". What comes back from the people (an agent's message, the conversation handed back to
the bot) arrives in the customer's chat through Rasa's HTTP API
(`naadloos.handover_contract.customer_channel`), whichever back end sent it.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from naadloos.core.environment import SettingError
from naadloos.core.settings import Settings
from naadloos.handover_contract.schema import (
    TEAM_BUSY,
    Availability,
    CallbackRequest,
    CustomerMessage,
    HandoverRefused,
    HandoverRequest,
    LiveChatUnavailable,
    OpenedHandover,
    Record,
    TicketRequest,
)

logger = logging.getLogger(__name__)

BUILTIN = "builtin"
CHATWOOT = "chatwoot"
BACKENDS = (BUILTIN, CHATWOOT)


class HandoverBackendError(SettingError):
    """NAADLOOS_HANDOVER_BACKEND names no back end, or the chosen one is not configured."""


class HandoverBackend(Protocol):
    """What the bot side needs from a live-chat product. Every method raises `LiveChatUnavailable`
    (or its `LiveChatRejected`) when the product cannot give a proper answer."""

    async def availability(self, team: str) -> Availability:
        """Whether a person of `team` can take over now, and if not, why."""

    async def open_handover(self, request: HandoverRequest, fallback_team: str | None = None) -> OpenedHandover:
        """Hands the conversation to `request.team`, or to `fallback_team` when that team is busy
        (`TEAM_BUSY`); in as few round trips as the product allows. Raises `HandoverRefused` with
        the reason when nobody can take over. A retry with the same idempotency key gives the same
        hand-over."""

    async def forward_customer_message(self, conversation_id: str, text: str, message_id: str) -> None:
        """Shows the customer's message to the person who has the conversation. `LiveChatRejected`
        with status 404 when the conversation has no open hand-over (then it is the bot's)."""

    async def ticket(self, request: TicketRequest) -> None:
        """Stores the conversation for a person to follow up (nobody could take over)."""

    async def callback(self, request: CallbackRequest) -> None:
        """Stores a callback request for a person to call the customer back."""


async def with_fallback_team(
    request: HandoverRequest, fallback_team: str | None, attempt: Callable[[HandoverRequest], Awaitable[OpenedHandover]]
) -> OpenedHandover:
    """`attempt(request)` for the trigger's team, then, only when that team is busy (`TEAM_BUSY`)
    or cannot be asked, for `fallback_team` (with its own idempotency key,
    `HandoverRequest.for_team`). Closed or a holiday is the answer at once: it holds for every team."""
    teams = list(dict.fromkeys([request.team, *([fallback_team] if fallback_team else [])]))
    for position, team in enumerate(teams):
        last = position == len(teams) - 1
        try:
            return await attempt(request.for_team(team))
        except HandoverRefused as refusal:
            if last or refusal.reason not in TEAM_BUSY:
                raise
            logger.info("team %s cannot take over (%s); asking team %s", team, refusal.reason, teams[-1])
        except LiveChatUnavailable as error:
            if last:
                raise
            logger.warning("team %s cannot be asked (%r); asking team %s", team, error, teams[-1])
    raise LiveChatUnavailable("no team to ask")  # pragma: no cover - teams is never empty


async def send_record(backend: HandoverBackend, record: Record) -> None:
    """Delivers a record that may have waited in the outbox, through `backend`."""
    if isinstance(record, TicketRequest):
        await backend.ticket(record)
    elif isinstance(record, CallbackRequest):
        await backend.callback(record)
    elif isinstance(record, CustomerMessage):
        await backend.forward_customer_message(record.conversation_id, record.text, record.message_id)
    else:  # pragma: no cover - Record is a closed union
        raise TypeError(f"not a record: {record!r}")


def handover_backend_from_settings(settings: Settings | None = None, livechat_url: str | None = None) -> HandoverBackend:
    """The back end that `NAADLOOS_HANDOVER_BACKEND` names (default: the built-in desk, at
    `livechat_url` when given, else at LIVECHAT_URL). Built lazily: nothing connects before the
    first call."""
    chosen = (settings or Settings.from_environment()).handover_backend
    if chosen == BUILTIN:
        from naadloos.handover_contract.builtin.backend import BuiltinBackend

        return BuiltinBackend.from_settings(livechat_url)
    if chosen == CHATWOOT:
        from naadloos.handover_contract.chatwoot.backend import ChatwootBackend

        return ChatwootBackend.from_settings()
    raise HandoverBackendError(f"NAADLOOS_HANDOVER_BACKEND must be one of {', '.join(BACKENDS)}, not {chosen!r}")
