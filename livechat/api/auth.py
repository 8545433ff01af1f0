"""Decorators for the two kinds of callers: the bot (HMAC-signed) and agents (session cookie).

Agent requests that change something must come from the desk's own origin: a cross-site
`Origin` header is refused (403) and bodies must be JSON; with the SameSite=Strict cookie this
keeps other sites from acting on an agent's behalf.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.errors import ApiError
from livechat.security import SignatureError, hash_session_token, verify_signature
from livechat.services import services_of
from livechat.storage import agents as agent_store

SESSION_COOKIE = "naadloos_desk_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def signed(handler: Handler) -> Handler:
    """Only for requests signed by the bot with the shared secret inside the time window."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        services = services_of(request)
        try:
            verify_signature(
                services.config.shared_secret,
                request.body or b"",
                request.headers,
                services.clock().timestamp(),
                services.config.signature_window_seconds,
            )
        except SignatureError as error:
            raise ApiError(401, "unauthorized", str(error)) from error
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
