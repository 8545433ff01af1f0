"""Hostile checks on the desk after logout (issue 9, item 1; the browser side is in
tests/livechat/test_desk_browser.py): a session cookie kept or copied from before the logout
reads nothing of a conversation, over HTTP or the desk websocket."""
from __future__ import annotations

import json

import aiohttp
import pytest

from livechat.api.auth import SESSION_COOKIE as COOKIE
from tests.livechat.helpers import handover_payload

CUSTOMER_TEXT = "Mijn IBAN is NL91ABNA0417164300"


async def test_an_old_session_cookie_reads_no_conversation(service, bot, make_agent):
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload(summary=CUSTOMER_TEXT))
    assert status == 201
    assert (await agent.get(f"/handovers/{created['id']}"))[0] == 200
    old = next(cookie.value for cookie in agent.session.cookie_jar if cookie.key == COOKIE)
    assert (await agent.post("/agents/logout"))[0] == 200

    async with aiohttp.ClientSession(headers={"Cookie": f"{COOKIE}={old}"}) as replay:
        for path in ("/queue", f"/handovers/{created['id']}", "/tickets", "/callbacks", "/agents/me"):
            async with replay.get(service.api(path)) as reply:
                body = await reply.text()
                assert reply.status == 401, path
                assert CUSTOMER_TEXT not in body and "Jan Jansen" not in body, path
                assert json.loads(body)["error"] == "unauthorized"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with replay.ws_connect(service.ws_url()):
                pass
        assert refused.value.status == 401
