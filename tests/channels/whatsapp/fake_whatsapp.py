"""A stand-in for WhatsApp's Cloud API in the tests: a real HTTP server (aiohttp, a free localhost
port) that takes messages in Meta's request shape and answers in Meta's response and error shapes,
and that sends us webhooks as Meta does, signed with the app secret.

- ``POST /v19.0/{phone-number-id}/messages``: Bearer access token (401, error 190 otherwise), our
  phone number id (400, error 100 otherwise), ``messaging_product: whatsapp``, a ``to`` and a
  ``type`` with its object, within WhatsApp's limits (400, error 131009 otherwise: at most 3 reply
  buttons with titles of at most 20 characters, at most 10 list rows with titles of at most 24, a
  text body of at most 4096). A free-form message to a customer whose last message is more than
  24 hours old is refused as WhatsApp does (400, error 131047); a template must be one of
  `templates` (400, error 132001 otherwise) and may go at any time. 200 with
  ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``.
  Every request is kept in `requests`, the accepted ones in `sent`.
- `mode`: "ok", or "error" (500, error 131000, "Something went wrong").
- The webhooks (`text`, `button_reply`, `list_reply`, `media`, `status`) have Meta's shape
  (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples), and `post`
  signs the exact bytes it sends in ``X-Hub-Signature-256`` (HMAC-SHA256 with the app secret,
  computed here on its own, not with the channel's code). A customer's message also opens their
  24-hour window at this fake, from the message's timestamp, as at WhatsApp.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.processes import free_port

VERSION = "v19.0"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "31850001234"
WABA_ID = "102290129340398"
ACCESS_TOKEN = "EAAG-test-access-token-0123456789"
APP_SECRET = "whatsapp-test-app-secret-0123456789"
VERIFY_TOKEN = "naadloos-verify-token-0123"
WINDOW_SECONDS = 24 * 3600


def graph_error(status: int, code: int, message: str, details: str = "") -> web.Response:
    """Meta's error body (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "A" + uuid.uuid4().hex[:22]}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return web.json_response({"error": error}, status=status)


def wamid() -> str:
    return "wamid.HBgL" + uuid.uuid4().hex.upper()


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _limit_problem(message: dict[str, Any]) -> str:
    """What WhatsApp would refuse in `message`, or ""."""
    kind = message.get("type")
    if kind == "text":
        body = message.get("text", {}).get("body", "")
        return "" if 0 < len(body) <= 4096 else "text.body must have 1 to 4096 characters"
    if kind == "interactive":
        interactive = message["interactive"]
        body = interactive.get("body", {}).get("text", "")
        if not 0 < len(body) <= 1024:
            return "interactive.body.text must have 1 to 1024 characters"
        action = interactive.get("action", {})
        if interactive.get("type") == "button":
            buttons = action.get("buttons", [])
            if not 1 <= len(buttons) <= 3:
                return "at most 3 buttons"
            if any(not 0 < len(b["reply"]["title"]) <= 20 or not 0 < len(b["reply"]["id"]) <= 256 for b in buttons):
                return "button titles have 1 to 20 characters, ids at most 256"
            return ""
        if interactive.get("type") == "list":
            rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
            if not 0 < len(action.get("button", "")) <= 20:
                return "action.button must have 1 to 20 characters"
            if not 1 <= len(rows) <= 10:
                return "at most 10 rows"
            if any(not 0 < len(r["title"]) <= 24 or len(r.get("description", "")) > 72 or len(r["id"]) > 200 for r in rows):
                return "row titles have 1 to 24 characters, descriptions at most 72, ids at most 200"
            return ""
        return f"unknown interactive type {interactive.get('type')!r}"
    if kind in ("image", "document"):
        return "" if message.get(kind, {}).get("link", "").startswith("https://") else f"{kind}.link must be https"
    if kind == "template":
        return ""
    return f"unknown type {kind!r}"


