"""Agent login, session cookie, logout and the checks on agent requests."""
from __future__ import annotations

import aiohttp
import sqlalchemy as sa

from livechat.storage.schema import agent_sessions
from tests.livechat.helpers import AgentClient


async def test_login_sets_a_strict_httponly_cookie(service, make_agent):
    agent = await make_agent("sanne", name="Sanne de Vries", login=False)
    async with agent.session.post(
        service.api("/agents/login"), json={"username": "sanne", "password": agent.password}
    ) as reply:
        assert reply.status == 200
        body = await reply.json()
        cookie_header = reply.headers["Set-Cookie"]
    assert body["agent"]["name"] == "Sanne de Vries"
    assert "naadloos_desk_session=" in cookie_header
    assert "HttpOnly" in cookie_header
    assert "SameSite=Strict" in cookie_header
    assert "Path=/" in cookie_header

    status, me = await agent.get("/agents/me")
    assert status == 200
    assert me["agent"]["username"] == "sanne"


async def test_only_the_token_hash_is_stored(service, make_agent):
    agent = await make_agent("sanne")
    token = next(c.value for c in agent.session.cookie_jar if c.key == "naadloos_desk_session")
    engine = sa.create_engine(service.config.database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(agent_sessions.c.token_hash)).scalars().all()
    engine.dispose()
    assert len(stored) == 1
    assert token not in stored[0]
    assert len(stored[0]) == 64


async def test_wrong_password_and_unknown_user_are_401(service, make_agent):
    agent = await make_agent("sanne", login=False)
    agent.password = "wrong"
    status, body = await agent.login()
    assert status == 401
    assert body == {"error": "unauthorized", "message": "wrong username or password"}
    stranger = AgentClient(service, "nobody", "whatever")
    try:
        status, body = await stranger.login()
    finally:
        await stranger.close()
    assert status == 401
    assert body["message"] == "wrong username or password"


async def test_login_body_is_validated(service, make_agent):
    agent = await make_agent("sanne", login=False)
    status, body = await agent.post("/agents/login", {"username": "sanne"})
    assert status == 422
    assert body["field"] == "password"


async def test_without_session_the_desk_api_is_401(service, http):
    for path in ("/agents/me", "/queue", "/handovers/1", "/tickets", "/callbacks"):
        async with http.get(service.api(path)) as reply:
            assert reply.status == 401, path
            assert (await reply.json())["error"] == "unauthorized"
    async with http.post(service.api("/handovers/1/accept"), json={}) as reply:
        assert reply.status == 401


async def test_a_made_up_cookie_is_401(service):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        session.cookie_jar.update_cookies({"naadloos_desk_session": "forged"}, aiohttp.client.URL(service.url))
        async with session.get(service.api("/agents/me")) as reply:
            assert reply.status == 401


async def test_logout_ends_the_session_on_the_server(service, make_agent):
    agent = await make_agent("sanne")
    token = next(c.value for c in agent.session.cookie_jar if c.key == "naadloos_desk_session")
    status, _ = await agent.post("/agents/logout")
    assert status == 200
    assert (await agent.get("/agents/me"))[0] == 401
    # Even with the old cookie sent again by hand, the session is gone.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        session.cookie_jar.update_cookies({"naadloos_desk_session": token}, aiohttp.client.URL(service.url))
        async with session.get(service.api("/agents/me")) as reply:
            assert reply.status == 401


async def test_cross_origin_posts_are_refused(service, make_agent):
    agent = await make_agent("sanne")
    async with agent.session.post(
        service.api("/agents/heartbeat"), json={}, headers={"Origin": "https://evil.example"}
    ) as reply:
        assert reply.status == 403
        assert (await reply.json())["error"] == "forbidden"
    async with agent.session.post(
        service.api("/agents/heartbeat"), json={}, headers={"Origin": service.url}
    ) as reply:
        assert reply.status == 200


async def test_form_posts_are_refused(service, make_agent):
    agent = await make_agent("sanne")
    async with agent.session.post(service.api("/handovers/1/close"), data={"outcome": "resolved"}) as reply:
        assert reply.status == 400
        assert "JSON" in (await reply.json())["message"]
