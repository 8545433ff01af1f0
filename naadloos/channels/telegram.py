"""The `telegram` channel: Rasa's channel of that name, with verified webhooks and an output
channel that also works for messages pushed later.

`credentials.yml` names `TelegramInput` instead of Rasa's `telegram` key; the channel keeps the
name "telegram" (webhook ``/webhooks/telegram/webhook``). What it changes:

- **Verified webhooks.** Telegram sends the secret given to ``setWebhook`` in the header
  ``X-Telegram-Bot-Api-Secret-Token``; it is compared with ``TELEGRAM_WEBHOOK_SECRET`` in constant
  time, 403 otherwise. Rasa's channel instead asks Telegram's ``getMe`` on every update and
  compares the bot's user name, which proves nothing about who sent the update.
- **One output channel that works later.** Rasa's ``get_output_channel()`` calls
  ``asyncio.run(set_webhook(...))`` each time, which fails inside Rasa's running event loop, so an
  agent's reply pushed through ``output_channel=latest`` never arrived (RasaHQ/rasa PR 13040).
  Here the output channels are made once (no network), and the webhook is registered once, in the
  background when the server has started (only with ``TELEGRAM_WEBHOOK_URL``; a failure is
  logged, not fatal).
- **Once per update.** An ``update_id`` handled before (also before a restart:
  `naadloos.channels.dedup`) is acknowledged and skipped.
- Private chats only (a group would mix customers); edits are ignored (Rasa would handle an edited
  message as a new one); "/start" (the customer opens the bot) is a greeting; a photo, voice
  message, file or location gets the polite Dutch reply of `config/channel_messages.yml`, and a
  caption is still read; while a colleague has the chat, the colleague gets a line saying what
  came, with its file_id (`naadloos.channels.media`). A button press is acknowledged to Telegram (its spinner stops).
- Sends to ``TELEGRAM_API_URL`` (a local Bot API server, or the fake in the tests); the agent's
  name goes in bold in front of an agent's message; an image or file only by a plain http(s)
  address (`naadloos.channels.script_links.web_link`); failures as `naadloos.channels.delivery`.
- Unconfigured (no bot token or secret): every webhook gets 503 and a log line naming the setting.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.utils.exceptions import NetworkError, TelegramAPIError, ValidationError
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from naadloos.channels.agent_prefix import agent_prefix
from naadloos.channels.conversations import with_colleague
from naadloos.channels.credentials import check_urls, credential_or
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.delivery import ProviderError, masked, report_failures
from naadloos.channels.input_channels import OnNewMessage, from_environment, refuse, webhook_blueprint
from naadloos.channels.media import AUDIO, CONTACT, DOCUMENT, LOCATION, PHOTO, STICKER, VIDEO, VOICE, Media, media_line
from naadloos.channels.script_links import web_link
from naadloos.core.environment import SettingError, read_float, read_secret, read_text, read_url

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_TIMEOUT_SECONDS = 10.0
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CALLBACK_DATA_BYTES = 64  # Telegram's limit for a button's callback_data
# A message's media fields, as `naadloos.channels.media` kinds; the first found names it (a venue
# also holds a location, an animation also a document).
MEDIA_FIELDS = {"photo": PHOTO, "voice": VOICE, "audio": AUDIO, "video": VIDEO, "video_note": VIDEO, "animation": VIDEO,
                "document": DOCUMENT, "sticker": STICKER, "venue": LOCATION, "location": LOCATION, "contact": CONTACT}
FILE_ID_NOTE = "Telegram file_id"  # how a colleague reads the id to fetch the file with (getFile)
START_COMMAND = "/start"
GREETING = "/greet"  # the intent a customer opening the bot means


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    webhook_url: str  # public URL registered with setWebhook at start; "" leaves the registration to you
    api_url: str
    timeout_seconds: float

    @classmethod
    def from_environment(cls, credentials: Mapping[str, Any] | None = None) -> TelegramSettings:
        settings = cls(
            bot_token=credential_or(credentials, "access_token", read_secret("TELEGRAM_BOT_TOKEN")),
            webhook_secret=credential_or(credentials, "secret_token", read_secret("TELEGRAM_WEBHOOK_SECRET")),
            webhook_url=credential_or(credentials, "webhook_url", read_text("TELEGRAM_WEBHOOK_URL")),
            api_url=credential_or(credentials, "api_url", read_url("TELEGRAM_API_URL", DEFAULT_API_URL)).rstrip("/"),
            timeout_seconds=read_float("TELEGRAM_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
        )
        if settings.bot_token:
            try:
                check_token(settings.bot_token)
            except ValidationError as error:
                raise SettingError("TELEGRAM_BOT_TOKEN is not a bot token ('123456:ABC...' from @BotFather)") from error
        if settings.webhook_secret and not SECRET_PATTERN.match(settings.webhook_secret):
            raise SettingError("TELEGRAM_WEBHOOK_SECRET: 1 to 256 characters, only A-Z, a-z, 0-9, _ and -")
        check_urls({"TELEGRAM_WEBHOOK_URL": settings.webhook_url, "TELEGRAM_API_URL": settings.api_url})
        return settings

    def missing(self) -> list[str]:
        """The variables that must be set before the channel can work."""
        return [name for name, value in (("TELEGRAM_BOT_TOKEN", self.bot_token),
                                         ("TELEGRAM_WEBHOOK_SECRET", self.webhook_secret)) if not value]


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output (an aiogram `Bot`) on `api_url`; its aiohttp session is made on first
    use, inside the running event loop. `raise_send_errors` as in `naadloos.channels.delivery`."""

    def __init__(self, settings: TelegramSettings, raise_send_errors: bool) -> None:
        Bot.__init__(self, settings.bot_token, server=TelegramAPIServer.from_base(settings.api_url),
                     timeout=settings.timeout_seconds)
        self.raise_send_errors = raise_send_errors

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await report_failures(self._send(recipient_id, message), self.name(), recipient_id, self.raise_send_errors)

    async def _send(self, recipient_id: str, message: dict[str, Any]) -> None:
        try:
            await super().send_response(recipient_id, message)
        except NetworkError as error:  # aiogram's wrapper of aiohttp's connection errors
            raise ProviderError(f"Telegram is not reachable ({error})") from error
        except TelegramAPIError as error:
            raise ProviderError(f"Telegram refused the message: {error}") from error
        except asyncio.TimeoutError as error:
            raise ProviderError("Telegram did not answer in time") from error
        except aiohttp.ClientError as error:
            raise ProviderError(f"Telegram is not reachable ({type(error).__name__})") from error

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Like Rasa's (a message per paragraph), with the agent's name in bold before the first."""
        prefix = agent_prefix(kwargs, bold="")
        for number, part in enumerate(text.strip().split("\n\n")):
            if number == 0 and prefix:
                bold = {"type": "bold", "offset": 0, "length": utf16_length(prefix.rstrip())}
                await self.send_message(recipient_id, prefix + part, entities=[bold])
            else:
                await self.send_message(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], button_type: str | None = "inline",
        **kwargs: Any,
    ) -> None:
        """Rasa's inline buttons, or a reply keyboard (the title is sent as text) when a payload
        is longer than Telegram allows."""
        if any(len(str(button.get("payload", "")).encode()) > MAX_CALLBACK_DATA_BYTES for button in buttons):
            button_type = "reply"
        await super().send_text_with_buttons(recipient_id, text, buttons, button_type, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if web_link(image):
            await super().send_image_url(recipient_id, image.strip(), **kwargs)
        else:
            logger.warning("telegram: an image without an http(s) address is not sent to %s", masked(recipient_id))

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        """Rasa's "Attachment: <address>" text, only for a plain http(s) address."""
        if web_link(attachment):
            await super().send_attachment(recipient_id, attachment.strip(), **kwargs)
        else:
            logger.warning("telegram: a file without an http(s) address is not sent to %s", masked(recipient_id))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Only Telegram payloads (Rasa's convention: a `text`, `photo`, ... key); data for the
        web page (`{"data": ...}` and the like) is not sent."""
        if not isinstance(json_message, dict) or "data" in json_message:
            logger.debug("telegram: a custom payload is for the web page; not sent to %s", masked(recipient_id))
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)

    async def register_webhook(self, url: str, secret: str) -> None:
        """``setWebhook`` with our secret (aiogram 2.15 does not know ``secret_token`` yet). A list
        goes as JSON text in the form, as aiogram sends its own list parameters."""
        await self.request("setWebhook", {"url": url, "secret_token": secret, "allowed_updates": json.dumps(ALLOWED_UPDATES)})

    async def close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Incoming:
    """What one update asks of the bot."""

    chat_id: str
    text: str  # "" when there is nothing to read
    media: tuple[Media, ...]  # a photo, voice message, file, location... (none: empty)
    callback_query_id: str = ""


def media_of(message: Mapping[str, Any]) -> tuple[Media, ...]:
    """The photo, voice message, file, place, ... of a message (at most one), for a colleague."""
    for key, kind in MEDIA_FIELDS.items():
        content = message.get(key)
        if not content:
            continue
        if isinstance(content, list):  # a photo: its sizes, the largest last
            content = content[-1]
        content = content if isinstance(content, dict) else {}
        detail = str(content.get("file_name") or "")
        if key == "venue":
            detail = ", ".join(str(content[part]) for part in ("title", "address") if content.get(part))
        elif key == "location":
            detail = f"{content.get('latitude')}, {content.get('longitude')}"
        file_id = content.get("file_id")
        return (Media(kind, detail, f"{FILE_ID_NOTE} {file_id}" if file_id else ""),)
    return ()


def incoming(update: Mapping[str, Any]) -> Incoming | None:
    """The customer's message in `update`; None for anything else (edits, groups, channel posts)."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message, text, callback_id = callback.get("message"), callback.get("data"), str(callback.get("id", ""))
    else:
        message, callback_id = update.get("message"), ""
        text = (message.get("text") or message.get("caption")) if isinstance(message, dict) else None
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private" or "id" not in chat:
        return None
    text = text.strip() if isinstance(text, str) else ""
    if text.split(" ")[0].split("@")[0] == START_COMMAND:  # "/start", "/start campagne", "/start@OnzeBot"
        text = GREETING
    media = () if isinstance(callback, dict) else media_of(message)
    return Incoming(str(chat["id"]), text, media, callback_id)


class TelegramInput(RasaTelegramInput):
    """Rasa's `telegram` input channel with the changes in the module doc."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """From ``TELEGRAM_*`` (`naadloos.channels.input_channels`)."""
        return from_environment(cls, TelegramSettings.from_environment, credentials)

    def __init__(self, settings: TelegramSettings, seen: SeenDeliveries | None = None) -> None:
        super().__init__(settings.bot_token, None, settings.webhook_url, debug_mode=False)
        self.settings = settings
        self.seen = seen or SeenDeliveries.from_settings(self.name())
        self.reply_output: TelegramOutput | None = None
        self.pushed_output: TelegramOutput | None = None
        self._registration: asyncio.Task[None] | None = None
        if settings.missing():
            logger.info("telegram channel off: %s not set (.env.example); its webhook answers 503", ", ".join(settings.missing()))
        else:
            self.reply_output = TelegramOutput(settings, raise_send_errors=False)
            self.pushed_output = TelegramOutput(settings, raise_send_errors=True)

    def get_output_channel(self) -> OutputChannel | None:
        """The one output channel for messages pushed through Rasa's HTTP API (failures are
        raised); None when unconfigured, so Rasa collects them instead."""
        return self.pushed_output

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram_webhook = webhook_blueprint("telegram_webhook")

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @telegram_webhook.listener("after_server_start")
        async def register(*_: Any) -> None:
            # In the background: a slow Telegram must not hold up the server's start.
            self._registration = asyncio.get_running_loop().create_task(self.register_webhook())

        @telegram_webhook.listener("after_server_stop")
        async def close_sessions(*_: Any) -> None:
            if self._registration is not None:
                self._registration.cancel()
            for output in (self.reply_output, self.pushed_output):
                if output is not None:
                    await output.close_session()

        return telegram_webhook

    async def register_webhook(self) -> None:
        """Tells Telegram where to send updates, with our secret; only with TELEGRAM_WEBHOOK_URL."""
        if self.pushed_output is None or not self.settings.webhook_url:
            return
        try:
            await self.pushed_output.register_webhook(self.settings.webhook_url, self.settings.webhook_secret)
        except (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("telegram: could not register the webhook %s: %s", self.settings.webhook_url, error)
            return
        logger.info("telegram: webhook registered at %s", self.settings.webhook_url)

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """One update from Telegram: verified, de-duplicated, then handed to Rasa."""
        output = self.reply_output
        if output is None:
            logger.warning("telegram webhook refused: the channel is not configured (set %s)", ", ".join(self.settings.missing()))
            return refuse(503, "the Telegram channel is not configured")
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode("utf-8", "replace"), self.settings.webhook_secret.encode("utf-8")):
            logger.warning("telegram webhook refused: %s missing or wrong", SECRET_HEADER)
            return refuse(403, "invalid secret token")
        try:
            update = request.json
        except Exception:  # Sanic raises its InvalidUsage for a body that is not JSON
            update = None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return refuse(400, "expected a Telegram update (JSON with update_id)")
        update_id = str(update["update_id"])
        if not self.seen.first_time(update_id):
            logger.info("telegram: update %s was delivered again; handled once", update_id)
            return response.json({"status": "duplicate"})
        found = incoming(update)
        if found is None:
            logger.debug("telegram: update %s holds no message from a private chat; ignored", update_id)
            return response.json({"status": "ignored"})
        if found.callback_query_id:
            await self._answer_button(output, found.callback_query_id)
        text = found.text
        if found.media and await with_colleague(request.app, found.chat_id):
            text = media_line(found.media, "" if text == GREETING else text)  # for the colleague
        elif found.media:
            await output.send_response(found.chat_id, {"text": media_not_supported_text()})
        if text:
            try:
                await on_new_message(UserMessage(text, output, found.chat_id, input_channel=self.name(),
                                                 message_id=f"telegram-{update_id}"))
            except Exception:  # any failure of the turn: a clear answer to Telegram (it retries), details in the log
                self.seen.forget(update_id)
                logger.exception("telegram: update %s from %s could not be handled", update_id, masked(found.chat_id))
                return refuse(503, "the update could not be handled; try again later")
        return response.json({"status": "ok"})

    @staticmethod
    async def _answer_button(output: TelegramOutput, callback_query_id: str) -> None:
        """Stops the spinner on the button the customer pressed; a failure only costs that."""
        try:
            await output.answer_callback_query(callback_query_id)
        except (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.debug("telegram: answerCallbackQuery failed: %s", error)
