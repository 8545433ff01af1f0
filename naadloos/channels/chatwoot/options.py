"""The assistant's buttons in a Chatwoot front-door conversation: Chatwoot's options, or a numbered list.

Chatwoot shows *options* (a message with ``content_type`` ``input_select`` and
``content_attributes`` ``{"items": [{"title": ..., "value": ...}]}``, Chatwoot's "Interactive
messages") as buttons in its web widget, and hands them to the client of an API channel. The
customer's pick comes back as ``message_updated`` of that message with ``submitted_values``
(`naadloos.channels.chatwoot.webhook`), the value being the button's payload.

Other inboxes lose options (e-mail, SMS, Facebook, Instagram, WhatsApp through Twilio, Line) or
narrow them and send the pick back as typed text (WhatsApp Cloud: three buttons of 20 characters;
Telegram: 64 bytes per value). There the buttons stay a numbered list, which works on every channel
(`naadloos.channels.whatsapp.messages.NumberedChoices`).

Which inbox a conversation is in (``Channel::WebWidget``, ``Channel::Email``, ...) is learnt from
the customer's messages. A conversation not heard from since Rasa started gets the numbered list.
"""
from __future__ import annotations

from collections.abc import Sequence

from naadloos.channels.chatwoot.webhook import INPUT_SELECT, OUTGOING
from naadloos.channels.script_links import without_script_links
from naadloos.channels.whatsapp.messages import Choice
from naadloos.handover_contract.chatwoot.api import ChatwootApi

OPTIONS_CHANNELS = frozenset({"Channel::WebWidget", "Channel::Api"})  # inboxes whose pick is submitted_values
MAX_REMEMBERED = 50_000  # conversations whose inbox is kept in memory; the oldest is forgotten first


class ConversationChannels:
    """The inbox type of each conversation the customer wrote in (by Rasa's sender id), in memory."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._types: dict[str, str] = {}
        self._limit = limit

    def learn(self, sender_id: str, channel_type: str) -> None:
        self._types.pop(sender_id, None)  # to the end: the most recent is kept longest
        if channel_type:
            self._types[sender_id] = channel_type
        while len(self._types) > self._limit:
            del self._types[next(iter(self._types))]

    def shows_options(self, sender_id: str) -> bool:
        """Whether the conversation's inbox shows options and sends the pick as submitted_values."""
        return self._types.get(sender_id) in OPTIONS_CHANNELS


def option_items(options: Sequence[Choice]) -> list[dict[str, str]]:
    """The buttons as Chatwoot's option items: the title shown, the payload as the value."""
    return [{"title": without_script_links(choice.title), "value": choice.payload} for choice in options]


class AgentBotApi(ChatwootApi):
    """The Chatwoot client with what only the agent bot sends: options."""

    async def post_options(self, conversation_id: int, content: str, options: Sequence[Choice]) -> None:
        """`POST /conversations/{id}/messages`: `content` with the options, as the bot's public reply."""
        body = {"content": content, "message_type": OUTGOING, "private": False, "content_type": INPUT_SELECT,
                "content_attributes": {"items": option_items(options)}}
        await self._call("POST", f"/conversations/{conversation_id}/messages", body)
