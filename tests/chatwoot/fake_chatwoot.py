"""A stand-in Chatwoot for the tests: a real HTTP server (aiohttp, a free localhost port) with the
Application API endpoints the back end uses, in Chatwoot's request and response shapes (read from
Chatwoot's controllers, jbuilder views and swagger), and the webhooks Chatwoot sends.

- Every API call needs the header ``api_access_token`` (401 otherwise) and the right account.
- What was asked and stored is kept (`requests`, `contacts`, `conversations`, `messages`), so a
  test asserts on what Chatwoot would show its agents.
- Like Chatwoot, every message created (also a private note, also a customer's incoming message)
  sends a ``message_created`` webhook to `webhook_url` when one is set, signed
  (``X-Chatwoot-Signature``/``-Timestamp``/``-Delivery``) or, in `token` mode, unsigned to a URL
  that holds the token; an agent's reply (`agent_reply`) and resolving (`resolve`) do the same.
  `send_webhook` sends any payload with chosen headers (forged, stale, replayed ones).
- A message may have a ``content_type`` (Message#content_type) with its ``content_attributes``;
  options (``input_select``) are checked as Chatwoot's ContentAttributeValidator does (at least
  one item, items with only ``title`` and ``value``), 422 otherwise. Webhooks carry both, and a
  customer's files as ``attachments``.
- `mode` "error" answers 500 to every API call; "slow" waits `delay` seconds first.

Signatures are computed here with hmac directly, not with the receiver's code, so a mistake in
one is not mirrored by the other.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import aiohttp
from aiohttp import web

MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
STATUSES = ("open", "resolved", "pending", "snoozed")
PRIORITIES = ("low", "medium", "high", "urgent")
CONTENT_TYPES = ("text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form", "article",
                 "incoming_email", "input_csat", "integrations", "sticker")
SELECT_ITEM_KEYS = {"title", "value"}


def content_attributes_error(content_type: str, attributes: Any) -> str | None:
    """What Chatwoot's ContentAttributeValidator says of options' `attributes`; None when valid."""
    if not isinstance(attributes, dict):
        return "Content attributes is not an object"
    if content_type != "input_select":
        return None
    items = attributes.get("items")
    if not isinstance(items, list) or not items:
        return "Content attributes At least one item is required."
    keys = {key for item in items if isinstance(item, dict) for key in item}
    if any(not isinstance(item, dict) for item in items) or keys - SELECT_ITEM_KEYS:
        return f"Content attributes contains invalid keys for items : {sorted(keys - SELECT_ITEM_KEYS)}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """What Chatwoot puts in X-Chatwoot-Signature."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


