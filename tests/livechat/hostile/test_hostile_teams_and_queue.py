"""Hostile inputs of issue 9, items 3, 4, 8 and 14 (ticket team): tickets and callbacks are
scoped to the agent's teams, the queue limit holds under concurrent hand-overs, a reused
idempotency key never returns another request's record, and unknown teams are refused.

All against the real service on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import pytest
import sqlalchemy as sa

from actions.callback import ActionCallbackSubmit
from livechat import validation
from livechat.customer_channel import RasaCustomerChannel
from livechat.storage import handovers as handover_store
from livechat.storage.db import create_engine, open_engine
from livechat.storage.schema import callback_requests, handovers, tickets
from tests.livechat.helpers import (
    PROJECT_TEAMS,
    Bot,
    FakeClock,
    FakeRasa,
    RunningService,
    callback_payload,
    create_agent_client,
    handover_payload,
    running_service,
    ticket_payload,
)

IBAN = "NL91ABNA0417164300"


# --- item 3: tickets and callbacks belong to a team -------------------------------------------------
async def test_an_agent_reads_only_the_tickets_of_their_own_teams(service, bot, make_agent):
    for key, team in [("t-fraude", "fraude"), ("t-nabestaanden", "nabestaanden"), ("t-default", None)]:
        extra = {"team": team} if team else {}
        status, body = await bot.post("/tickets", ticket_payload(f"conv-{key}", key, **extra))
        assert status == 201, body

    fraude = await make_agent("frits", teams=["fraude"])
    status, listed = await fraude.get("/tickets")
    assert status == 200
    assert [t["conversation_id"] for t in listed["tickets"]] == ["conv-t-fraude"]

    service_desk = await make_agent("sanne", teams=["klantenservice", "nabestaanden"])
    _, listed = await service_desk.get("/tickets")
    assert sorted((t["conversation_id"], t["team"]) for t in listed["tickets"]) == [
        ("conv-t-default", "klantenservice"), ("conv-t-nabestaanden", "nabestaanden")
    ]


async def test_callbacks_get_a_team_and_an_agent_reads_only_their_teams(service, bot, make_agent):
    status, body = await bot.post("/callbacks", callback_payload("conv-fraud", "cb-fraud", team="fraude"))
    assert status == 201, body
    assert body["callback"]["team"] == "fraude"
    status, body = await bot.post("/callbacks", callback_payload("conv-plain", "cb-plain"))
    assert status == 201, body
    assert body["callback"]["team"] == "klantenservice"  # the default team

    fraude = await make_agent("frits", teams=["fraude"])
    _, listed = await fraude.get("/callbacks")
    assert [c["conversation_id"] for c in listed["callbacks"]] == ["conv-fraud"]
    complaints = await make_agent("karin", teams=["klachten"])
    _, listed = await complaints.get("/callbacks")
    assert listed["callbacks"] == []


async def test_the_callback_goes_to_the_team_of_the_escalation_reason(
    service: RunningService, make_agent, bot_side, make_tracker, dispatcher, domain
) -> None:
    bot_side(service.url)
    slots = {"callback_phone": "0612345678", "callback_moment": "morgenochtend", "escalation_reason": "bereavement"}
    await ActionCallbackSubmit().run(dispatcher, make_tracker("morgenochtend", slots=slots), domain)

    bereavement = await make_agent("nina", teams=["nabestaanden"])
    _, listed = await bereavement.get("/callbacks")
    assert [(c["phone"], c["team"]) for c in listed["callbacks"]] == [("0612345678", "nabestaanden")]
    fraude = await make_agent("frits", teams=["fraude"])
    _, listed = await fraude.get("/callbacks")
    assert listed["callbacks"] == []


def _old_callback_table(database_url: str) -> None:
    """callback_requests as the first release created it (no team, no request fingerprint), with one row."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS callback_requests"))
        connection.execute(sa.text(
            "CREATE TABLE callback_requests (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
            "idempotency_key VARCHAR(128) NOT NULL UNIQUE, name VARCHAR(120) NOT NULL, phone VARCHAR(20) NOT NULL, "
            "preferred_moment VARCHAR(255) NOT NULL, preferred_at TIMESTAMP, created_at TIMESTAMP NOT NULL)"
        ))
        connection.execute(sa.text(
            "INSERT INTO callback_requests VALUES (1, 'conv-old', 'cb-old', 'Oud', '0612345678', 'vrijdag', NULL, "
            "'2026-01-01 12:00:00')"
        ))
    engine.dispose()


