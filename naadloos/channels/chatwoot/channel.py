"""The `chatwoot` input channel: Chatwoot's agent bot webhook at ``/webhooks/chatwoot/webhook``.

- **POST**: verified first, with the code of the Chatwoot back end
  (`naadloos.handover_contract.chatwoot.webhook_signing`: ``X-Chatwoot-Signature`` over
  ``"{timestamp}.{body}"`` with the agent bot's secret, the timestamp within the window);
  otherwise 401 and nothing is read. A body that is not Chatwoot's answers 400 with the reason.
- A verified webhook is answered 200 at once: Chatwoot gives up after 5 seconds and then hands the
  conversation to its agents. A customer's message in a `pending` conversation
  (`naadloos.channels.chatwoot.webhook`) is handled in the background, each conversation's messages
  in order, each Chatwoot message once (`naadloos.channels.dedup`). Rasa's sender id names the
  conversation (``chatwoot-<account>-<conversation>``), the metadata says ``"channel": "chatwoot"``
  and holds the ids.
- The answers go back as the agent bot's replies (`naadloos.channels.chatwoot.output`); the
  customer's pick of the bot's options (``message_updated``) reaches the assistant as the button's
  payload (`naadloos.channels.chatwoot.options`).
- A photo, voice message or file gets the polite reply of `config/channel_messages.yml`; while a
  colleague of the built-in desk has the conversation (Rasa is paused), the colleague gets a line
  saying what came, with its address when that is a plain http(s) one (`naadloos.channels.media`).
- The hand-over happens in the conversation itself (the Chatwoot back end: status `open`, team,
  private note; `NAADLOOS_HANDOVER_BACKEND=chatwoot`); from then on Chatwoot sends the customer's
  messages as `open` and the bot leaves them to the agents, until they give the conversation back
  (`naadloos.channels.chatwoot.back_to_bot`).
- When the assistant cannot answer a message (Rasa or the action server fails), the conversation
  is given to the agents: a private note that says so, and status `open`, as Chatwoot does itself
  when its agent bot does not answer. The customer is never left without anyone.

Without its settings the channel is off: Rasa starts as before, the webhook answers 503 and the log
names what to set (`naadloos.channels.chatwoot.settings`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from naadloos.channels.chatwoot.back_to_bot import BackToBot
from naadloos.channels.chatwoot.options import AgentBotApi, ConversationChannels
from naadloos.channels.chatwoot.output import OUTGOING, ChatwootOutput
from naadloos.channels.chatwoot.settings import BOT_TOKEN_VARIABLE, FrontDoorSettings
from naadloos.channels.chatwoot.webhook import CHANNEL, BadEvent, CustomerMessage, Ignored, customer_message, parse_event
from naadloos.channels.conversations import with_colleague
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.in_order import InOrder
from naadloos.channels.input_channels import OnNewMessage, from_environment, refuse, webhook_blueprint
from naadloos.channels.media import media_line
from naadloos.channels.whatsapp.messages import ChoiceWording, NumberedChoices
from naadloos.handover_contract.chatwoot.links import ChatwootLinks
from naadloos.handover_contract.chatwoot.notes import ASSISTANT_FAILED
from naadloos.handover_contract.chatwoot.webhook_signing import WebhookRejected, verify_signed
from naadloos.handover_contract.schema import LiveChatUnavailable

logger = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 1_000_000  # a message event is a few kB
OPEN = "open"  # the conversation's status when the agents have it


class ChatwootInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """From ``CHATWOOT_*`` (`naadloos.channels.input_channels`)."""
        return from_environment(cls, FrontDoorSettings.from_environment, credentials, wording=[ChoiceWording.load])

    def __init__(
        self, settings: FrontDoorSettings, seen: SeenDeliveries | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.seen = seen or SeenDeliveries.from_settings(self.name())
        self.api = AgentBotApi(settings.url, settings.account_id, settings.bot_token, settings.timeout_seconds,
                               token_setting=BOT_TOKEN_VARIABLE)
        self.choices = NumberedChoices()
        self.channels = ConversationChannels()
        self.reply_output = ChatwootOutput(self.api, self.choices, raise_send_errors=False, channels=self.channels)
        self.pushed_output = ChatwootOutput(self.api, self.choices, raise_send_errors=True, channels=self.channels)
        self.back_to_bot = BackToBot(ChatwootLinks(settings.links_db) if settings.links_db else None)
        self.work = InOrder()
        missing = settings.missing()
        if missing:
            logger.info("chatwoot channel off: %s not set (.env.example); its webhook answers 503", ", ".join(missing))
        elif settings.links_db is None:
            logger.info("chatwoot channel: hand-overs go to the built-in desk (NAADLOOS_HANDOVER_BACKEND is not chatwoot)")

    def get_output_channel(self) -> OutputChannel:
        """For messages pushed through Rasa's HTTP API: failures are raised."""
        return self.pushed_output

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        chatwoot_webhook = webhook_blueprint("chatwoot_webhook")

        @chatwoot_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return self.receive(request, on_new_message)

        @chatwoot_webhook.listener("after_server_stop")
        async def finish(*_: Any) -> None:
            await self.work.close()

        return chatwoot_webhook

    def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """One webhook: verified, acknowledged, a customer's message handled in the background."""
        missing = self.settings.missing()
        if missing:
            logger.warning("chatwoot webhook refused: the channel is not configured (set %s)", ", ".join(missing))
            return refuse(503, "the Chatwoot channel is not configured")
        body = request.body or b""
        if len(body) > MAX_WEBHOOK_BYTES:
            return refuse(413, "request too large")
        try:
            verify_signed(self.settings.bot_secret, request.headers, body, self.clock(), self.settings.window_seconds)
        except WebhookRejected as rejection:
            logger.warning("chatwoot webhook refused: %s (is CHATWOOT_AGENT_BOT_SECRET the bot's secret?)", rejection)
            return refuse(401, str(rejection))
        try:
            found = customer_message(parse_event(body), self.settings.account_id)
        except BadEvent as bad:
            return refuse(400, str(bad))
        if isinstance(found, Ignored):
            logger.debug("chatwoot: %s; ignored", found.reason)
            return response.json({"status": "ignored"})
        if not self.seen.first_time(found.rasa_message_id):
            logger.info("chatwoot: message %s was delivered again; handled once", found.rasa_message_id)
            return response.json({"status": "duplicate"})
        self.work.start(found.sender_id, partial(self._handle, found, request.app, on_new_message))
        return response.json({"status": "accepted"})

    async def _handle(self, message: CustomerMessage, app: Any, on_new_message: OnNewMessage) -> None:
        """One customer message: to the assistant (after taking the conversation back from the
        agents when they gave it back); a file to the colleague who has it, or the polite reply."""
        try:
            self.channels.learn(message.sender_id, message.channel_type)
            await self.back_to_bot.take_back(message, getattr(app.ctx, "agent", None))
            text = self.choices.answer(message.sender_id, message.text) if message.text else ""
            if message.media and await with_colleague(app, message.sender_id):
                text = media_line(message.media, message.text)
            elif message.media:
                await self.reply_output.send_response(message.sender_id, {"text": media_not_supported_text()})
            if not text:
                return
            await on_new_message(UserMessage(text, self.reply_output, message.sender_id, input_channel=self.name(),
                                             message_id=message.rasa_message_id, metadata=message.metadata()))
        except Exception:  # noqa: BLE001 - Chatwoot has its 200 already: the agents take over
            logger.exception("chatwoot: message %s in conversation %s could not be handled; the agents take over",
                             message.message_id, message.conversation_id)
            await self._to_agents(message.conversation_id)

    async def _to_agents(self, conversation_id: int) -> None:
        """Gives the conversation to the agents: a private note why, then status open."""
        try:
            await self.api.post_message(conversation_id, ASSISTANT_FAILED, OUTGOING, private=True)
            await self.api.set_status(conversation_id, OPEN)
        except LiveChatUnavailable as error:
            logger.error("chatwoot: conversation %s could not be given to the agents either: %s", conversation_id, error)

    async def idle(self) -> None:
        """Waits until the messages in hand are handled."""
        await self.work.idle()
