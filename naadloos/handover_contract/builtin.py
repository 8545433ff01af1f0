"""The built-in live chat (`python -m livechat`) as a `HandoverBackend`, over its signed HTTP API
(`naadloos.livechat_client`).

A hand-over is one round trip: `POST /api/handovers` checks availability itself and answers 409
`not_available` with the reason. Only when the trigger's team is busy is the fallback team asked,
in a second request with its own idempotency key (`HandoverRequest.for_team`).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from naadloos.handover_contract.backend import with_fallback_team
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
from naadloos.livechat_client import LiveChatClient

TICKETS_PATH = "/api/tickets"
CALLBACKS_PATH = "/api/callbacks"
_MESSAGES_PREFIX = "/api/conversations/"
_MESSAGES_SUFFIX = "/messages"


def messages_path(conversation_id: str) -> str:
    """Where a customer message of `conversation_id` goes (the id percent-encoded once)."""
    return f"{_MESSAGES_PREFIX}{quote(conversation_id, safe='')}{_MESSAGES_SUFFIX}"


class BuiltinBackend:
    def __init__(self, client: LiveChatClient) -> None:
        self._client = client

    @classmethod
    def from_settings(cls) -> BuiltinBackend:
        return cls(LiveChatClient.from_settings())

    async def availability(self, team: str) -> Availability:
        return await self._client.availability(team)

    async def open_handover(self, request: HandoverRequest, fallback_team: str | None = None) -> OpenedHandover:
        return await with_fallback_team(request, fallback_team, self._create)

    async def _create(self, request: HandoverRequest) -> OpenedHandover:
        """One `POST /api/handovers`; the service refuses with the reason when nobody can take over."""
        return OpenedHandover(await self._client.create_handover(request.to_json()), request.team)

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
