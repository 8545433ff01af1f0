"""Decorators for the two kinds of callers: the bot (HMAC-signed) and agents (session cookie).

Agent requests that change something must come from the desk's own origin: a cross-site
`Origin` header is refused (403) and bodies must be JSON; with the SameSite=Strict cookie this
keeps other sites from acting on an agent's behalf.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.errors import ApiError
from livechat.security import hash_session_token
from livechat.services import services_of
from livechat.storage import agents as agent_store
from livechat.storage import seen_signatures
from naadloos.handover_contract.signing import SignatureError, verify_signature

SESSION_COOKIE = "naadloos_desk_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def signed(handler: Handler) -> Handler:
    """Only for requests signed by the bot with the shared secret inside the time window, over this
    method, request target (path and query as sent) and body; each signature is accepted once."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        services = services_of(request)
        now = services.clock()
        window = services.config.signature_window_seconds
        try:
            verified = verify_signature(
                services.config.shared_secret,
                request.method,
                request.raw_url,
                request.body or b"",
                request.headers,
                now.timestamp(),
                window,
            )
        except SignatureError as error:
            raise ApiError(401, "unauthorized", str(error)) from error
        expires_at = datetime.fromtimestamp(verified.timestamp + window, timezone.utc)
        if not await services.db.run(seen_signatures.remember, verified.signature, expires_at, now):
            raise ApiError(401, "unauthorized", "replayed signature")
        return await handler(request, *args, **kwargs)

    return wrapper


def check_same_origin(request: Request) -> None:
    """403 when the request names another site as its origin."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise ApiError(403, "forbidden", "cross-origin request refused")


def session_token_hash(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return hash_session_token(token) if token else None


async def current_agent(request: Request) -> agent_store.Agent | None:
    """The agent of the request's session cookie (marked as seen now), or None."""
    token_hash = session_token_hash(request)
    if token_hash is None:
        return None
    services = services_of(request)
    return await services.db.run(agent_store.session_agent, token_hash, services.clock())


def agent_required(handler: Handler) -> Handler:
    """Only for logged-in agents; puts the agent on `request.ctx.agent`."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if request.method not in SAFE_METHODS:
            check_same_origin(request)
            if request.body and "json" not in request.headers.get("content-type", ""):
                raise ApiError(400, "bad_request", "expected a JSON body (Content-Type: application/json)")
        agent = await current_agent(request)
        if agent is None:
            raise ApiError(401, "unauthorized", "log in first")
        request.ctx.agent = agent
        return await handler(request, *args, **kwargs)

    return wrapper