@pytest.fixture
async def upgraded_service(
    database_url: str, config_for, clock: FakeClock, fake_rasa: FakeRasa
) -> AsyncIterator[RunningService]:
    """The service started on a database whose callback table (one row) and one ticket predate teams."""
    _old_callback_table(database_url)
    engine = open_engine(database_url)
    with engine.begin() as connection:
        connection.execute(tickets.insert().values(
            conversation_id="conv-old-ticket", idempotency_key="ticket-old", channel="socketio", reason="not_helped",
            summary="Oud", customer={}, transcript=[], contact_preference="referred", priority="normal", team=None,
            created_at=clock().replace(tzinfo=None),
        ))
    engine.dispose()
    config = config_for(database_url, rasa_url=fake_rasa.url)
    try:
        async with running_service(config, clock, RasaCustomerChannel(fake_rasa.url, "t", 1.0)) as running:
            yield running
    finally:  # later tests share the PostgreSQL database: give them the current table back
        engine = open_engine(database_url)
        callback_requests.drop(engine)
        callback_requests.create(engine)
        engine.dispose()


async def test_old_tickets_and_callbacks_without_a_team_are_for_the_default_team_only(upgraded_service, http):
    bot = Bot(http, upgraded_service)
    default_team = await create_agent_client(upgraded_service, "sanne", teams=["klantenservice"])
    fraude = await create_agent_client(upgraded_service, "frits", teams=["fraude"])
    try:
        _, listed = await default_team.get("/callbacks")
        assert [(c["conversation_id"], c["team"]) for c in listed["callbacks"]] == [("conv-old", None)]
        _, listed = await default_team.get("/tickets")
        assert [t["conversation_id"] for t in listed["tickets"]] == ["conv-old-ticket"]
        assert (await fraude.get("/callbacks"))[1]["callbacks"] == []
        assert (await fraude.get("/tickets"))[1]["tickets"] == []
        # A row stored before request fingerprints: its own conversation still gets it back, another does not.
        old = callback_payload("conv-old", "cb-old", phone="0612345678", preferred_moment="vrijdag")
        status, body = await bot.post("/callbacks", old)
        assert (status, body["callback"]["id"]) == (200, 1)
        status, body = await bot.post("/callbacks", {**old, "conversation_id": "conv-other"})
        assert (status, body["error"]) == (409, "idempotency_conflict")
    finally:
        await default_team.close()
        await fraude.close()


# --- item 14: the team must be one of LIVECHAT_TEAMS ------------------------------------------------
@pytest.mark.parametrize("team", ["onbekend", "FRAUDE!", "", 7])
async def test_tickets_and_callbacks_refuse_an_unknown_team(service, bot, team):
    for path, payload in [("/tickets", ticket_payload(team=team)), ("/callbacks", callback_payload(team=team))]:
        status, body = await bot.post(path, payload)
        assert status == 422, (path, body)
        assert body["field"] == "team"


# --- item 4: the queue limit is atomic ---------------------------------------------------------------
@pytest.fixture
async def small_queues(
    database_url: str, config_for, clock: FakeClock, fake_rasa: FakeRasa
) -> AsyncIterator[tuple[RunningService, RunningService]]:
    """Two instances of the service (as two processes would be) on one database, at most 5 waiting."""
    config = config_for(database_url, rasa_url=fake_rasa.url, max_queue=5)
    async with running_service(config, clock, RasaCustomerChannel(fake_rasa.url, "t", 1.0)) as first:
        async with running_service(config, clock, RasaCustomerChannel(fake_rasa.url, "t", 1.0)) as second:
            yield first, second


async def test_twenty_concurrent_handovers_fill_a_queue_of_five_and_no_more(small_queues, http):
    agent = await create_agent_client(small_queues[0], "sanne", teams=["klantenservice"])  # online: the team can help
    bots = [Bot(http, instance) for instance in small_queues]
    try:
        answers = await asyncio.gather(
            *(bots[i % 2].post("/handovers", handover_payload(f"conv-{i}")) for i in range(20))
        )
        created = [body for status, body in answers if status == 201]
        refused = [(status, body) for status, body in answers if status != 201]
        assert len(created) == 5, answers
        assert len(refused) == 15
        assert {(status, body["error"], body["reason"]) for status, body in refused} == {
            (409, "not_available", "queue_full")
        }
        _, queue = await agent.get("/queue")
        assert sorted(h["conversation_id"] for h in queue["queued"]) == sorted(b["conversation_id"] for b in created)
    finally:
        await agent.close()


