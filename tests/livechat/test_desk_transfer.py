"""Transfer with a note (issue 10, item 3) against the real service, on SQLite and PostgreSQL: an
agent who holds a conversation, or sees it waiting in their team's queue, passes it to another
team's queue or straight to a colleague online in that team. The receiving colleague reads the
note as an internal note, the customer gets one short line and never the note, the desks of both
teams hear of it, and the new queue is a new wait."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from livechat import waiting
from livechat.customer_wording import load_livechat_wording
from livechat.handover_flow import transferred_text
from tests.livechat.helpers import handover_payload

LINE_TO_COMPLAINTS = "Ik geef je door aan een collega van het team Klachten. Je hoeft niets te herhalen."
NOTE = "Klant wil een klacht indienen over de monteur van vorige week."


async def _created(bot, conversation_id: str = "conv-1", **overrides: Any) -> int:
    status, body = await bot.post("/handovers", handover_payload(conversation_id, **overrides))
    assert status == 201, body
    return body["id"]


async def _accepted(bot, agent, conversation_id: str = "conv-1") -> int:
    handover_id = await _created(bot, conversation_id)
    assert (await agent.post(f"/handovers/{handover_id}/accept"))[0] == 200
    return handover_id


def _sent_to_customer(fake_rasa) -> str:
    return json.dumps([r["json"] for r in fake_rasa.requests], ensure_ascii=False)


async def _next_event(ws, event_type: str) -> dict[str, Any]:
    while True:
        event = await asyncio.wait_for(ws.receive_json(), timeout=10)
        if event["type"] == event_type:
            return event


async def test_to_another_teams_queue_with_a_note_the_customer_never_sees(service, bot, make_agent, fake_rasa):
    sanne = await make_agent("sanne", name="Sanne de Vries", teams=["klantenservice"])
    kees = await make_agent("kees", name="Kees Bakker", teams=["klachten"])
    handover_id = await _accepted(bot, sanne)
    fake_rasa.requests.clear()

    status, body = await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten", "note": NOTE})
    assert status == 200, body
    assert (body["handover"]["status"], body["handover"]["team"], body["handover"]["assigned_agent"]) == (
        "queued", "klachten", None
    )
    assert body["note"]["sender"] == "note" and NOTE in body["note"]["text"]

    _, queue = await kees.get("/queue")
    assert [h["id"] for h in queue["queued"]] == [handover_id]
    assert queue["queued"][0]["labels"]["team"] == "Klachten"
    status, detail = await kees.get(f"/handovers/{handover_id}")
    assert status == 200
    notes = [m for m in detail["messages"] if m["sender"] == "note"]
    assert len(notes) == 1
    assert notes[0]["text"] == (
        f"Doorgezet door Sanne de Vries (team Klantenservice) naar team Klachten.\n{NOTE}"
    )
    lines = [m for m in detail["messages"] if m["sender"] == "system"]
    assert lines[-1]["text"] == LINE_TO_COMPLAINTS and lines[-1]["delivery_status"] == "delivered"

    sent = _sent_to_customer(fake_rasa)
    assert LINE_TO_COMPLAINTS in sent
    assert NOTE not in sent and "Doorgezet" not in sent
    assert (await sanne.get(f"/handovers/{handover_id}"))[0] == 403  # no longer her team's

    # Kees takes it over as any queued conversation.
    assert (await kees.post(f"/handovers/{handover_id}/accept"))[0] == 200
    assert (await kees.post(f"/handovers/{handover_id}/messages", {"text": "Hallo, ik help je verder."}))[0] == 201


async def test_straight_to_a_colleague_online_in_that_team(service, bot, make_agent, fake_rasa):
    sanne = await make_agent("sanne", name="Sanne de Vries", teams=["klantenservice"])
    els = await make_agent("els", name="Els de Boer", teams=["klachten", "klantenservice"])
    await make_agent("offline", teams=["klachten"], login=False)  # never logged in: not offered
    handover_id = await _accepted(bot, sanne)

    status, targets = await sanne.get("/transfer-targets")
    assert status == 200
    teams = {t["team"]: t for t in targets["teams"]}
    assert list(teams) == list(service.config.teams)
    assert teams["klachten"]["label"] == "Klachten"
    assert [c["name"] for c in teams["klachten"]["colleagues"]] == ["Els de Boer"]
    assert [c["name"] for c in teams["klantenservice"]["colleagues"]] == ["Els de Boer"]  # not Sanne herself

    els_id = teams["klachten"]["colleagues"][0]["id"]
    status, body = await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten", "agent_id": els_id})
    assert status == 200, body
    moved = body["handover"]
    assert (moved["status"], moved["team"], moved["assigned_agent"]["name"]) == ("assigned", "klachten", "Els de Boer")
    assert body["note"]["text"] == "Doorgezet door Sanne de Vries (team Klantenservice) naar Els de Boer (team Klachten)."
    assert LINE_TO_COMPLAINTS in _sent_to_customer(fake_rasa)
    # Els holds it now: she writes, Sanne cannot any more.
    assert (await els.post(f"/handovers/{handover_id}/messages", {"text": "Ik kijk even mee."}))[0] == 201
    assert (await sanne.post(f"/handovers/{handover_id}/messages", {"text": "Nog één ding"}))[0] in (403, 409)


async def test_a_waiting_conversation_can_be_passed_on_by_anyone_of_its_team(service, bot, make_agent):
    piet = await make_agent("piet", teams=["klantenservice"])
    handover_id = await _created(bot)
    status, body = await piet.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"})
    assert status == 200, body
    assert body["note"]["text"] == "Doorgezet door Piet (team Klantenservice) naar team Klachten."


async def test_only_a_queued_conversation_or_ones_own_and_only_by_its_team(service, bot, make_agent):
    sanne = await make_agent("sanne", teams=["klantenservice", "klachten"])
    piet = await make_agent("piet", teams=["klantenservice"])
    kees = await make_agent("kees", teams=["klachten"])
    handover_id = await _accepted(bot, sanne)

    status, body = await piet.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"})
    assert status == 409 and body["handover_status"] == "assigned"  # Sanne holds it
    assert (await kees.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"}))[0] == 403  # another team's

    queued = await _created(bot, "conv-2")
    status, body = await sanne.post(f"/handovers/{queued}/transfer", {"team": "klantenservice"})
    assert status == 409 and body["field"] == "team"  # it waits in that queue already

    await sanne.post(f"/handovers/{handover_id}/close", {"outcome": "resolved"})
    status, body = await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"})
    assert status == 409 and body["handover_status"] == "closed"
    assert (await sanne.post("/handovers/99999/transfer", {"team": "klachten"}))[0] == 404


async def test_a_colleague_must_be_online_in_the_target_team_and_not_oneself(service, bot, make_agent, clock):
    sanne = await make_agent("sanne", teams=["klantenservice"])
    kees = await make_agent("kees", teams=["klachten"])
    handover_id = await _accepted(bot, sanne)
    me = (await sanne.get("/agents/me"))[1]["agent"]["id"]
    kees_id = (await kees.get("/agents/me"))[1]["agent"]["id"]

    for body, field in [
        ({"team": "klachten", "agent_id": me}, "agent_id"),
        ({"team": "klantenservice", "agent_id": kees_id}, "agent_id"),  # Kees is not in that team
        ({"team": "klachten", "agent_id": 424242}, "agent_id"),
    ]:
        status, answer = await sanne.post(f"/handovers/{handover_id}/transfer", body)
        assert (status, answer.get("field")) == (409, field), (body, answer)
    clock.advance(service.config.agent_online_seconds + 1)  # Kees is not seen any more
    await sanne.post("/agents/heartbeat")
    status, answer = await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten", "agent_id": kees_id})
    assert status == 409 and answer["field"] == "agent_id"
    assert (await sanne.get(f"/handovers/{handover_id}"))[1]["handover"]["assigned_agent"]["id"] == me  # unchanged


async def test_bad_bodies_are_422_with_the_field(service, bot, make_agent):
    sanne = await make_agent("sanne")
    handover_id = await _accepted(bot, sanne)
    for body, field in [
        ({}, "team"),
        ({"team": "onbekend"}, "team"),
        ({"team": "klachten", "agent_id": "3"}, "agent_id"),
        ({"team": "klachten", "agent_id": True}, "agent_id"),
        ({"team": "klachten", "agent_id": 0}, "agent_id"),
        ({"team": "klachten", "note": "x" * 501}, "note"),
        ({"team": "klachten", "note": 5}, "note"),
    ]:
        status, answer = await sanne.post(f"/handovers/{handover_id}/transfer", body)
        assert (status, answer.get("field")) == (422, field), (body, answer)


async def test_the_desks_of_both_teams_hear_of_it(service, bot, make_agent):
    sanne = await make_agent("sanne", teams=["klantenservice"])
    piet = await make_agent("piet", teams=["klantenservice"])
    kees = await make_agent("kees", name="Kees Bakker", teams=["klachten"])
    handover_id = await _accepted(bot, sanne)
    async with piet.session.ws_connect(service.ws_url()) as old_team, kees.session.ws_connect(service.ws_url()) as new_team:
        await _next_event(old_team, "hello")
        await _next_event(new_team, "hello")
        kees_id = (await kees.get("/agents/me"))[1]["agent"]["id"]
        await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten", "agent_id": kees_id, "note": NOTE})
        for ws in (old_team, new_team):
            event = await _next_event(ws, "handover_transferred")
            assert (event["handover_id"], event["from_team"], event["to_team"]) == (handover_id, "klantenservice", "klachten")
            assert event["to_agent"] == {"id": kees_id, "name": "Kees Bakker"}
            assert NOTE in event["message"]["text"]


async def test_two_transfers_at_once_only_one_happens(service, bot, make_agent):
    sanne = await make_agent("sanne", teams=["klantenservice", "klachten", "betalingen"])
    piet = await make_agent("piet", teams=["klantenservice", "klachten", "betalingen"])
    handover_id = await _created(bot)
    results = await asyncio.gather(
        sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"}),
        piet.post(f"/handovers/{handover_id}/transfer", {"team": "betalingen"}),
    )
    assert sorted(status for status, _ in results) == [200, 409], results
    _, detail = await sanne.get(f"/handovers/{handover_id}")
    assert len([m for m in detail["messages"] if m["sender"] == "note"]) == 1
    assert len([m for m in detail["messages"] if m["sender"] == "system"]) == 1


async def test_a_new_queue_is_a_new_wait_before_the_alternatives_are_offered(service, bot, make_agent, clock, fake_rasa):
    sanne = await make_agent("sanne", teams=["klantenservice"])
    services = service.app.ctx.services
    handover_id = await _created(bot)
    clock.advance(service.config.accept_timeout_seconds + 5)
    await sanne.post("/agents/heartbeat")
    assert (await sanne.post(f"/handovers/{handover_id}/transfer", {"team": "klachten"}))[0] == 200
    assert await waiting.offer_alternatives_once(services) == 0  # it only just joined this queue
    clock.advance(service.config.accept_timeout_seconds + 5)
    assert await waiting.offer_alternatives_once(services) == 1


def test_the_customers_line_names_the_team_in_dutch(organisation):
    wording = load_livechat_wording(organisation)
    assert transferred_text(wording, "klachten") == LINE_TO_COMPLAINTS
    assert transferred_text(wording, "klantenservice").startswith("Ik geef je door aan een collega van het team Klantenservice.")
    webcare = transferred_text(wording, "webcare")
    assert webcare == "Ik geef je door aan een collega van het team Webcare. Je hoeft niets te herhalen."
