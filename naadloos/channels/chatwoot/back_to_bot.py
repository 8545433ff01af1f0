"""When the agents give a Chatwoot front-door conversation back to the assistant.

The hand-over in Chatwoot (`naadloos.handover_contract.chatwoot.backend`) set the conversation to
`open` and paused Rasa (``ConversationPaused``, as with every back end). Agents give it back by
resolving it (Chatwoot makes it `pending` again when the customer writes next: an inbox with a
bot reopens conversations as pending) or by setting it to pending themselves. Either way the
first sign the assistant gets is a customer's message in a `pending` conversation whose hand-over
is still open in the links file, with a higher message id than the hand-over's note (so it was
written after the hand-over, not just before it while Chatwoot still said pending).

That message first closes the hand-over and resumes Rasa, the same two events the built-in desk's
"terug naar de assistent" appends (``resume``, then ``action_listen``, so the message is read as
a new turn), under Rasa's lock for the conversation; then it goes to the assistant as usual.
Chatwoot itself asks its satisfaction question when it resolves, so nothing is said here.

With another hand-over back end (the built-in desk) there is no link and this does nothing: that
desk resumes the bot itself.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationResumed

from naadloos.channels.chatwoot.webhook import CustomerMessage
from naadloos.handover_contract.chatwoot.links import HANDOVER, ChatwootLinks

logger = logging.getLogger(__name__)


async def resume_paused(agent: Any, sender_id: str) -> bool:
    """Resumes Rasa's conversation `sender_id` when it is paused; whether it was. `agent` is Rasa's
    `Agent` (its tracker store and lock store)."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None or not tracker.is_paused():
            return False
        tracker.update(ConversationResumed())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await agent.tracker_store.save(tracker)
    return True


class BackToBot:
    def __init__(self, links: ChatwootLinks | None) -> None:
        self.links = links

    def given_back(self, message: CustomerMessage) -> bool:
        """Whether `message` (in a pending conversation) is the first one after the agents gave
        the conversation back."""
        if self.links is None:
            return False
        link = self.links.link(message.conversation_id)
        return (
            link is not None and link.kind == HANDOVER and link.open and link.sender_id == message.sender_id
            and link.note_id is not None and message.message_id > link.note_id
        )

    async def take_back(self, message: CustomerMessage, agent: Any) -> None:
        """Closes the hand-over and resumes Rasa when the agents gave the conversation back; on a
        failure the hand-over stays open (the next message tries again) and the error is raised."""
        if self.links is None or not self.given_back(message) or not self.links.close(message.conversation_id):
            return
        try:
            resumed = await resume_paused(agent, message.sender_id)
        except BaseException:
            self.links.reopen(message.conversation_id)
            raise
        logger.info("chatwoot: conversation %s is back with the assistant%s", message.conversation_id,
                    "" if resumed else " (Rasa was not paused)")
