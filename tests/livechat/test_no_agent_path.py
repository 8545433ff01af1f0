"""No human available: tickets and callback requests (signed, validated, idempotent)."""
from __future__ import annotations

import pytest

from tests.livechat.helpers import callback_payload, ticket_payload


async def test_ticket_stored_once(service, bot, make_agent):
    status, body = await bot.post("/tickets", ticket_payload())
    assert status == 201, body
    assert body["created"] is True
    ticket = body["ticket"]
    assert ticket["conversation_id"] == "conv-t"
    assert ticket["reason"] == "no_agents"
    assert len(ticket["transcript"]) == 3
    status, again = await bot.post("/tickets", ticket_payload())
    assert status == 200
    assert again["ticket"]["id"] == ticket["id"]

    agent = await make_agent("sanne")
    status, listed = await agent.get("/tickets")
    assert status == 200
    assert [t["id"] for t in listed["tickets"]] == [ticket["id"]]


async def test_tickets_keep_priority_and_team_and_list_the_most_urgent_first(service, bot, make_agent):
    for key, priority in [("a", None), ("b", "urgent"), ("c", "high")]:
        extra = {"priority": priority, "team": "nabestaanden"} if priority else {}
        status, body = await bot.post("/tickets", ticket_payload(idempotency_key=f"ticket-{key}", **extra))
        assert status == 201, body
    agent = await make_agent("sanne")
    _, listed = await agent.get("/tickets")
    assert [(t["priority"], t["team"]) for t in listed["tickets"]] == [
        ("urgent", "nabestaanden"), ("high", "nabestaanden"), ("normal", "klantenservice")  # the default team
    ]


async def test_ticket_priority_must_be_known(service, bot):
    status, body = await bot.post("/tickets", ticket_payload(priority="asap"))
    assert status == 422 and body["field"] == "priority"


async def test_ticket_needs_a_signature_and_valid_body(service, http, bot):
    async with http.post(service.api("/tickets"), json=ticket_payload()) as reply:
        assert reply.status == 401
    status, body = await bot.post("/tickets", ticket_payload(transcript=[{"role": "klant", "text": "x"}]))
    assert status == 422
    assert body["field"] == "transcript[0].role"


@pytest.mark.parametrize(
    "phone, stored",
    [("06-12345678", "0612345678"), ("+31 6 1234 5678", "0612345678"), ("010 123 4567", "0101234567")],
)
async def test_callback_stores_the_normalised_phone_number(service, bot, phone, stored):
    status, body = await bot.post("/callbacks", callback_payload(phone=phone))
    assert status == 201, body
    assert body["callback"]["phone"] == stored
    assert body["callback"]["preferred_moment"] == "morgenochtend na 9 uur"


@pytest.mark.parametrize("phone", ["12345", "06-1234", "bel me maar", "0612345678abc"])
async def test_callback_rejects_invalid_phone_numbers(service, bot, phone):
    status, body = await bot.post("/callbacks", callback_payload(phone=phone))
    assert status == 422
    assert body["field"] == "phone"


async def test_callback_with_an_iso_moment(service, bot, make_agent):
    status, body = await bot.post(
        "/callbacks", callback_payload(preferred_moment=None, preferred_at="2026-03-03T09:30:00+01:00")
    )
    assert status == 201, body
    assert body["callback"]["preferred_at"] == "2026-03-03T08:30:00Z"
    status, body = await bot.post("/callbacks", callback_payload(idempotency_key="c-2", preferred_at="morgen"))
    assert status == 422
    assert body["field"] == "preferred_at"
    status, body = await bot.post("/callbacks", callback_payload(idempotency_key="c-3", preferred_moment=None))
    assert status == 422
    assert body["field"] == "preferred_moment"

    agent = await make_agent("sanne")
    _, listed = await agent.get("/callbacks")
    assert len(listed["callbacks"]) == 1


async def test_callback_is_idempotent(service, bot):
    first = await bot.post("/callbacks", callback_payload())
    second = await bot.post("/callbacks", callback_payload())
    assert (first[0], second[0]) == (201, 200)
    assert first[1]["callback"]["id"] == second[1]["callback"]["id"]
