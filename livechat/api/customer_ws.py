"""The web chat page's websocket during a hand-over: `/api/waiting/<token>/ws`.

Opened by the page with the customer's wait token as soon as the hand-over starts, kept while it
is queued or assigned (the page reconnects after a reload or a network loss). It serves two things:

- **presence** (`livechat.presence`): while a page is connected the customer is there; when the
  last one has been gone for the grace period, the desk hears that the customer left;
- **typing** (`livechat.typing_signals`): the page sends ``{"type": "typing"}`` (nothing else, no
  words); the service sends ``{"type": "typing", "name": <agent>}`` while the agent types.

The handshake needs a genuine wait token of an open hand-over (404 otherwise, the same for every
wrong token), no other site's `Origin` (403) and room for another page of this customer (429,
`livechat.customer_sockets.MAX_SOCKETS_PER_HANDOVER`); refusals are JSON, before the upgrade. A
message that is not strict JSON or not a typing signal gets an error frame; the socket stays open.
The service sends ``{"type": "hello"}`` first.
"""
from __future__ import annotations

import json
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import presence, typing_signals
from livechat.api.auth import check_same_origin
from livechat.api.errors import parse_json
from livechat.api.waiting import waiting_handover
from livechat.api.websocket import check_handshake, refusal, send_error_frame
from livechat.customer_sockets import CustomerConnection
from livechat.errors import ApiError
from livechat.hub import POLL_SECONDS
from livechat.services import services_of

bp = Blueprint("customer_ws")


@bp.middleware("request")
async def admit(request: Request) -> HTTPResponse | None:
    """Runs before the websocket handshake, so refusals are ordinary HTTP JSON errors."""
    services = services_of(request)
    try:
        check_same_origin(request)
        handover = await waiting_handover(services, str(request.match_info.get("token", "")))
        if handover.status == "closed":
            raise ApiError(404, "not_found", "unknown wait token")
        if not services.hub.customers.has_room(handover.id):
            raise ApiError(429, "too_many_requests", "too many chat pages are open for this conversation")
        check_handshake(request)
    except ApiError as error:
        return refusal(error)
    request.ctx.handover = handover
    return None


def _check_typing(message: Any) -> None:
    if not isinstance(message, dict) or message.get("type") != "typing":
        raise ApiError(400, "bad_request", 'expected {"type": "typing"}')


@bp.websocket("/waiting/<token:str>/ws")
async def customer_socket(request: Request, ws: Any, token: str) -> None:
    services = services_of(request)
    handover = request.ctx.handover
    connection = CustomerConnection(handover.id, ws)
    services.hub.customers.add(connection)
    try:
        await presence.customer_connected(services, handover)
        await ws.send(json.dumps({"type": "hello"}))
        while not connection.ended:
            raw = await ws.recv(timeout=POLL_SECONDS)  # None: nothing arrived; closed: raises
            if raw is None or connection.ended:
                continue
            try:
                _check_typing(parse_json(raw, "chat socket message"))
            except ApiError as error:
                await send_error_frame(ws, error)
                continue
            await typing_signals.customer_typing(services, handover.id)
    finally:
        if services.hub.customers.remove(connection):
            services.hub.customers.after_close(presence.customer_disconnected(services, handover.id))
    await ws.close(1000, "")