def test_a_handover_waits_for_the_team_queue_that_another_process_is_filling(database_url, clock):
    """Another process holds the team's queue lock while it stores 5 waiting customers: a new
    hand-over waits for it, then counts those 5 and is refused (without the lock it would have
    counted 0 and made a sixth)."""
    engine = open_engine(database_url)
    other = create_engine(database_url)
    new = validation.handover(handover_payload("conv-new"), PROJECT_TEAMS, PROJECT_TEAMS[0])
    try:
        with ThreadPoolExecutor(max_workers=1) as pool, other.connect() as connection:
            handover_store.lock_team_queue(connection, "klantenservice")
            for i in range(5):
                connection.execute(handovers.insert().values(
                    **asdict(validation.handover(handover_payload(f"conv-{i}"), PROJECT_TEAMS, PROJECT_TEAMS[0])),
                    status="queued", created_at=clock().replace(tzinfo=None),
                ))
            attempt = pool.submit(handover_store.create_handover, engine, new, clock(), 5)
            time.sleep(0.5)
            assert not attempt.done()  # waiting for the lock, not counting half a queue
            connection.commit()
        with pytest.raises(handover_store.QueueFull):
            attempt.result(timeout=10)
        assert handover_store.queued_count(engine, "klantenservice") == 5
    finally:
        engine.dispose()
        other.dispose()


# --- item 8: a reused idempotency key ----------------------------------------------------------------
def _leaks_nothing(body: dict[str, Any], *stored: str) -> None:
    assert body["error"] == "idempotency_conflict"
    assert body["field"] == "idempotency_key"
    text = json.dumps(body)
    for value in stored:
        assert value not in text
    assert "id" not in body and "ticket" not in body and "callback" not in body


async def test_a_handover_key_reused_for_another_conversation_or_body_is_409(service, bot, make_agent):
    await make_agent("sanne")
    first = handover_payload("conv-iban", key="handover-shared", customer={"iban": IBAN, "name": "Jan Jansen"})
    status, stored = await bot.post("/handovers", first)
    assert status == 201, stored

    status, body = await bot.post("/handovers", handover_payload("conv-other", key="handover-shared"))
    assert status == 409, body
    _leaks_nothing(body, IBAN, "Jan Jansen", "conv-iban")

    status, body = await bot.post("/handovers", {**first, "summary": "Iets heel anders"})
    assert status == 409, body
    _leaks_nothing(body, IBAN)

    status, again = await bot.post("/handovers", first)
    assert (status, again["id"]) == (200, stored["id"])


async def test_a_ticket_key_reused_for_another_conversation_or_body_is_409(service, bot):
    first = ticket_payload("conv-iban", "ticket-shared", customer={"iban": IBAN}, summary=f"Terugbetalen op {IBAN}")
    status, stored = await bot.post("/tickets", first)
    assert status == 201, stored

    status, body = await bot.post("/tickets", ticket_payload("conv-other", "ticket-shared"))
    assert status == 409, body
    _leaks_nothing(body, IBAN, "conv-iban")

    status, body = await bot.post("/tickets", {**first, "priority": "urgent"})
    assert status == 409, body
    _leaks_nothing(body, IBAN)

    status, again = await bot.post("/tickets", dict(reversed(list(first.items()))))  # same content, other key order
    assert (status, again["ticket"]["id"]) == (200, stored["ticket"]["id"])


async def test_a_callback_key_reused_for_another_conversation_or_body_is_409(service, bot):
    first = callback_payload("conv-a", "callback-shared", name="Jan Jansen")
    status, stored = await bot.post("/callbacks", first)
    assert status == 201, stored

    status, body = await bot.post("/callbacks", callback_payload("conv-b", "callback-shared", name="Jan Jansen"))
    assert status == 409, body
    _leaks_nothing(body, "0612345678", "Jan Jansen", "conv-a")

    status, body = await bot.post("/callbacks", {**first, "phone": "0687654321"})
    assert status == 409, body
    _leaks_nothing(body, "0612345678")

    # The same request in other words (the phone number written differently) is the same request.
    status, again = await bot.post("/callbacks", {**first, "phone": "+31 6 1234 5678"})
    assert (status, again["callback"]["id"]) == (200, stored["callback"]["id"])


async def test_concurrent_reuse_of_one_key_stores_one_record_and_refuses_the_other_body(service, bot):
    bodies = [ticket_payload(f"conv-{i % 2}", "ticket-race") for i in range(10)]
    answers = await asyncio.gather(*(bot.post("/tickets", body) for body in bodies))
    stored = [body["ticket"]["conversation_id"] for status, body in answers if status in (200, 201)]
    assert len(stored) == 5 and len(set(stored)) == 1  # the 5 requests of the winning conversation
    assert [status for status, _ in answers].count(201) == 1
    refused = [body for status, body in answers if status == 409]
    assert len(refused) == 5 and all(body["error"] == "idempotency_conflict" for body in refused)

