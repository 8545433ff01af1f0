"""Hostile messages on the desk websocket: every frame is parsed like a request body (strict JSON,
no NaN/Infinity, at most 64 levels deep), and a bad one is answered with an error frame while the
socket stays open for the desk's next ping."""
from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

BAD_FRAMES = {
    "deeply nested": "[" * 30_000 + "]" * 30_000,  # under the 64 KiB frame limit
    "NaN": '{"type": "ping", "n": NaN}',
    "Infinity": '{"type": "ping", "n": -Infinity}',
    "not JSON": "{ping",
    "not an object": '["ping"]',
    "unknown type": '{"type": "shout"}',
}


async def next_frame(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.TEXT, f"the socket ended: {message}"
    return json.loads(message.data)


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_bad_desk_socket_message_gets_an_error_frame_and_the_socket_stays_open(service, make_agent, frame):
    agent = await make_agent("sanne")
    async with agent.session.ws_connect(service.ws_url()) as ws:
        assert (await next_frame(ws))["type"] == "hello"
        await ws.send_str(frame)
        error = await next_frame(ws)
        assert error["type"] == "error"
        assert error["error"] == "bad_request"
        assert error["message"]
        await ws.send_str(json.dumps({"type": "ping"}))
        assert await next_frame(ws) == {"type": "pong"}
