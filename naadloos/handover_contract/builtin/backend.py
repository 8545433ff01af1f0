"""The built-in live chat (`python -m livechat`) as a `HandoverBackend`, over its signed HTTP API
(`naadloos.handover_contract.builtin.client`).

A hand-over is one round trip: `POST /api/handovers` checks availability itself and answers 409
`not_available` with the reason. Only when the trigger's team is busy is the fallback team asked,
in a second request with its own idempotency key (`HandoverRequest.for_team`). The hand-over comes
back with the customer's wait token (`naadloos.handover_contract.wait_token`), with which the web
chat page asks this desk how the wait goes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote, unquote

from naadloos.core.settings import Settings
from naadloos.handover_contract.backend import with_fallback_team
from naadloos.handover_contract.builtin import client as livechat_client
from naadloos.handover_contract.builtin.client import LiveChatClient
from naadloos.handover_contract.schema import (
    CALLBACK,
    CUSTOMER_MESSAGE,
    TICKET,
    Availability,
    CallbackRequest,
    HandoverRequest,
    OpenedHandover,
    Record,
    TicketRequest,
    record_from_json,
)
from naadloos.handover_contract.secret import load_shared_secret
from naadloos.handover_contract.wait_token import wait_token

TICKETS_PATH = "/api/tickets"
CALLBACKS_PATH = "/api/callbacks"
_MESSAGES_PREFIX = "/api/conversations/"
_MESSAGES_SUFFIX = "/messages"


def messages_path(conversation_id: str) -> str:
    """Where a customer message of `conversation_id` goes (the id percent-encoded once)."""
    return f"{_MESSAGES_PREFIX}{quote(conversation_id, safe='')}{_MESSAGES_SUFFIX}"


class BuiltinBackend:
    def __init__(self, client: LiveChatClient, secret: str) -> None:
        self._client = client
        self._secret = secret  # the shared secret: the wait tokens are made with it

    @classmethod
    def from_settings(cls, url: str | None = None) -> BuiltinBackend:
        """The desk at `url`, or at LIVECHAT_URL."""
        secret = load_shared_secret()
        address = url or Settings.from_environment().livechat_url
        return cls(LiveChatClient(address, secret, livechat_client.TIMEOUT_SECONDS), secret)

    async def availability(self, team: str) -> Availability:
        return await self._client.availability(team)

    async def open_handover(self, request: HandoverRequest, fallback_team: str | None = None) -> OpenedHandover:
        return await with_fallback_team(request, fallback_team, self._create)

    async def _create(self, request: HandoverRequest) -> OpenedHandover:
        """One `POST /api/handovers`; the service refuses with the reason when nobody can take over."""
        handover = await self._client.create_handover(request.to_json())
        return OpenedHandover(replace(handover, wait_token=wait_token(self._secret, handover.id)), request.team)

    async def forward_customer_message(self, conversation_id: str, text: str, message_id: str) -> None:
        await self._client.post(messages_path(conversation_id), {"text": text, "message_id": message_id})

    async def ticket(self, request: TicketRequest) -> None:
        await self._client.post(TICKETS_PATH, request.to_json())

    async def callback(self, request: CallbackRequest) -> None:
        await self._client.post(CALLBACKS_PATH, request.to_json())


def record_from_builtin_path(path: str, payload: dict[str, Any]) -> Record:
    """A record that an older outbox stored as the built-in's URL path, read as its kind: for
    moving such rows to the kind column. `RecordError` for a path it does not know."""
    if path == TICKETS_PATH:
        return record_from_json(TICKET, payload)
    if path == CALLBACKS_PATH:
        return record_from_json(CALLBACK, payload)
    if path.startswith(_MESSAGES_PREFIX) and path.endswith(_MESSAGES_SUFFIX):
        conversation = unquote(path[len(_MESSAGES_PREFIX):-len(_MESSAGES_SUFFIX)])
        return record_from_json(CUSTOMER_MESSAGE, {**payload, "conversation_id": conversation})
    return record_from_json(path, payload)  # raises RecordError naming the unknown kind
