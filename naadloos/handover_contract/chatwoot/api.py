"""Client for the parts of Chatwoot's Application API that the back end uses, with typed methods.

Every call goes to ``{CHATWOOT_URL}/api/v1/accounts/{account_id}/...`` with the header
``api_access_token`` and a short timeout. Failures map onto the contract's exceptions, so callers
keep one failure path: refused, timeout, 5xx or an answer of the wrong shape raise
`LiveChatUnavailable`; a 4xx raises `LiveChatRejected` with the status (401: the token is wrong,
which is also logged as an error, because nothing works until someone fixes it).

Conversation ids are Chatwoot's ``display_id`` (what the API paths and the webhooks use).

The same client serves the `chatwoot` channel (Chatwoot as the front door) with the agent bot's
access token, which Chatwoot lets post messages and change a conversation's status, team and
priority (`token_setting` names the variable in the log when Chatwoot refuses it).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from naadloos.handover_contract.schema import LiveChatRejected, LiveChatUnavailable

logger = logging.getLogger(__name__)

TOKEN_HEADER = "api_access_token"
ONLINE = "online"  # an agent's availability_status when they can take a chat
PRIORITIES = {"urgent": "urgent", "high": "high", "normal": "medium"}  # ours -> Chatwoot's


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LiveChatUnavailable(f"Chatwoot answered without a proper {what}: {value!r}")
    return value


class ChatwootApi:
    def __init__(
        self, base_url: str, account_id: int, token: str, timeout_seconds: float,
        token_setting: str = "CHATWOOT_API_TOKEN",
    ) -> None:
        self.account_id = account_id
        self._base = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}"
        self._token = token
        self._token_setting = token_setting
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> Any:
        """The parsed JSON answer (None for an empty body); the contract's exceptions otherwise."""
        headers = {TOKEN_HEADER: self._token, "Accept": "application/json"}
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(method, self._base + path, json=body, params=params, headers=headers) as reply:
                    text = await reply.text()
                    status = reply.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise LiveChatUnavailable(f"Chatwoot {method} {path}: {error!r}") from error
        if status >= 500:
            raise LiveChatUnavailable(f"Chatwoot {method} {path} answered {status}")
        if status >= 400:
            if status in (401, 403):
                logger.error("Chatwoot refused the access token (%s on %s %s): check %s", status, method, path,
                             self._token_setting)
            raise LiveChatRejected(f"Chatwoot {method} {path} answered {status}: {text[:200]!r}", status)
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise LiveChatUnavailable(f"Chatwoot {method} {path} answered no JSON") from error

    async def search_contacts(self, query: str) -> list[dict[str, Any]]:
        """`GET /contacts/search?q=`: contacts whose name, e-mail, phone or identifier contain `query`."""
        answer = await self._call("GET", "/contacts/search", params={"q": query, "include_contact_inboxes": "false"})
        payload = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(payload, list):
            raise LiveChatUnavailable(f"Chatwoot's contact search answered {answer!r}")
        return [contact for contact in payload if isinstance(contact, dict)]

    async def create_contact(self, name: str, identifier: str, inbox_id: int, source_id: str) -> int:
        """`POST /contacts` with its contact inbox in `inbox_id` under `source_id`; the contact's id."""
        answer = await self._call(
            "POST", "/contacts", {"name": name, "identifier": identifier, "inbox_id": inbox_id, "source_id": source_id}
        )
        try:
            contact = answer["payload"]["contact"]
        except (KeyError, TypeError) as error:
            raise LiveChatUnavailable(f"Chatwoot's new contact answered {answer!r}") from error
        return _int(contact.get("id") if isinstance(contact, dict) else None, "contact id")

    async def create_conversation(
        self, source_id: str, inbox_id: int, contact_id: int, status: str, team_id: int | None
    ) -> tuple[int, str]:
        """`POST /conversations` for the contact in `inbox_id`: (its display id, its status). An inbox
        that keeps one conversation per contact answers the existing one, whatever its status."""
        body: dict[str, Any] = {"source_id": source_id, "inbox_id": inbox_id, "contact_id": contact_id, "status": status}
        if team_id is not None:
            body["team_id"] = team_id
        answer = await self._call("POST", "/conversations", body)
        if not isinstance(answer, dict):
            raise LiveChatUnavailable(f"Chatwoot's new conversation answered {answer!r}")
        return _int(answer.get("id"), "conversation id"), str(answer.get("status") or "")

    async def post_message(self, conversation_id: int, content: str, message_type: str, private: bool) -> int:
        """`POST /conversations/{id}/messages`: an incoming (customer) or outgoing message, or, with
        `private`, a note only agents see; the message's id."""
        answer = await self._call(
            "POST",
            f"/conversations/{conversation_id}/messages",
            {"content": content, "message_type": message_type, "private": private},
        )
        return _int(answer.get("id") if isinstance(answer, dict) else None, "message id")

    async def conversation_inbox(self, conversation_id: int) -> int:
        """`GET /conversations/{id}`: the id of the inbox the conversation is in."""
        answer = await self._call("GET", f"/conversations/{conversation_id}")
        return _int(answer.get("inbox_id") if isinstance(answer, dict) else None, "inbox id")

    async def set_status(self, conversation_id: int, status: str) -> None:
        """`POST /conversations/{id}/toggle_status` with `status` (open | pending | resolved | snoozed)."""
        await self._call("POST", f"/conversations/{conversation_id}/toggle_status", {"status": status})

    async def set_priority(self, conversation_id: int, priority: str) -> None:
        """`POST /conversations/{id}/toggle_priority` with our priority in Chatwoot's words."""
        await self._call(
            "POST", f"/conversations/{conversation_id}/toggle_priority", {"priority": PRIORITIES.get(priority, "medium")}
        )

    async def assign_team(self, conversation_id: int, team_id: int) -> None:
        """`POST /conversations/{id}/assignments` with `team_id`."""
        await self._call("POST", f"/conversations/{conversation_id}/assignments", {"team_id": team_id})

    async def add_labels(self, conversation_id: int, labels: list[str]) -> None:
        """`POST /conversations/{id}/labels`: adds `labels` (Chatwoot keeps the conversation's others)."""
        await self._call("POST", f"/conversations/{conversation_id}/labels", {"labels": labels})

    async def team_members(self, team_id: int) -> list[dict[str, Any]]:
        """`GET /teams/{id}/team_members`: the team's agents, each with `availability_status`."""
        answer = await self._call("GET", f"/teams/{team_id}/team_members")
        if not isinstance(answer, list):
            raise LiveChatUnavailable(f"Chatwoot's team members answered {answer!r}")
        return [agent for agent in answer if isinstance(agent, dict)]

    async def inbox_members(self, inbox_id: int) -> list[dict[str, Any]]:
        """`GET /inbox_members/{inbox_id}`: the agents who work in the inbox."""
        answer = await self._call("GET", f"/inbox_members/{inbox_id}")
        payload = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(payload, list):
            raise LiveChatUnavailable(f"Chatwoot's inbox members answered {answer!r}")
        return [agent for agent in payload if isinstance(agent, dict)]
