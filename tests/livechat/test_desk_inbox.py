"""The desk's inbox of tickets and callbacks (issue 10, item 1): nothing the bot promised stays
without an owner. Real service, real database (SQLite and PostgreSQL), the injected clock."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa
import yaml

from livechat import validation
from livechat.api.openapi import OPENAPI_FILE
from livechat.storage import inbox as inbox_store
from livechat.storage.db import add_missing_columns, create_engine, open_engine
from livechat.storage.schema import INBOX_OUTCOMES, INBOX_STATES
from tests.livechat.helpers import callback_payload, ticket_payload


async def inbox(agent) -> list[dict]:
    status, body = await agent.get("/inbox")
    assert status == 200, body
    return body["items"]


async def test_the_inbox_lists_tickets_and_callbacks_by_priority_then_age(service, bot, make_agent, clock):
    await bot.post("/tickets", ticket_payload("conv-a", priority="normal"))
    clock.advance(60)
    await bot.post("/callbacks", callback_payload("conv-b"))
    clock.advance(60)
    await bot.post("/tickets", ticket_payload("conv-c", priority="urgent", reason="bereavement"))
    clock.advance(60)
    await bot.post("/tickets", ticket_payload("conv-d", priority="normal"))
    agent = await make_agent("sanne")
    items = await inbox(agent)
    assert [(i["kind"], i["conversation_id"]) for i in items] == [
        ("ticket", "conv-c"), ("ticket", "conv-a"), ("callback", "conv-b"), ("ticket", "conv-d"),
    ]
    urgent = items[0]
    assert urgent["status"] == "open" and urgent["claimed_by"] is None and urgent["attempts"] == 0
    assert urgent["reason_label"].startswith("Overlijden")  # from config/escalation.yml, the one home
    assert items[2]["phone"] == "0612345678" and items[2]["preferred_moment"] == "morgenochtend na 9 uur"


async def test_a_callback_takes_priority_reason_and_transcript_from_its_conversations_ticket(service, bot, make_agent):
    await bot.post("/tickets", ticket_payload("conv-x", priority="high", reason="complaint", summary="Boze klant over de meter"))
    _, created = await bot.post("/callbacks", callback_payload("conv-x"))
    agent = await make_agent("sanne")
    callback = next(i for i in await inbox(agent) if i["kind"] == "callback")
    assert (callback["priority"], callback["reason"], callback["summary"]) == ("high", "complaint", "Boze klant over de meter")
    status, body = await agent.get(f"/inbox/callback/{created['callback']['id']}")
    assert status == 200, body
    assert [turn["text"] for turn in body["item"]["transcript"]][0] == "Mijn jaarafrekening is veel te hoog"
    assert body["item"]["ticket_id"] is not None


async def test_open_one_with_transcript_and_summary(service, bot, make_agent):
    _, created = await bot.post("/tickets", ticket_payload("conv-t"))
    agent = await make_agent("sanne")
    status, body = await agent.get(f"/inbox/ticket/{created['ticket']['id']}")
    assert status == 200, body
    item = body["item"]
    assert item["summary"].startswith("Klant wil een medewerker spreken")
    assert len(item["transcript"]) == 3 and item["customer"]["customer_number"] == "12345678"
    assert (await agent.get("/inbox/ticket/999"))[0] == 404
    assert (await agent.get("/inbox/kettle/1"))[0] == 404
    assert (await agent.get("/inbox/ticket/99999999999999"))[0] == 404


async def test_claim_is_atomic_one_agent_wins_the_other_gets_409(service, bot, make_agent):
    _, created = await bot.post("/callbacks", callback_payload())
    path = f"/inbox/callback/{created['callback']['id']}/claim"
    sanne, piet = await make_agent("sanne", name="Sanne"), await make_agent("piet", name="Piet")
    for _round in range(3):
        results = await asyncio.gather(sanne.post(path), piet.post(path))
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
    winner = next(body for status, body in results if status == 200)["item"]["claimed_by"]["name"]
    loser = piet if winner == "Sanne" else sanne
    status, body = await loser.post(path)
    assert status == 409 and body["error"] == "conflict" and body["claimed_by"]["name"] == winner
    items = await inbox(sanne)
    assert items[0]["status"] == "claimed" and items[0]["claimed_by"]["name"] == winner


async def test_outcome_and_done_only_by_the_owner(service, bot, make_agent, clock):
    _, created = await bot.post("/callbacks", callback_payload())
    base = f"/inbox/callback/{created['callback']['id']}"
    sanne, piet = await make_agent("sanne"), await make_agent("piet")
    assert (await sanne.post(base + "/outcome", {"outcome": "called_back"}))[0] == 409  # not claimed yet
    assert (await sanne.post(base + "/claim"))[0] == 200
    assert (await sanne.post(base + "/done"))[0] == 409  # no outcome yet

    status, body = await sanne.post(base + "/outcome", {"outcome": "no_answer", "note": "Voicemail, morgen weer"})
    assert status == 200, body
    item = body["item"]
    assert (item["status"], item["outcome"], item["attempts"]) == ("claimed", "no_answer", 1)  # stays for another try
    assert item["outcome_note"] == "Voicemail, morgen weer"

    assert (await piet.post(base + "/outcome", {"outcome": "called_back"}))[0] == 409
    assert (await piet.post(base + "/done"))[0] == 409
    status, body = await sanne.post(base + "/outcome", {"outcome": "klaar"})
    assert status == 422 and body["field"] == "outcome"
    status, body = await sanne.post(base + "/outcome", {"outcome": "called_back", "note": "x" * 2001})
    assert status == 422 and body["field"] == "note"

    clock.advance(3600)
    status, body = await sanne.post(base + "/outcome", {"outcome": "called_back", "note": "Meterstand samen doorgegeven"})
    assert status == 200 and body["item"]["attempts"] == 2
    status, body = await sanne.post(base + "/done")
    assert status == 200, body
    assert body["item"]["status"] == "done" and body["item"]["done_at"] is not None
    assert await inbox(sanne) == []
    status, body = await sanne.get("/inbox/done")
    assert status == 200 and [i["outcome"] for i in body["items"]] == ["called_back"]
    assert (await sanne.post(base + "/claim"))[0] == 409  # done is done
    assert (await sanne.post(base + "/done"))[0] == 200  # repeated by the owner: harmless


async def test_overdue_and_unowned_flags_follow_the_clock(service, bot, make_agent, clock):
    due = (clock() + timedelta(hours=1)).isoformat()
    _, created = await bot.post("/callbacks", callback_payload(preferred_at=due))
    await bot.post("/tickets", ticket_payload())
    agent = await make_agent("sanne")
    flags = {(i["kind"], i["overdue"], i["unowned_too_long"]) for i in await inbox(agent)}
    assert flags == {("callback", False, False), ("ticket", False, False)}

    clock.advance(service.config.unclaimed_alert_minutes * 60)
    items = await inbox(agent)
    assert {(i["kind"], i["overdue"], i["unowned_too_long"]) for i in items} == {
        ("callback", False, True), ("ticket", False, True)
    }
    assert all(i["age_minutes"] == service.config.unclaimed_alert_minutes for i in items)

    await agent.post(f"/inbox/callback/{created['callback']['id']}/claim")
    clock.advance(3600)
    callback = next(i for i in await inbox(agent) if i["kind"] == "callback")
    assert (callback["overdue"], callback["unowned_too_long"]) == (True, False)  # owned, but late


async def test_agents_see_only_their_teams_and_old_rows_belong_to_the_default_team(service, bot, make_agent):
    _, grief = await bot.post("/tickets", ticket_payload("conv-g", team="nabestaanden"))
    await bot.post("/callbacks", callback_payload("conv-k"))  # default team
    outsider = await make_agent("kees", teams=["klachten"])
    assert await inbox(outsider) == []
    path = f"/inbox/ticket/{grief['ticket']['id']}"
    assert (await outsider.get(path))[0] == 403
    assert (await outsider.post(path + "/claim"))[0] == 403

    grief_agent = await make_agent("greet", teams=["nabestaanden"])
    assert [i["conversation_id"] for i in await inbox(grief_agent)] == ["conv-g"]

    engine = create_engine(service.config.database_url)
    try:
        with engine.begin() as connection:  # a row from before teams
            connection.execute(sa.text("UPDATE callback_requests SET team = NULL"))
    finally:
        engine.dispose()
    default_agent = await make_agent("sanne", teams=["klantenservice"])
    assert [i["conversation_id"] for i in await inbox(default_agent)] == ["conv-k"]


async def test_unknown_fields_and_bodies_are_refused(service, bot, make_agent, http):
    _, created = await bot.post("/callbacks", callback_payload())
    base = f"/inbox/callback/{created['callback']['id']}"
    agent = await make_agent("sanne")
    await agent.post(base + "/claim")
    status, body = await agent.post(base + "/outcome", {"outcome": 3})
    assert status == 422 and body["field"] == "outcome"
    async with http.get(service.api("/inbox")) as reply:
        assert reply.status == 401


def test_an_older_database_gets_the_inbox_columns(tmp_path):
    """Tickets and callbacks stored before the inbox existed become open, unclaimed items."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "CREATE TABLE callback_requests (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
            "idempotency_key VARCHAR(128) NOT NULL UNIQUE, name VARCHAR(120) NOT NULL, phone VARCHAR(20) NOT NULL, "
            "preferred_moment VARCHAR(255) NOT NULL, preferred_at DATETIME, created_at DATETIME NOT NULL)"
        ))
        connection.execute(sa.text(
            "INSERT INTO callback_requests (conversation_id, idempotency_key, name, phone, preferred_moment, created_at) "
            "VALUES ('c', 'k', 'Jan', '0612345678', 'morgen', '2026-03-02 09:00:00')"
        ))
    engine.dispose()
    engine = open_engine(url)
    try:
        assert add_missing_columns(engine) == []  # open_engine added them already
        with engine.connect() as connection:
            row = connection.execute(sa.text("SELECT status, attempts, claimed_by FROM callback_requests")).one()
        assert tuple(row) == ("open", 0, None)
    finally:
        engine.dispose()


def test_the_api_description_has_the_inbox_limits():
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    assert tuple(schemas["InboxOutcome"]["enum"]) == INBOX_OUTCOMES
    assert tuple(schemas["InboxState"]["enum"]) == INBOX_STATES
    assert tuple(spec["components"]["parameters"]["InboxKind"]["schema"]["enum"]) == tuple(inbox_store.KINDS)
    body = spec["paths"]["/api/inbox/{kind}/{item_id}/outcome"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["note"]["maxLength"] == validation.MAX_SUMMARY
