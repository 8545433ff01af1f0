"""A stand-in Telegram Bot API for the tests: a real HTTP server (aiohttp, a free localhost port)
speaking the Bot API's request and response shapes (https://core.telegram.org/bots/api).

- ``POST /bot<token>/<method>`` with parameters as JSON, URL-encoded or multipart form (as the
  real API accepts them; objects such as ``reply_markup`` or ``entities`` arrive as JSON text in
  a form). A wrong token gets 401 ``{"ok": false, "error_code": 401, "description": "Unauthorized"}``.
- ``sendMessage`` (kept in `sent`), ``sendPhoto`` by an http(s) address (kept in `photos`; any
  other text is read as a file_id that does not exist: 400), ``setWebhook`` (remembers the URL and
  ``secret_token``), ``answerCallbackQuery``, ``getMe``; anything else 404. Answers ``{"ok": true, "result": ...}``
  with a Message object as Telegram returns it.
- `mode`: "ok"; "error" answers 500; "blocked" answers 403 "Forbidden: bot was blocked by the user";
  "slow" waits `delay` seconds first.
- `send_update` posts an update to the registered webhook as Telegram does: JSON, with the
  registered secret in ``X-Telegram-Bot-Api-Secret-Token`` (or a chosen one).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.channels.fake_provider import FakeProvider

BOT_ID = 7012345678
BOT_TOKEN = f"{BOT_ID}:AAF-test-token-abcdefghijklmnopqrstuv"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Polderstroom", "username": "PolderstroomBot"}
JSON_PARAMETERS = ("reply_markup", "entities", "allowed_updates")


def bot_api_error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


@dataclass
class FakeTelegram(FakeProvider):
    token: str = BOT_TOKEN
    mode: str = "ok"
    delay: float = 3.0
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_calls: list[dict[str, Any]] = field(default_factory=list)
    answered_callbacks: list[str] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(800_000_001))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._method)

    @staticmethod
    async def _parameters(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = {key: str(value) for key, value in (await request.post()).items()}
        for key in JSON_PARAMETERS:
            if key in form:
                form[key] = json.loads(form[key])
        return form

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return bot_api_error(401, "Unauthorized")
        if self.mode == "error":
            return bot_api_error(500, "Internal Server Error")
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        method = request.match_info["method"]
        params = await self._parameters(request)
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method == "setWebhook":
            self.webhook_calls.append(params)
            self.webhook_url, self.webhook_secret = params["url"], params.get("secret_token", "")
            return web.json_response({"ok": True, "result": True, "description": "Webhook was set"})
        if method == "answerCallbackQuery":
            self.answered_callbacks.append(params["callback_query_id"])
            return web.json_response({"ok": True, "result": True})
        if method == "sendPhoto":
            return self._send_photo(params)
        if method != "sendMessage":
            return bot_api_error(404, "Not Found")
        if self.mode == "blocked":
            return bot_api_error(403, "Forbidden: bot was blocked by the user")
        if not str(params.get("text", "")).strip():
            return bot_api_error(400, "Bad Request: message text is empty")
        self.sent.append(params)
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids), "from": BOT_USER, "date": int(time.time()),
            "chat": {"id": chat_id, "first_name": "Klant", "type": "private"}, "text": params["text"],
        }
        if params.get("entities"):
            message["entities"] = params["entities"]
        if params.get("reply_markup", {}).get("inline_keyboard"):
            message["reply_markup"] = params["reply_markup"]
        return web.json_response({"ok": True, "result": message})

    def _send_photo(self, params: dict[str, Any]) -> web.Response:
        if not str(params.get("photo", "")).startswith(("https://", "http://")):
            return bot_api_error(400, "Bad Request: wrong remote file identifier specified: Wrong padding length")
        self.photos.append(params)
        chat = {"id": int(params["chat_id"]), "first_name": "Klant", "type": "private"}
        photo = [{"file_id": "AgACAgQAAxkBAAIB", "file_unique_id": "AQADAgAT", "width": 320, "height": 240}]
        return web.json_response({"ok": True, "result": {
            "message_id": next(self._message_ids), "from": BOT_USER, "date": int(time.time()), "chat": chat, "photo": photo}})

    def texts_to(self, chat_id: int) -> list[str]:
        return [message["text"] for message in self.sent if int(message["chat_id"]) == chat_id]

    # --- what Telegram sends us ---------------------------------------------------------------------
    def text_update(self, chat_id: int, text: str, **message_fields: Any) -> dict[str, Any]:
        """An Update with a message from a customer in a private chat."""
        user = {"id": chat_id, "is_bot": False, "first_name": "Klant", "language_code": "nl"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "from": user, "date": int(time.time()),
            "chat": {"id": chat_id, "first_name": "Klant", "type": "private"},
        }
        if text:
            message["text"] = text
        message.update(message_fields)
        return {"update_id": next(self._update_ids), "message": message}

    def button_update(self, chat_id: int, data: str) -> dict[str, Any]:
        """An Update for a press on an inline button (callback_query) under one of the bot's messages."""
        bot_message = {"message_id": next(self._message_ids), "from": BOT_USER, "date": int(time.time()),
                       "chat": {"id": chat_id, "first_name": "Klant", "type": "private"}, "text": "Keuze"}
        callback = {"id": str(next(self._update_ids)), "from": {"id": chat_id, "is_bot": False, "first_name": "Klant"},
                    "message": bot_message, "chat_instance": "-1234", "data": data}
        return {"update_id": next(self._update_ids), "callback_query": callback}

    async def send_update(self, update: dict[str, Any], secret: str | None = None, url: str | None = None) -> tuple[int, str]:
        """POSTs `update` to the registered webhook (or `url`) with the registered secret (or `secret`)."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret if secret is None else secret}
        async with aiohttp.ClientSession() as session:
            async with session.post(url or self.webhook_url, json=update, headers=headers) as reply:
                return reply.status, await reply.text()
