"""The `chatwoot` output channel: the assistant's messages as the agent bot's public replies in the
customer's Chatwoot conversation (``POST /conversations/{id}/messages``, ``message_type``
outgoing), which Chatwoot delivers on the customer's own channel (WhatsApp, e-mail, web chat ...).

- The recipient is the Rasa sender id, which names the conversation (``chatwoot-<account>-<id>``).
- Buttons become Chatwoot's options (``input_select``) in an inbox that shows them and sends the
  pick back as the button's payload (the web widget, an API channel: `naadloos.channels.chatwoot.options`).
  Elsewhere, and in a conversation whose inbox is not known yet, they become a numbered list with
  the line `choose_by_number` of `config/channel_messages.yml` below it; the customer's number is
  turned back into the button's payload (`NumberedChoices`, as on WhatsApp).
- An image or attachment goes as its link, only a plain http(s) address
  (`naadloos.channels.script_links.web_link`); custom payloads (meant for the web page) are not sent.
- Script links are made harmless (Chatwoot's web widget renders Markdown); a message pushed with an
  agent's name (from the built-in desk, when that takes over) gets the name in front.

Two instances, as `naadloos.channels.delivery` describes: replies to the customer's message log a
failure; messages pushed later through Rasa's HTTP API raise it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel

from naadloos.channels.agent_prefix import with_agent_prefix
from naadloos.channels.chatwoot.options import AgentBotApi, ConversationChannels
from naadloos.channels.chatwoot.webhook import CHANNEL, OUTGOING
from naadloos.channels.delivery import ProviderError, masked, report_failures
from naadloos.channels.script_links import web_link, without_script_links
from naadloos.channels.whatsapp.messages import Choice, ChoiceWording, NumberedChoices, choices, numbered_text
from naadloos.handover_contract.chatwoot.links import front_door_conversation
from naadloos.handover_contract.schema import LiveChatUnavailable

logger = logging.getLogger(__name__)


class ChatwootOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        api: AgentBotApi,
        choices: NumberedChoices,
        raise_send_errors: bool,
        wording: Callable[[], ChoiceWording] = ChoiceWording.load,
        channels: ConversationChannels | None = None,
    ) -> None:
        self.api = api
        self.choices = choices
        self.channels = channels or ConversationChannels()
        self.raise_send_errors = raise_send_errors
        self.wording = wording

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        sending = super().send_response(recipient_id, dict(message))  # Rasa's dispatch pops from the dict
        await report_failures(sending, self.name(), recipient_id, self.raise_send_errors)

    async def _post(self, recipient_id: str, text: str, options: Sequence[Choice] = ()) -> None:
        """`text` as the bot's public reply, with `options` as Chatwoot's options when given."""
        conversation_id = front_door_conversation(recipient_id, self.api.account_id)
        if conversation_id is None:
            raise ProviderError(f"{masked(recipient_id)} is not a conversation of this Chatwoot account")
        try:
            if options:
                await self.api.post_options(conversation_id, without_script_links(text), options)
            else:
                await self.api.post_message(conversation_id, without_script_links(text), OUTGOING, private=False)
        except LiveChatUnavailable as error:
            raise ProviderError(f"Chatwoot did not take the message: {error}") from error

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        text = with_agent_prefix(text.strip(), kwargs, bold="")
        if text:
            await self._post(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        options = choices(buttons)
        if not options:
            await self.send_text_message(recipient_id, text, **kwargs)
            return
        text = with_agent_prefix(text.strip(), kwargs, bold="")
        if self.channels.shows_options(recipient_id):
            await self._post(recipient_id, text or self.wording().choose_button, options)
            self.choices.offer(recipient_id, ())  # the pick comes as the payload; an older number means nothing
            return
        await self._post(recipient_id, numbered_text(text, options, self.wording()))
        self.choices.offer(recipient_id, [choice.payload for choice in options])

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_attachment(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        link = web_link(attachment)
        if link:
            await self._post(recipient_id, link)
        else:
            logger.warning("chatwoot: a file without an http(s) address is not sent to %s", masked(recipient_id))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("chatwoot: a custom payload is for the web page; not sent to %s", masked(recipient_id))
