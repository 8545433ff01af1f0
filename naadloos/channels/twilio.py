"""The `twilio` channel (WhatsApp and SMS through Twilio): Rasa's channel of that name, made safe.

`credentials.yml` names `TwilioInput` instead of Rasa's `twilio` key; the channel keeps the name
"twilio" (its webhook is ``/webhooks/twilio/webhook``, and ``output_channel=latest`` finds it).
What Rasa 3.6's own channel lacks, and this one does:

- **Verified webhooks.** Every POST must carry Twilio's ``X-Twilio-Signature`` over the URL in
  ``TWILIO_WEBHOOK_URL`` and the exact form body (blank values included, which Sanic's
  ``request.form`` would drop), compared in constant time (`naadloos.channels.twilio_api`).
  Otherwise 403, and Rasa never sees the message. Without a token or URL every webhook gets 503
  and a log line that names the missing setting: a laptop without a Twilio account runs as before.
- **Once per message.** A delivery whose ``MessageSid`` was handled before (also before a
  restart: `naadloos.channels.dedup`) is acknowledged and skipped; it becomes the user event's
  ``message_id``.
- **No blocking.** Messages go out through `TwilioApi` (aiohttp), not the twilio library's
  blocking client, to ``TWILIO_API_URL``.
- **Clear errors, no debug mode.** A failing turn answers 503 with a short JSON reason (so Twilio
  may retry it), never a 500 with a traceback; a failing send is handled as
  `naadloos.channels.delivery` describes.
- **Media and locations** get a polite Dutch reply (`config/channel_messages.yml`); a caption is
  still read as the customer's message. While a colleague has the chat, the colleague gets a line
  saying what came instead, with Twilio's media URL (`naadloos.channels.media`).
- **Conversation ids without "+"**: the customer "whatsapp:+31612345678" is the conversation
  "whatsapp:31612345678" (`conversation_id_of`), which Rasa's HTTP API can address.
- **The agent's name** goes in front of an agent's message ("*Sanne (Polderstroom):* ..." on
  WhatsApp, without asterisks on SMS), because neither shows metadata.
- Buttons become a short list under the text (the customer types their choice); custom payloads
  (meant for the web page) are not sent; an image or file goes only by a plain http(s) address
  (`naadloos.channels.script_links.web_link`); a long text is split at 1600 characters, not per paragraph,
  because separate SMS messages may arrive out of order.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from naadloos.channels.agent_prefix import WHATSAPP_BOLD, with_agent_prefix
from naadloos.channels.conversations import with_colleague
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.delivery import masked, report_failures
from naadloos.channels.input_channels import OnNewMessage, from_environment, refuse, webhook_blueprint
from naadloos.channels.media import LOCATION, Media, media_kind, media_line
from naadloos.channels.script_links import web_link
from naadloos.channels.text_parts import text_parts
from naadloos.channels.twilio_api import (
    MAX_BODY_CHARACTERS,
    WHATSAPP_PREFIX,
    TwilioApi,
    TwilioSettings,
    conversation_id_of,
    valid_twilio_signature,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_WEBHOOK_BYTES = 64 * 1024  # a message webhook is a few kB; anything larger is not Twilio's
MAX_MEDIA = 10  # Twilio's most files in one message
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'  # "no reply here": we send our own


class TwilioOutput(OutputChannel):
    """Sends to one customer through `TwilioApi`; `raise_send_errors` as in `naadloos.channels.delivery`."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, api: TwilioApi, raise_send_errors: bool) -> None:
        self.api = api
        self.raise_send_errors = raise_send_errors

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await report_failures(super().send_response(recipient_id, message), self.name(), recipient_id, self.raise_send_errors)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        bold = WHATSAPP_BOLD if recipient_id.startswith(WHATSAPP_PREFIX) else ""
        for part in text_parts(with_agent_prefix(text.strip(), kwargs, bold), MAX_BODY_CHARACTERS):
            await self.api.send_message(recipient_id, body=part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        titles = [f"- {button['title']}" for button in buttons if button.get("title")]
        await self.send_text_message(recipient_id, "\n".join([text, *titles]), **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_attachment(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        link = web_link(attachment)
        if link:
            await self.api.send_message(recipient_id, media_url=link)
        else:
            logger.warning("twilio: a file without an http(s) address is not sent to %s", masked(recipient_id))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("twilio: a custom payload is for the web page; not sent to %s", masked(recipient_id))


def form_params(request: Request) -> list[tuple[str, str]] | None:
    """The POST parameters exactly as sent (blank values kept, as Twilio signs them); None when the
    body is not a form."""
    if request.content_type.split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        return None
    try:
        return parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None


def media_of(fields: Mapping[str, str]) -> list[Media]:
    """The photos, voice messages, files (``NumMedia``, each with ``MediaUrl<n>`` and
    ``MediaContentType<n>``) and a shared location (WhatsApp) of an incoming message."""
    count = fields.get("NumMedia", "0").strip()
    found = [
        Media(media_kind(fields.get(f"MediaContentType{number}", "")), reference=fields.get(f"MediaUrl{number}", ""))
        for number in range(min(int(count), MAX_MEDIA) if count.isdigit() else 0)
    ]
    latitude, longitude = fields.get("Latitude", ""), fields.get("Longitude", "")
    if latitude and longitude:
        found.append(Media(LOCATION, f"{latitude}, {longitude}"))
    return found


class TwilioInput(RasaTwilioInput):
    """Rasa's `twilio` input channel with the changes in the module doc."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """From ``TWILIO_*`` (`naadloos.channels.input_channels`)."""
        return from_environment(cls, TwilioSettings.from_environment, credentials)

    def __init__(self, settings: TwilioSettings, seen: SeenDeliveries | None = None) -> None:
        super().__init__(settings.account_sid, settings.auth_token, settings.sms_number, debug_mode=False)
        self.settings = settings
        self.api = TwilioApi(settings)
        self.seen = seen or SeenDeliveries.from_settings(self.name())
        self.reply_output = TwilioOutput(self.api, raise_send_errors=False)
        self.pushed_output = TwilioOutput(self.api, raise_send_errors=True)
        if settings.missing_for_webhooks():
            logger.info("twilio channel off: %s not set (.env.example); its webhook answers 503",
                        ", ".join(settings.missing_for_webhooks()))
        elif settings.missing_for_sending():
            logger.warning("twilio channel cannot send: %s not set", ", ".join(settings.missing_for_sending()))

    def get_output_channel(self) -> OutputChannel:
        """For messages pushed through Rasa's HTTP API (an agent's reply): failures are raised."""
        return self.pushed_output

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        twilio_webhook = webhook_blueprint("twilio_webhook")

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @twilio_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            await self.api.close()

        return twilio_webhook

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """One webhook from Twilio: verified, de-duplicated, then handed to Rasa."""
        missing = self.settings.missing_for_webhooks()
        if missing:
            logger.warning("twilio webhook refused: the channel is not configured (set %s)", ", ".join(missing))
            return refuse(503, "the Twilio channel is not configured")
        if len(request.body) > MAX_WEBHOOK_BYTES:
            return refuse(413, "request too large")
        params = form_params(request)
        if params is None:
            return refuse(400, f"expected a {FORM_CONTENT_TYPE} body")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature or not valid_twilio_signature(self.settings.webhook_url, params, self.settings.auth_token, signature):
            logger.warning(
                "twilio webhook refused: %s missing or wrong (TWILIO_WEBHOOK_URL must be exactly the URL set at Twilio)",
                SIGNATURE_HEADER,
            )
            return refuse(403, "invalid signature")
        fields = dict(params)
        message_sid = fields.get("MessageSid", "")
        sender = conversation_id_of(fields.get("From", ""))
        if "MessageStatus" in fields or not message_sid or not sender:
            logger.debug("twilio: not an incoming message (a status callback?); ignored")
            return response.text(EMPTY_TWIML, content_type="text/xml")
        if not self.seen.first_time(message_sid):
            logger.info("twilio: message %s was delivered again; handled once", message_sid)
            return response.text(EMPTY_TWIML, content_type="text/xml")
        text = fields.get("Body", "").replace("¡", "@").strip()  # some carriers turn @ into ¡ in SMS
        media = media_of(fields)
        if media and await with_colleague(request.app, sender):
            text = media_line(media, text)  # for the colleague (`naadloos.channels.media`)
        elif media:
            await self.reply_output.send_response(sender, {"text": media_not_supported_text()})
        if text:
            try:
                await on_new_message(
                    UserMessage(text, self.reply_output, sender, input_channel=self.name(), message_id=message_sid)
                )
            except Exception:  # any failure of the turn: a clear answer to Twilio, the details in the log
                self.seen.forget(message_sid)  # Twilio may retry it
                logger.exception("twilio: message %s from %s could not be handled", message_sid, masked(sender))
                return refuse(503, "the message could not be handled; try again later")
        return response.text(EMPTY_TWIML, content_type="text/xml")
