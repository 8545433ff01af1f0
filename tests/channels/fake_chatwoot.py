"""The fake Chatwoot of the back-end tests (tests/chatwoot/fake_chatwoot.py: a real HTTP server with
Chatwoot's request and response shapes) with what the `chatwoot` channel adds: an inbox with an
agent bot.

- The inbox (`inbox_id`) has the agent bot: a customer's new conversation starts `pending`, and a
  resolved one becomes `pending` again when the customer writes (Chatwoot's
  Message#reopen_resolved_conversation for an inbox with an active bot).
- Every message created sends ``message_created`` to `webhook_url` (the channel), signed with
  `webhook_secret` (the bot's secret), as the base fake does: the customer's, the agents', the
  notes and the bot's own replies alike, so the channel must tell them apart.
- The bot's access token (`bot_token`) is taken only on the endpoints Chatwoot opens to agent bots
  (AccessTokenAuthHelper::BOT_ACCESSIBLE_ENDPOINTS: create a message, toggle status or priority,
  assign, show a conversation); elsewhere 401 like Chatwoot. Messages remember whose token
  created them (`by`: "bot" or "user").
- ``GET /conversations/{id}`` (show) answers the conversation, with its inbox.
- Each conversation has its inbox's channel type (``meta.channel``: "Channel::WebWidget",
  "Channel::Email", ...), chosen when it starts.
- Options (the bot's ``input_select`` message): the customer picks one in Chatwoot's web widget
  (`customer_chooses`), which stores ``submitted_values`` ``[{"title", "value"}]`` in the
  message's ``content_attributes`` (widget MessagesController#update) and sends the agent bot
  ``message_updated`` with the whole message, as Chatwoot's AgentBotListener does.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.chatwoot.fake_chatwoot import FakeChatwoot

# What Message#webhook_data holds for a photo (Attachment#push_event_data, shortened).
PHOTO = {"id": 1, "file_type": "image", "data_url": "https://chatwoot.example.nl/rails/active_storage/foto.jpg"}
# (method, path after /api/v1/accounts/{account}) that an agent bot's token may call.
BOT_ENDPOINTS = re.compile(
    r"(POST /conversations/[0-9]+/(messages|toggle_status|toggle_priority|assignments)|GET /conversations/[0-9]+)"
)


@dataclass
class FakeChatwootWithBot(FakeChatwoot):
    inbox_id: int = 7
    bot_token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/api/v1/accounts/{account}/conversations/{id}", self._show_conversation)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("api_access_token") != self.bot_token:
            request["by"] = "user"
            return await super()._middleware(request, handler)
        request["by"] = "bot"
        body = await request.text()
        parsed = _json_or_text(body)
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                              "json": parsed, "by": "bot"})
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        own_path = request.path.removeprefix(f"/api/v1/accounts/{request.match_info.get('account')}")
        if not BOT_ENDPOINTS.fullmatch(f"{request.method} {own_path}"):
            return web.json_response({"error": "Access to this endpoint is not authorized for bots"}, status=401)
        if request.match_info.get("account") != str(self.account_id):
            return web.json_response({"error": "You are not authorized to access this account"}, status=401)
        request["body"] = parsed if isinstance(parsed, dict) else {}
        return await handler(request)

    async def _create_message(self, request: web.Request) -> web.Response:
        answer = await super()._create_message(request)
        if answer.status == 200:
            self.messages[-1]["by"] = request["by"]
        return answer

    async def _show_conversation(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        return web.json_response(self._conversation_json(conversation))

    def _add_message(
        self, conversation: dict[str, Any], content: str, message_type: str, private: bool, agent_id: int | None,
        **details: Any,
    ) -> dict[str, Any]:
        if message_type == "incoming" and conversation["status"] == "resolved":
            conversation["status"] = "pending"  # an inbox with an active bot reopens as pending
        return super()._add_message(conversation, content, message_type, private, agent_id, **details)

    # --- what customers and agents do --------------------------------------------------------
    def start_conversation(self, name: str = "Fatima", channel: str = "Channel::Api") -> int:
        """A customer's first contact: a contact and a `pending` conversation in the bot's inbox,
        whose channel type is `channel`."""
        contact = {"id": next(self._ids), "name": name, "identifier": None, "created_at": int(time.time())}
        self.contacts[contact["id"]] = contact
        conversation = {
            "id": len(self.conversations) + 1, "uuid": str(uuid.uuid4()), "contact_id": contact["id"],
            "source_id": str(uuid.uuid4()), "status": "pending", "team_id": None, "labels": [], "priority": None,
            "created_at": int(time.time()), "channel": channel,
        }
        self.conversations[conversation["id"]] = conversation
        return int(conversation["id"])

    def customer_writes(
        self, conversation_id: int, text: str, photo: bool = False, attachments: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The customer sends `text` (and with `photo` an image, or these `attachments`); the webhook
        follows in the background."""
        files = attachments if attachments is not None else [PHOTO] if photo else []
        return self._add_message(self.conversations[conversation_id], text, "incoming", False, agent_id=None,
                                 attachments=files)

    def options(self, conversation_id: int) -> list[dict[str, Any]]:
        """The bot's options messages (``input_select``) in the conversation, oldest first."""
        return [m for m in self.messages if m["conversation_id"] == conversation_id and m.get("by") == "bot"
                and m["content_type"] == "input_select"]

    def customer_chooses(self, conversation_id: int, title: str) -> dict[str, Any]:
        """The customer clicks the option `title` of the bot's last options message in the web
        widget: its ``submitted_values`` are stored and ``message_updated`` follows in the background."""
        message = self.options(conversation_id)[-1]
        [item] = [item for item in message["content_attributes"]["items"] if item["title"] == title]
        message["content_attributes"]["submitted_values"] = [{"title": item["title"], "value": item["value"]}]
        self._fire(self._message_webhook(message, event="message_updated"))
        return message

    def give_back(self, conversation_id: int) -> None:
        """An agent sets the conversation to pending: back to the bot."""
        self.conversations[conversation_id]["status"] = "pending"

    def said_by_bot(self, conversation_id: int) -> list[str]:
        return [m["content"] for m in self.messages
                if m["conversation_id"] == conversation_id and m.get("by") == "bot" and not m["private"]]

    def notes(self, conversation_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["conversation_id"] == conversation_id and m["private"]]


def _json_or_text(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body
