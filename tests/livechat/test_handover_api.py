"""POST /api/handovers against the real service: signature, idempotency, validation, sizes."""
from __future__ import annotations

import json

import pytest

from naadloos.handover_contract.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_headers
from tests.livechat.helpers import SECRET, handover_payload


@pytest.fixture
async def agent(make_agent):
    """An agent online, so the service accepts hand-overs."""
    return await make_agent("sanne", name="Sanne")


async def test_health(service, http):
    async with http.get(f"{service.url}/health") as reply:
        assert reply.status == 200
        assert await reply.json() == {"status": "ok", "database": "ok"}


async def test_created_then_idempotent(service, bot, agent):
    status, first = await bot.post("/handovers", handover_payload())
    assert status == 201, first
    assert first["created"] is True
    assert first["status"] == "queued"
    assert first["queue_position"] == 1
    assert first["estimated_wait_minutes"] == 0
    assert first["accept_timeout_seconds"] == service.config.accept_timeout_seconds

    status, second = await bot.post("/handovers", handover_payload())
    assert status == 200
    assert second["created"] is False
    assert second["id"] == first["id"]

    status, queue = await agent.get("/queue")
    assert status == 200
    assert [h["id"] for h in queue["queued"]] == [first["id"]]


async def test_the_transcript_keeps_why_the_assistant_did_not_understand(service, bot, agent):
    payload = handover_payload("conv-scope")
    payload["transcript"][0]["scope"] = {"verdict": "far", "score": 0.21}
    status, created = await bot.post("/handovers", payload)
    assert status == 201, created
    status, detail = await agent.get(f"/handovers/{created['id']}")
    assert status == 200
    assert detail["handover"]["transcript"][0]["scope"] == {"verdict": "far", "score": 0.21}


async def test_same_conversation_with_a_new_key_gets_the_open_handover(service, bot, agent):
    _, first = await bot.post("/handovers", handover_payload(key="a-1"))
    status, second = await bot.post("/handovers", handover_payload(key="a-2"))
    assert status == 200
    assert second["id"] == first["id"]


async def test_missing_signature_is_401(service, http):
    async with http.post(service.api("/handovers"), json=handover_payload()) as reply:
        assert reply.status == 401
        body = await reply.json()
    assert body["error"] == "unauthorized"
    assert "missing" in body["message"]


async def test_wrong_signature_is_401(service, http):
    body = json.dumps(handover_payload()).encode()
    timestamp = int(service.clock().timestamp())
    headers = signature_headers("another-secret-" + "x" * 32, "POST", "/api/handovers", body, timestamp=timestamp)
    async with http.post(service.api("/handovers"), data=body, headers=headers) as reply:
        assert reply.status == 401
        assert (await reply.json())["message"] == "invalid signature"


async def test_tampered_body_is_401(service, http):
    body = json.dumps(handover_payload()).encode()
    timestamp = int(service.clock().timestamp())
    headers = signature_headers(SECRET, "POST", "/api/handovers", body, timestamp=timestamp)
    tampered = body.replace(b"normal", b"urgent")
    async with http.post(service.api("/handovers"), data=tampered, headers=headers) as reply:
        assert reply.status == 401


@pytest.mark.parametrize("offset, expected", [(-301, 401), (-299, 201), (299, 201), (301, 401)])
async def test_replay_window_both_directions(service, bot, agent, offset, expected):
    status, body = await bot.post("/handovers", handover_payload(), timestamp=service.clock().timestamp() + offset)
    assert status == expected, body
    if expected == 401:
        assert body["message"] == "timestamp outside the allowed window"


async def test_garbage_timestamp_is_401(service, http):
    body = b"{}"
    headers = {TIMESTAMP_HEADER: "yesterday", NONCE_HEADER: "0" * 32, SIGNATURE_HEADER: "00"}
    async with http.post(service.api("/handovers"), data=body, headers=headers) as reply:
        assert reply.status == 401


async def test_not_json_is_400(service, bot):
    status, body = await bot.post("/handovers", b"{not json")
    assert status == 400
    assert body["error"] == "bad_request"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"conversation_id": None}, "conversation_id"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "spaces are not allowed"}, "idempotency_key"),
        ({"priority": "asap"}, "priority"),
        ({"team": "unknown-team"}, "team"),
        ({"summary": 12}, "summary"),
        ({"summary": "x" * 2001}, "summary"),
        ({"customer": ["not", "an", "object"]}, "customer"),
        ({"transcript": "hello"}, "transcript"),
        ({"transcript": [{"role": "agent", "text": "hi"}]}, "transcript[0].role"),
        ({"transcript": [{"role": "user", "text": "hi", "intent": {"name": "x", "confidence": 2}}]},
         "transcript[0].intent.confidence"),
        ({"transcript": [{"role": "user", "text": "hi", "timestamp": "gisteren"}]}, "transcript[0].timestamp"),
        ({"events": [{"no": "event name"}]}, "events[0]"),
    ],
)
async def test_invalid_bodies_are_422(service, bot, change, field):
    payload = handover_payload()
    for key, value in change.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    status, body = await bot.post("/handovers", payload)
    assert status == 422, body
    assert body["error"] == "validation_error"
    assert body["field"] == field


async def test_body_must_be_an_object(service, bot):
    status, body = await bot.post("/handovers", [1, 2, 3])
    assert status == 422
    assert body["field"] == "body"


async def test_oversized_body_is_413_json(service, bot):
    payload = handover_payload(events=[{"event": "user", "text": "x" * 1000}] * 1100)
    status, body = await bot.post("/handovers", payload)
    assert status == 413
    assert body["error"] == "request_entity_too_large"


async def test_unknown_route_is_404_json(service, http):
    async with http.get(service.api("/nope")) as reply:
        assert reply.status == 404
        assert (await reply.json())["error"] == "not_found"