@dataclass
class FakeChatwoot:
    account_id: int = 3
    inbox_id: int = 12
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_mode: str = "signed"  # signed | token (unsigned, the token is part of webhook_url)
    lock_to_single_conversation: bool = False
    mode: str = "ok"
    delay: float = 3.0
    url: str = ""
    agents: dict[int, dict[str, Any]] = field(default_factory=dict)
    inbox_member_ids: set[int] = field(default_factory=set)
    teams: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {name, member_ids}
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    contact_inboxes: list[dict[str, Any]] = field(default_factory=list)
    conversations: dict[int, dict[str, Any]] = field(default_factory=dict)  # by display id
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    webhook_answers: list[tuple[int, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(101))
    _pending: set[asyncio.Task] = field(default_factory=set)

    # --- agents and teams, as an administrator sets them up --------------------------------------
    def add_agent(self, agent_id: int, name: str, status: str = "online", inbox: bool = True) -> None:
        self.agents[agent_id] = {"id": agent_id, "name": name, "available_name": name.split()[0], "status": status}
        if inbox:
            self.inbox_member_ids.add(agent_id)

    def add_team(self, team_id: int, name: str, member_ids: list[int]) -> None:
        self.teams[team_id] = {"name": name, "member_ids": list(member_ids)}

    def set_status(self, agent_id: int, status: str) -> None:
        self.agents[agent_id]["status"] = status

    # --- server --------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        base = "/api/v1/accounts/{account}"
        app.router.add_get(base + "/contacts/search", self._search_contacts)
        app.router.add_post(base + "/contacts", self._create_contact)
        app.router.add_post(base + "/conversations", self._create_conversation)
        app.router.add_post(base + "/conversations/{id}/messages", self._create_message)
        app.router.add_post(base + "/conversations/{id}/toggle_status", self._toggle_status)
        app.router.add_post(base + "/conversations/{id}/toggle_priority", self._toggle_priority)
        app.router.add_post(base + "/conversations/{id}/assignments", self._assignments)
        app.router.add_post(base + "/conversations/{id}/labels", self._labels)
        app.router.add_get(base + "/teams/{id}/team_members", self._team_members)
        app.router.add_get(base + "/inbox_members/{id}", self._inbox_members)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.text()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body
        self.requests.append(
            {"method": request.method, "path": request.path, "query": dict(request.query), "json": parsed}
        )
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if request.headers.get("api_access_token") != self.token:
            return web.json_response({"errors": ["You need to sign in or sign up before continuing."]}, status=401)
        if request.match_info.get("account") != str(self.account_id):
            return web.json_response({"error": "You are not authorized to access this account"}, status=401)
        request["body"] = parsed if isinstance(parsed, dict) else {}
        return await handler(request)

    async def settled(self) -> None:
        """Waits until every webhook this fake started has been answered."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    # --- shapes ----------------------------------------------------------------------------------
    def _agent_json(self, agent: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": agent["id"], "account_id": self.account_id, "availability_status": agent["status"],
            "auto_offline": True, "confirmed": True, "email": f"agent{agent['id']}@example.nl",
            "provider": "email", "available_name": agent["available_name"], "name": agent["name"],
            "role": "agent", "thumbnail": "",
        }

    def _inbox_json(self) -> dict[str, Any]:
        return {"id": self.inbox_id, "name": "Naadloos", "channel_type": "Channel::Api"}

    def _contact_json(self, contact: dict[str, Any]) -> dict[str, Any]:
        inboxes = [{"source_id": ci["source_id"], "inbox": self._inbox_json()}
                   for ci in self.contact_inboxes if ci["contact_id"] == contact["id"]]
        return {
            "additional_attributes": {}, "availability_status": "offline", "email": None, "id": contact["id"],
            "name": contact["name"], "phone_number": None, "blocked": False, "identifier": contact["identifier"],
            "thumbnail": "", "custom_attributes": {}, "created_at": contact["created_at"], "contact_inboxes": inboxes,
        }

    def _team_json(self, team_id: int) -> dict[str, Any]:
        team = self.teams[team_id]
        return {"id": team_id, "name": team["name"], "description": "", "allow_auto_assign": True,
                "account_id": self.account_id, "is_member": False}

    def _conversation_json(self, conversation: dict[str, Any]) -> dict[str, Any]:
        contact = self.contacts[conversation["contact_id"]]
        meta: dict[str, Any] = {"sender": self._contact_json(contact), "channel": conversation.get("channel", "Channel::Api"),
                                "hmac_verified": False}
        if conversation["team_id"] is not None:
            meta["team"] = self._team_json(conversation["team_id"])
        return {
            "meta": meta, "id": conversation["id"], "messages": [], "account_id": self.account_id,
            "uuid": conversation["uuid"], "additional_attributes": {}, "agent_last_seen_at": 0,
            "assignee_last_seen_at": 0, "can_reply": True, "contact_last_seen_at": 0, "custom_attributes": {},
            "inbox_id": self.inbox_id, "labels": list(conversation["labels"]), "muted": False,
            "snoozed_until": None, "status": conversation["status"], "created_at": conversation["created_at"],
            "timestamp": conversation["created_at"], "first_reply_created_at": 0, "unread_count": 0,
            "last_non_activity_message": None, "last_activity_at": conversation["created_at"],
            "priority": conversation["priority"], "waiting_since": 0, "sla_policy_id": None,
        }

    def _message_webhook(self, message: dict[str, Any], event: str = "message_created") -> dict[str, Any]:
        """Message#webhook_data with the event name, as Chatwoot's WebhookListener sends it."""
        conversation = self.conversations[message["conversation_id"]]
        sender: dict[str, Any] | None
        if message["message_type"] == "incoming":
            contact = self.contacts[conversation["contact_id"]]
            sender = {"id": contact["id"], "name": contact["name"], "avatar": "", "type": "contact"}
        elif message["agent_id"] is not None:
            agent = self.agents[message["agent_id"]]
            sender = {"id": agent["id"], "name": agent["name"], "avatar_url": "", "type": "user",
                      "email": f"agent{agent['id']}@example.nl"}
        else:
            sender = None
        conversation_data = {k: v for k, v in self._conversation_json(conversation).items() if k != "last_non_activity_message"}
        payload = {
            "event": event, "account": {"id": self.account_id, "name": "Polderstroom"},
            "additional_attributes": {}, "content_attributes": message["content_attributes"],
            "content_type": message["content_type"], "content": message["content"], "conversation": conversation_data,
            "created_at": datetime.fromtimestamp(message["created_at"], timezone.utc).isoformat(),
            "id": message["id"], "inbox": {"id": self.inbox_id, "name": "Naadloos"},
            "message_type": message["message_type"], "private": message["private"], "sender": sender,
            "source_id": None,
        }
        if message["attachments"]:
            payload["attachments"] = list(message["attachments"])
        return payload

    def _status_webhook(self, conversation: dict[str, Any]) -> dict[str, Any]:
        data = self._conversation_json(conversation)
        data.pop("last_non_activity_message")
        return {**data, "event": "conversation_status_changed",
                "changed_attributes": [{"status": {"previous_value": "open", "current_value": conversation["status"]}}]}

    # --- API handlers ----------------------------------------------------------------------------
    async def _search_contacts(self, request: web.Request) -> web.Response:
        query = (request.query.get("q") or "").strip()
        if not query:
            return web.json_response({"error": "Specify search string with parameter q"}, status=422)
        # name ILIKE, identifier LIKE: both "contains" (ContactsController#search_conditions)
        found = [c for c in self.contacts.values()
                 if query.lower() in (c["name"] or "").lower() or query in (c["identifier"] or "")]
        return web.json_response({"meta": {"count": len(found), "current_page": 1},
                                  "payload": [self._contact_json(c) for c in found]})

    async def _create_contact(self, request: web.Request) -> web.Response:
        body = request["body"]
        identifier = body.get("identifier")
        if identifier and any(c["identifier"] == identifier for c in self.contacts.values()):
            return web.json_response({"message": "Identifier has already been taken", "attributes": ["identifier"]},
                                     status=422)
        if body.get("inbox_id") is not None and body["inbox_id"] != self.inbox_id:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        contact = {"id": next(self._ids), "name": body.get("name") or "", "identifier": identifier,
                   "created_at": int(time.time())}
        self.contacts[contact["id"]] = contact
        contact_inbox = None
        if body.get("inbox_id") is not None:
            contact_inbox = {"contact_id": contact["id"], "source_id": body.get("source_id") or str(uuid.uuid4())}
            self.contact_inboxes.append(contact_inbox)
        return web.json_response({"payload": {
            "contact": self._contact_json(contact),
            "contact_inbox": {"inbox": self._inbox_json() if contact_inbox else None,
                              "source_id": contact_inbox["source_id"] if contact_inbox else None},
        }})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = request["body"]
        if body.get("inbox_id") != self.inbox_id or body.get("contact_id") not in self.contacts:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        source_id = body.get("source_id") or str(uuid.uuid4())
        if not any(ci["contact_id"] == body["contact_id"] and ci["source_id"] == source_id for ci in self.contact_inboxes):
            if any(ci["source_id"] == source_id for ci in self.contact_inboxes):
                return web.json_response({"error": "source_id should be unique"}, status=422)
            self.contact_inboxes.append({"contact_id": body["contact_id"], "source_id": source_id})
        if self.lock_to_single_conversation:
            existing = [c for c in self.conversations.values() if c["contact_id"] == body["contact_id"]]
            if existing:
                return web.json_response(self._conversation_json(existing[0]))
        status = body.get("status") or "open"
        if status not in STATUSES:
            return web.json_response({"error": f"'{status}' is not a valid status"}, status=422)
        team_id = body.get("team_id")
        conversation = {
            "id": len(self.conversations) + 1, "uuid": str(uuid.uuid4()), "contact_id": body["contact_id"],
            "source_id": source_id, "status": status, "team_id": team_id if team_id in self.teams else None,
            "labels": [], "priority": None, "created_at": int(time.time()),
        }
        self.conversations[conversation["id"]] = conversation
        return web.json_response(self._conversation_json(conversation))

    def _conversation(self, request: web.Request) -> dict[str, Any] | None:
        try:
            return self.conversations.get(int(request.match_info["id"]))
        except ValueError:
            return None

    async def _create_message(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        body = request["body"]
        message_type = body.get("message_type") or "outgoing"
        if message_type not in MESSAGE_TYPES:
            return web.json_response({"error": f"'{message_type}' is not a valid message_type"}, status=422)
        content_type = body.get("content_type") or "text"
        if content_type not in CONTENT_TYPES:
            return web.json_response({"error": f"'{content_type}' is not a valid content_type"}, status=422)
        attributes = body.get("content_attributes") or {}
        error = content_attributes_error(content_type, attributes)
        if error:
            return web.json_response({"message": error, "attributes": ["content_attributes"]}, status=422)
        message = self._add_message(conversation, str(body.get("content") or ""), message_type,
                                    bool(body.get("private", False)), agent_id=None, content_type=content_type,
                                    content_attributes=attributes)
        return web.json_response({
            "id": message["id"], "content": message["content"], "inbox_id": self.inbox_id, "echo_id": None,
            "conversation_id": conversation["id"], "message_type": MESSAGE_TYPES[message_type],
            "content_type": content_type, "content_attributes": attributes, "created_at": message["created_at"],
            "private": message["private"], "source_id": None, "sender": {"id": 1, "name": "Naadloos", "type": "user"},
        })

    def _add_message(
        self, conversation: dict[str, Any], content: str, message_type: str, private: bool, agent_id: int | None,
        *, content_type: str = "text", content_attributes: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        message = {"id": next(self._ids), "conversation_id": conversation["id"], "content": content,
                   "message_type": message_type, "private": private, "agent_id": agent_id,
                   "created_at": int(time.time()), "content_type": content_type,
                   "content_attributes": dict(content_attributes or {}), "attachments": list(attachments or [])}
        self.messages.append(message)
        if message_type == "incoming" and conversation["status"] == "resolved":
            conversation["status"] = "open"  # Chatwoot reopens a resolved conversation on a new incoming message
        self._fire(self._message_webhook(message))
        return message

    async def _toggle_status(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        status = request["body"].get("status")
        if status not in STATUSES:
            return web.json_response({"error": f"'{status}' is not a valid status"}, status=422)
        conversation["status"] = status
        return web.json_response({"meta": {}, "payload": {"success": True, "conversation_id": conversation["id"],
                                                          "current_status": status, "snoozed_until": None}})

    async def _toggle_priority(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        priority = request["body"].get("priority")
        if priority not in PRIORITIES:
            return web.json_response({"error": f"'{priority}' is not a valid priority"}, status=422)
        conversation["priority"] = priority
        return web.Response(status=200)  # head :ok

    async def _assignments(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        team_id = request["body"].get("team_id")
        conversation["team_id"] = team_id if team_id in self.teams else None
        return web.json_response(self._team_json(team_id) if team_id in self.teams else None)

    async def _labels(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        if conversation is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        labels = request["body"].get("labels") or []
        conversation["labels"] = list(dict.fromkeys([*conversation["labels"], *labels]))
        return web.json_response({"payload": conversation["labels"]})

    async def _team_members(self, request: web.Request) -> web.Response:
        team = self.teams.get(int(request.match_info["id"]))
        if team is None:
            return web.json_response({"error": "Resource could not be found"}, status=404)
        return web.json_response([self._agent_json(self.agents[i]) for i in team["member_ids"]])

    async def _inbox_members(self, request: web.Request) -> web.Response:
        if request.match_info["id"] != str(self.inbox_id):
            return web.json_response({"error": "Resource could not be found"}, status=404)
        return web.json_response({"payload": [self._agent_json(self.agents[i]) for i in sorted(self.inbox_member_ids)]})

    # --- what agents do, and the webhooks ------------------------------------------------------
    def agent_reply(self, conversation_id: int, content: str, agent_id: int, private: bool = False) -> dict[str, Any]:
        """An agent writes in the conversation: a reply to the customer, or with `private` a note."""
        return self._add_message(self.conversations[conversation_id], content, "outgoing", private, agent_id)

    def resolve(self, conversation_id: int) -> None:
        """An agent marks the conversation resolved."""
        conversation = self.conversations[conversation_id]
        conversation["status"] = "resolved"
        self._fire(self._status_webhook(conversation))

    def message_payload(self, message: dict[str, Any]) -> dict[str, Any]:
        return self._message_webhook(message)

    def status_payload(self, conversation_id: int) -> dict[str, Any]:
        return self._status_webhook(self.conversations[conversation_id])

    def _fire(self, payload: dict[str, Any]) -> None:
        """Like Chatwoot's WebhookJob: after the API call, in the background."""
        if not self.webhook_url:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(payload))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)
        self.webhook_answers.append(await self.send_webhook(payload))

    def webhook_headers(
        self, body: bytes, *, timestamp: int | None = None, delivery: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """The headers Chatwoot sends with `body` (signed unless in token mode)."""
        headers = {"Content-Type": "application/json", "X-Chatwoot-Delivery": delivery or str(uuid.uuid4())}
        if self.webhook_mode == "signed":
            moment = str(int(time.time()) if timestamp is None else timestamp)
            headers["X-Chatwoot-Timestamp"] = moment
            headers["X-Chatwoot-Signature"] = sign(self.webhook_secret if secret is None else secret, moment, body)
        return headers

    async def send_webhook(
        self, payload: Any, *, headers: dict[str, str] | None = None, url: str | None = None, body: bytes | None = None
    ) -> tuple[int, Any]:
        """Posts a webhook (these exact bytes and headers when given) and returns (status, JSON answer)."""
        raw = body if body is not None else json.dumps(payload).encode()
        async with aiohttp.ClientSession() as session:
            async with session.post(url or self.webhook_url, data=raw,
                                    headers=headers if headers is not None else self.webhook_headers(raw)) as reply:
                return reply.status, await reply.json(content_type=None)


@dataclass
class RasaRecorder:
    """A stand-in for Rasa's HTTP API as the receiver uses it: records each call, keeps the events
    appended per conversation and answers them on `GET .../tracker`. `mode` "down" answers 503."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mode: str = "ok"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/conversations/{sender}/tracker/events", self._append)
        app.router.add_get("/conversations/{sender}/tracker", self._tracker)
        return app

    async def _append(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = request.match_info["sender"]
        self.calls.append({"method": "POST", "sender": sender, "query": dict(request.query), "json": body})
        if self.mode == "down":
            return web.json_response({"status": "failure"}, status=503)
        self.events.setdefault(sender, []).extend(body if isinstance(body, list) else [body])
        return web.json_response({"sender_id": sender, "events": self.events[sender]})

    async def _tracker(self, request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        self.calls.append({"method": "GET", "sender": sender, "query": dict(request.query), "json": None})
        if self.mode == "down":
            return web.json_response({"status": "failure"}, status=503)
        return web.json_response({"sender_id": sender, "events": self.events.get(sender, [])})

    def appended(self, sender: str) -> list[dict[str, Any]]:
        return list(self.events.get(sender, []))


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """`app` on a free localhost port: (runner to clean up, base URL)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"
