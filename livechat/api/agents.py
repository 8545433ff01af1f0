"""Agent sessions: log in (session cookie), log out, who am I, heartbeat.

Login answers 401 "wrong username or password" alike for an unknown username, a wrong password
and a disabled agent, and 429 while guessing is throttled (`livechat.login_throttle`).
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import login_throttle, validation
from livechat.api.auth import SESSION_COOKIE, agent_required, check_same_origin, session_token_hash
from livechat.api.errors import ok, read_json
from livechat.errors import ApiError
from livechat.security import dummy_password_check, hash_session_token, new_session_token, verify_password
from livechat.services import services_of
from livechat.storage import agents as store

bp = Blueprint("agents")


def _set_session_cookie(response: HTTPResponse, token: str, max_age: int, secure: bool) -> None:
    response.cookies[SESSION_COOKIE] = token
    cookie = response.cookies[SESSION_COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


@bp.post("/agents/login")
async def login(request: Request) -> HTTPResponse:
    """Body {username, password} -> 200 with the agent and an HttpOnly, SameSite=Strict cookie."""
    check_same_origin(request)
    services = services_of(request)
    credentials = validation.login(read_json(request))
    now = services.clock()
    attempt = await login_throttle.begin(
        services.db, credentials["username"], login_throttle.client_address(request), now
    )
    if attempt.retry_after_seconds is not None:
        return login_throttle.too_many_attempts(attempt.retry_after_seconds)
    found = await services.db.run(store.agent_with_hash, credentials["username"])
    loop = asyncio.get_running_loop()
    if found is None:
        await loop.run_in_executor(None, dummy_password_check, credentials["password"])
        raise ApiError(401, "unauthorized", "wrong username or password")
    agent, password_hash = found
    password_ok = await loop.run_in_executor(None, verify_password, credentials["password"], password_hash)
    if not password_ok or agent.disabled:
        raise ApiError(401, "unauthorized", "wrong username or password")
    await login_throttle.succeeded(services.db, attempt)
    token = new_session_token()
    lifetime = timedelta(hours=services.config.session_hours)
    await services.db.run(store.create_session, agent.id, hash_session_token(token), now, now + lifetime)
    response = ok({"agent": agent.to_json()})
    _set_session_cookie(response, token, int(lifetime.total_seconds()), services.config.cookie_secure)
    return response


@bp.post("/agents/logout")
async def logout(request: Request) -> HTTPResponse:
    """Deletes the session (server side) and the cookie; fine without a session too."""
    check_same_origin(request)
    services = services_of(request)
    token_hash = session_token_hash(request)
    if token_hash:
        await services.db.run(store.delete_session, token_hash)
        services.hub.remove_session(token_hash)
    response = ok({"logged_out": True})
    _set_session_cookie(response, "", 0, services.config.cookie_secure)
    return response


@bp.get("/agents/me")
@agent_required
async def me(request: Request) -> HTTPResponse:
    return ok({"agent": request.ctx.agent.to_json()})


@bp.post("/agents/heartbeat")
@agent_required
async def heartbeat(request: Request) -> HTTPResponse:
    """Keeps the agent online (the desk websocket does the same with a 'ping')."""
    return ok({"online": True})
