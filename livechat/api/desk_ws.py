"""The desk websocket: live events for logged-in agents (see `livechat.hub` for the event types).

The handshake needs the session cookie and the desk's own origin (401/403 JSON otherwise). The
desk sends ``{"type": "ping"}`` every 20 s; that keeps the agent online and is answered with
``{"type": "pong"}``. A message that is not strict JSON (`livechat.api.errors.parse_json`: no
NaN/Infinity, at most 64 levels) or not a ping gets an error frame ``{"type": "error", "error":
"bad_request", "message": ...}``; the socket stays open. When the session ends (logout, expiry,
password reset, disabled agent) the socket is closed with code 4401, reason "session ended" (`livechat.hub.SESSION_ENDED_CODE`).
"""
from __future__ import annotations

import json
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.api.auth import check_same_origin, current_agent, session_token_hash
from livechat.api.errors import parse_json
from livechat.api.websocket import check_handshake, refusal, send_error_frame
from livechat.errors import ApiError
from livechat.hub import POLL_SECONDS, DeskConnection
from livechat.services import services_of
from livechat.storage import agents as agent_store

bp = Blueprint("desk_ws")


@bp.middleware("request")
async def authenticate(request: Request) -> HTTPResponse | None:
    """Runs before the websocket handshake, so refusals are ordinary HTTP JSON errors."""
    try:
        check_same_origin(request)
        agent = await current_agent(request)
        if agent is None:
            raise ApiError(401, "unauthorized", "log in first")
        check_handshake(request)
    except ApiError as error:
        return refusal(error)
    request.ctx.agent = agent
    return None


def _check_ping(message: Any) -> None:
    """The desk sends only ``{"type": "ping"}``; anything else is a 400-style error frame."""
    if not isinstance(message, dict) or message.get("type") != "ping":
        raise ApiError(400, "bad_request", 'expected {"type": "ping"}')


@bp.websocket("/desk/ws")
async def desk_socket(request: Request, ws: Any) -> None:
    services = services_of(request)
    token_hash = session_token_hash(request) or ""
    connection = DeskConnection(request.ctx.agent, ws, token_hash)
    services.hub.add(connection)

    async def live_sessions(hashes: set[str]) -> set[str]:
        return await services.db.run(agent_store.live_sessions, hashes, services.clock())

    try:
        await ws.send(json.dumps({"type": "hello", "agent": request.ctx.agent.to_json()}))
        while not connection.ended:
            raw = await ws.recv(timeout=POLL_SECONDS)  # None: nothing arrived; closed: raises
            await services.hub.check_sessions(live_sessions)
            if raw is None or connection.ended:
                continue
            try:
                _check_ping(parse_json(raw, "desk socket message"))
            except ApiError as error:
                await send_error_frame(ws, error)
                continue
            agent = await services.db.run(agent_store.session_agent, token_hash, services.clock())
            if agent is None:
                connection.end_session()
                continue
            await ws.send(json.dumps({"type": "pong"}))
    finally:
        services.hub.remove(connection)
    await ws.close(connection.close_code, connection.close_reason)