@dataclass
class FakeWhatsApp:
    templates: dict[str, int] = field(default_factory=lambda: {"antwoord_klantenservice": 1})  # name -> body variables
    access_token: str = ACCESS_TOKEN
    app_secret: str = APP_SECRET
    mode: str = "ok"
    url: str = ""  # the API base URL, with its version
    requests: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    last_inbound: dict[str, float] = field(default_factory=dict)  # wa_id -> their latest message's timestamp
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{phone_number_id}}/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/{VERSION}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.match_info["phone_number_id"] != PHONE_NUMBER_ID:
            return graph_error(400, 100, "Unsupported post request. Object with ID "
                               f"'{request.match_info['phone_number_id']}' does not exist")
        if self.mode == "error":
            return graph_error(500, 131000, "Something went wrong")
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return graph_error(400, 100, "Invalid parameter", "messaging_product and to are required")
        problem = _limit_problem(body)
        if problem:
            return graph_error(400, 131009, "Parameter value is not valid", problem)
        to = body["to"]
        if body["type"] == "template":
            template = body["template"]
            expected = self.templates.get(template["name"])
            parameters = [p for c in template.get("components", []) if c["type"] == "body" for p in c["parameters"]]
            if expected is None:
                return graph_error(404, 132001, "Template name does not exist in the translation",
                                   f"template name ({template['name']}) does not exist in {template['language']['code']}")
            if len(parameters) != expected or any("\n" in p["text"] for p in parameters):
                return graph_error(400, 132000, "Number of parameters does not match the expected number of params")
        elif time.time() - self.last_inbound.get(to, float("-inf")) > WINDOW_SECONDS:
            return graph_error(400, 131047, "Re-engagement message", "Message failed to send because more than 24 hours "
                               "have passed since the customer last replied to this number.")
        self.sent.append(body)
        answer: dict[str, Any] = {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                                  "messages": [{"id": wamid()}]}
        if body["type"] == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return web.json_response(answer)

    # --- what reached the customer ------------------------------------------------------------------
    def to(self, wa_id: str) -> list[dict[str, Any]]:
        return [message for message in self.sent if message["to"] == wa_id]

    def texts_to(self, wa_id: str) -> list[str]:
        """Every text the customer sees: text bodies, interactive bodies, template variables."""
        texts = []
        for message in self.to(wa_id):
            if message["type"] == "text":
                texts.append(message["text"]["body"])
            elif message["type"] == "interactive":
                texts.append(message["interactive"]["body"]["text"])
            elif message["type"] == "template":
                texts.extend(p["text"] for c in message["template"]["components"] for p in c["parameters"])
        return texts

    async def wait_for(self, wa_id: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The first `count` messages to `wa_id`, once there are that many; fails after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.to(wa_id)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} messages to {wa_id} at the fake WhatsApp, got {self.to(wa_id)}")
            await asyncio.sleep(0.05)
        return self.to(wa_id)[:count]

    # --- what Meta sends us -------------------------------------------------------------------------
    def _webhook(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}, **value}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}

    def message(self, wa_id: str, content: dict[str, Any], sent_at: float | None = None, name: str = "Klant") -> dict[str, Any]:
        """A webhook with one customer message (`content`: its ``type`` and object); opens the
        customer's window here, from `sent_at` (default now)."""
        sent_at = time.time() if sent_at is None else sent_at
        self.last_inbound[wa_id] = max(self.last_inbound.get(wa_id, sent_at), sent_at)
        message = {"from": wa_id, "id": wamid(), "timestamp": str(int(sent_at)), **content}
        return self._webhook({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})

    def text(self, wa_id: str, body: str, sent_at: float | None = None) -> dict[str, Any]:
        return self.message(wa_id, {"type": "text", "text": {"body": body}}, sent_at)

    def button_reply(self, wa_id: str, reply_id: str, title: str) -> dict[str, Any]:
        return self.message(wa_id, {"type": "interactive", "context": {"from": DISPLAY_NUMBER, "id": wamid()},
                                    "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}})

    def list_reply(self, wa_id: str, reply_id: str, title: str) -> dict[str, Any]:
        return self.message(wa_id, {"type": "interactive", "context": {"from": DISPLAY_NUMBER, "id": wamid()},
                                    "interactive": {"type": "list_reply", "list_reply": {"id": reply_id, "title": title}}})

    def media(self, wa_id: str, kind: str, caption: str = "") -> dict[str, Any]:
        """A photo ("image"), voice message ("audio"), "sticker", "document" or "location"."""
        if kind == "location":
            content = {"latitude": 52.0907, "longitude": 5.1214, "name": "Thuis", "address": "Stationsplein 1, Utrecht"}
        else:
            content = {"mime_type": {"sticker": "image/webp", "audio": "audio/ogg; codecs=opus"}.get(kind, "image/jpeg"),
                       "sha256": hashlib.sha256(kind.encode()).hexdigest(), "id": str(uuid.uuid4().int)[:16]}
            if caption:
                content["caption"] = caption
        return self.message(wa_id, {"type": kind, kind: content})

    def reaction(self, wa_id: str) -> dict[str, Any]:
        return self.message(wa_id, {"type": "reaction", "reaction": {"message_id": wamid(), "emoji": "\U0001F44D"}})

    def status(self, wa_id: str, status: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A status update about one of our messages: "sent", "delivered", "read" or "failed"."""
        update: dict[str, Any] = {"id": wamid(), "status": status, "timestamp": str(int(time.time())), "recipient_id": wa_id}
        if errors:
            update["errors"] = errors
        else:
            update["conversation"] = {"id": uuid.uuid4().hex, "origin": {"type": "service"}}
            update["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        return self._webhook({"statuses": [update]})

    @staticmethod
    def message_id(webhook: dict[str, Any]) -> str:
        return webhook["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    async def post(self, url: str, webhook: dict[str, Any], signature: str | None = None) -> tuple[int, str]:
        """POSTs `webhook` to `url` as Meta does: compact JSON, signed (or with `signature`)."""
        raw = json.dumps(webhook, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua",
                   "X-Hub-Signature-256": meta_signature(self.app_secret, raw) if signature is None else signature}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=raw, headers=headers) as reply:
                return reply.status, await reply.text()

    async def handshake(self, url: str, verify_token: str, challenge: str = "1158201444") -> tuple[int, str]:
        """Meta's GET when the webhook URL is saved in the app's settings."""
        params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, params=params) as reply:
                return reply.status, await reply.text()
