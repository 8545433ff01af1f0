"""What a channel reads of a conversation in Rasa's tracker store: whether a colleague has it now
(the tracker is paused: the hand-over action's `ConversationPaused`) and which team took it over
(the `escalation_team` slot, set by the hand-over action to the team that accepted).

A channel finds Rasa's agent on its Sanic app (``app.ctx.agent``, as `rasa run` sets it) at the
moment it asks, so a model loaded later is used too. Without an agent or a tracker store (a test
server, Rasa still starting), or when the store cannot be read, nothing is known: the channel then
behaves as for a conversation with the bot, and the failure is logged.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.shared.core.trackers import DialogueStateTracker

from naadloos.channels.delivery import masked

logger = logging.getLogger(__name__)

HANDOVER_TEAM_SLOT = "escalation_team"  # the domain's slot with the team that took the hand-over


async def current_tracker(app: Any, sender_id: str) -> DialogueStateTracker | None:
    """The conversation's tracker as the store holds it now; None when it cannot be known."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - any store failure: the caller goes on without the tracker
        logger.exception("the conversation of %s could not be read from the tracker store", masked(sender_id))
        return None
    return tracker if isinstance(tracker, DialogueStateTracker) else None


async def with_colleague(app: Any, sender_id: str) -> bool:
    """Whether a colleague has the conversation now (Rasa is paused for it)."""
    tracker = await current_tracker(app, sender_id)
    return tracker is not None and tracker.is_paused()


async def handover_team(app: Any, sender_id: str) -> str | None:
    """The team that took the conversation's last hand-over; None when unknown."""
    tracker = await current_tracker(app, sender_id)
    team = tracker.get_slot(HANDOVER_TEAM_SLOT) if tracker is not None else None
    return team if isinstance(team, str) and team else None
