"""The open waiting route (`GET /api/waiting/<token>`) with forged, altered and odd tokens: the same
404 for each, and for a genuine token only status, place and wait (issue 10, item 5)."""
from __future__ import annotations

import pytest

from naadloos.handover_contract.wait_token import wait_token
from tests.livechat.helpers import SECRET, handover_payload

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_only_a_genuine_token_is_answered_and_alike_for_every_wrong_one(service, make_agent, bot, http) -> None:
    await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload("conv-w", key="hk-w"))
    assert status == 201
    real = wait_token(SECRET, created["id"])
    other_secret = wait_token("x" * 40, created["id"])
    tag = real.split(".")[1]
    wrong = [
        other_secret, f"{created['id'] + 1}.{tag}", str(created["id"]), f"{created['id']}.", real[:-1], real + "0",
        real.upper(), f"0{real}", f" {real}", "1.%00", "..%2F..%2Fhealth", "9" * 30 + "." + tag,
        wait_token(SECRET, created["id"] + 1),  # genuine, but no such hand-over
    ]
    for token in wrong:
        async with http.get(service.api("/waiting/") + token.replace(" ", "%20")) as reply:
            assert reply.status == 404, token
            assert await reply.json() == {"error": "not_found", "message": "unknown wait token"}, token
    async with http.get(service.api(f"/waiting/{real}")) as reply:
        status, body = reply.status, await reply.json()
    assert status == 200 and set(body) == {"status", "queue_position", "estimated_wait_minutes", "callback", "agent_name"}
    assert "conv-w" not in str(body)
