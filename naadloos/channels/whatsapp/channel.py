"""The `whatsapp` input channel: Meta's webhook at ``/webhooks/whatsapp/webhook``.

- **GET**: Meta's verification handshake; the challenge comes back as plain text when
  ``hub.verify_token`` is ours (``WHATSAPP_VERIFY_TOKEN``), otherwise 403.
- **POST**: verified first (``X-Hub-Signature-256`` with ``WHATSAPP_APP_SECRET``,
  `naadloos.channels.whatsapp.webhook`); otherwise 403 and nothing is read or stored. A verified
  delivery is answered 200 at once, because Meta sends it again when the answer is slow, and its
  messages are handled in the background: one customer's messages in order, each WhatsApp message
  id (``wamid``) once, also after a restart (`naadloos.channels.dedup`). The customer's
  ``wa_id`` is Rasa's sender id.
- Text and the choice of one of our buttons go to the assistant; a photo, voice message,
  sticker, location, ... gets a polite reply (`config/channel_messages.yml`), its caption still
  goes to the assistant (during a hand-over the colleague gets a line saying what came instead,
  with its media id: `naadloos.channels.media`); a reaction gets nothing. Status updates about our own messages (sent,
  delivered, read) are acknowledged and ignored; a failed one is logged.
- Each customer message opens their 24-hour window (`naadloos.channels.whatsapp.window`).

Without its settings the channel is off: Rasa starts as before, the webhook answers 503 and the
log names what to set. `get_output_channel()` needs no request, so an agent's reply pushed with
``output_channel=latest`` reaches the customer by their wa_id alone.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from naadloos.channels.conversations import handover_team, with_colleague
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.delivery import masked
from naadloos.channels.in_order import DEFAULT_SHUTDOWN_SECONDS, InOrder
from naadloos.channels.input_channels import OnNewMessage, from_environment, refuse, webhook_blueprint
from naadloos.channels.media import media_line
from naadloos.channels.whatsapp.closed_window import (
    CHANNEL,
    ClosedWindow,
    FileTicket,
    default_team,
    file_ticket_with_handover_backend,
)
from naadloos.channels.whatsapp.graph_api import GraphApi
from naadloos.channels.whatsapp.messages import ChoiceWording, NumberedChoices
from naadloos.channels.whatsapp.output import WhatsAppOutput
from naadloos.channels.whatsapp.settings import WhatsAppSettings
from naadloos.channels.whatsapp.webhook import (
    IGNORED,
    MEDIA,
    SIGNATURE_HEADER,
    Inbound,
    Status,
    handshake_challenge,
    parse_delivery,
    valid_signature,
)
from naadloos.channels.whatsapp.window import CustomerWindows, message_time

logger = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 3 * 1024 * 1024  # Meta's largest webhook payload
HANDSHAKE_ARGS = ("hub.mode", "hub.verify_token", "hub.challenge")


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """From ``WHATSAPP_*`` (`naadloos.channels.input_channels`)."""
        return from_environment(cls, WhatsAppSettings.from_environment, credentials, wording=[ChoiceWording.load])

    def __init__(
        self,
        settings: WhatsAppSettings,
        file_ticket: FileTicket = file_ticket_with_handover_backend,
        clock: Callable[[], float] = time.time,
        seen: SeenDeliveries | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.api = GraphApi(settings)
        self.windows = CustomerWindows(settings.window_db)
        self.choices = NumberedChoices()
        self.seen = seen or SeenDeliveries.from_settings(self.name())
        self._app: Any = None  # the Sanic app Rasa runs us in (its `ctx.agent`), once the server starts
        closed_window = ClosedWindow(self.api, settings, self.windows, file_ticket, team=self.handover_team, clock=clock)
        self.reply_output = WhatsAppOutput(self.api, self.windows, closed_window, self.choices, pushed=False, clock=clock)
        self.pushed_output = WhatsAppOutput(self.api, self.windows, closed_window, self.choices, pushed=True, clock=clock)
        self.work = InOrder()  # per customer (wa_id): their messages in order
        missing = settings.missing()
        if missing:
            logger.info("whatsapp channel off: %s not set (.env.example); its webhook answers 503", ", ".join(missing))

    def get_output_channel(self) -> OutputChannel:
        """For messages pushed through Rasa's HTTP API (an agent's reply): failures are raised."""
        return self.pushed_output

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        whatsapp_webhook = webhook_blueprint("whatsapp_webhook")

        @whatsapp_webhook.route("/webhook", methods=["GET"])
        async def handshake(request: Request) -> HTTPResponse:
            return self.handshake(request)

        @whatsapp_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return self.receive(request, on_new_message)

        @whatsapp_webhook.listener("before_server_start")
        async def remember_app(app: Any, *_: Any) -> None:
            self._app = app

        @whatsapp_webhook.listener("after_server_stop")
        async def finish(*_: Any) -> None:
            await self.close()

        return whatsapp_webhook

    async def handover_team(self, wa_id: str) -> str:
        """The team that took the customer's conversation over (a late agent reply's ticket goes
        there), or the default team when that is not known."""
        return await handover_team(self._app, wa_id) or default_team()

    def handshake(self, request: Request) -> HTTPResponse:
        """Meta's verification request when the webhook URL is saved in the app's settings."""
        missing = self.settings.missing_for_handshake()
        if missing:
            logger.warning("whatsapp verification refused: the channel is not configured (set %s)", ", ".join(missing))
            return refuse(503, "the WhatsApp channel is not configured")
        challenge = handshake_challenge({name: request.args.get(name) or "" for name in HANDSHAKE_ARGS},
                                        self.settings.verify_token)
        if challenge is None:
            logger.warning("whatsapp verification refused: hub.verify_token is not WHATSAPP_VERIFY_TOKEN (or not a subscribe)")
            return refuse(403, "verification failed")
        return response.text(challenge)

    def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """One webhook delivery: verified, acknowledged, its new messages handled in the background."""
        missing = self.settings.missing_for_webhooks()
        if missing:
            logger.warning("whatsapp webhook refused: the channel is not configured (set %s)", ", ".join(missing))
            return refuse(503, "the WhatsApp channel is not configured")
        body = request.body or b""
        if len(body) > MAX_WEBHOOK_BYTES:
            return refuse(413, "request too large")
        if not valid_signature(self.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            logger.warning("whatsapp webhook refused: %s missing or wrong (is WHATSAPP_APP_SECRET the app's secret?)",
                           SIGNATURE_HEADER)
            return refuse(403, "invalid signature")
        try:
            delivery = parse_delivery(json.loads(body))
        except ValueError:
            return refuse(400, "expected a JSON body")
        for status in delivery.statuses:
            _log_status(status)
        now = self.clock()
        for message in delivery.messages:
            if not self._for_us(message):
                logger.warning("whatsapp: message %s is for phone number id %s, not WHATSAPP_PHONE_NUMBER_ID; ignored",
                               message.wamid, message.phone_number_id)
            elif not self.seen.first_time(message.wamid):
                logger.info("whatsapp: message %s was delivered again; handled once", message.wamid)
            else:
                self._remember_window(message, now)
                self.work.start(message.wa_id, partial(self._handle, message, on_new_message, request.app))
        return response.text("ok")

    def _for_us(self, message: Inbound) -> bool:
        ours = self.settings.phone_number_id
        return not ours or not message.phone_number_id or message.phone_number_id == ours

    def _remember_window(self, message: Inbound, now: float) -> None:
        try:
            self.windows.record(message.wa_id, message_time(message.timestamp, now))
        except sqlite3.Error:  # the message is still handled; only a late agent reply may then go as a template
            logger.exception("whatsapp: the time of %s's message could not be stored in %s",
                             masked(message.wa_id), self.settings.window_db)

    async def _handle(self, message: Inbound, on_new_message: OnNewMessage, app: Any = None) -> None:
        """One customer message: to the assistant, or the polite reply to media; during a hand-over
        media goes to the colleague as a line (`naadloos.channels.media`)."""
        try:
            if message.kind == IGNORED:
                logger.debug("whatsapp: a %s from %s needs no answer", message.message_type, masked(message.wa_id))
                return
            if message.kind == MEDIA and message.media is not None and await with_colleague(app, message.wa_id):
                text = media_line([message.media], message.text)
            else:
                if message.kind == MEDIA:
                    await self.reply_output.send_response(message.wa_id, {"text": media_not_supported_text()})
                text = self.choices.answer(message.wa_id, message.text) if message.text else ""
            if text:
                await on_new_message(
                    UserMessage(text, self.reply_output, message.wa_id, input_channel=self.name(), message_id=message.wamid)
                )
        except Exception:  # noqa: BLE001 - Meta has its 200 already: log, and keep handling the next messages
            logger.exception("whatsapp: message %s from %s could not be handled", message.wamid, masked(message.wa_id))

    async def idle(self) -> None:
        """Waits until the messages in hand are handled."""
        await self.work.idle()

    async def close(self, timeout: float = DEFAULT_SHUTDOWN_SECONDS) -> None:
        """Lets the messages in hand finish (for at most `timeout` seconds), then closes the session."""
        await self.work.close(timeout)
        await self.api.close()


def _log_status(status: Status) -> None:
    if status.status == "failed":
        logger.warning("whatsapp: message %s did not reach %s: %s", status.wamid, masked(status.recipient_id),
                       "; ".join(status.errors) or "no reason given")
    else:
        logger.debug("whatsapp: message %s %s", status.wamid, status.status)
