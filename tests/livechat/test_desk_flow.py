"""The agent desk against the real service: queue order, accept (also two agents at once),
transcript, messages both ways (live on the websocket), delivery to Rasa, close and resume."""
from __future__ import annotations

import asyncio
import json

import pytest

from livechat.customer_channel import DELIVERY_KEY
from tests.domain_wording import RESOLVED_TEXT, RESUME_TEXT
from tests.livechat.helpers import handover_payload


async def _create(bot, conversation_id: str, priority: str = "normal") -> int:
    status, body = await bot.post("/handovers", handover_payload(conversation_id, priority=priority))
    assert status == 201, body
    return body["id"]


async def test_queue_by_priority_then_waiting_time(service, bot, make_agent, clock):
    agent = await make_agent("sanne")
    ids = {}
    for name, priority in [("a", "normal"), ("b", "high"), ("c", "normal"), ("d", "urgent"), ("e", "high")]:
        ids[name] = await _create(bot, f"conv-{name}", priority)
        clock.advance(30)
        await agent.post("/agents/heartbeat")  # stays online while the clock moves
    status, queue = await agent.get("/queue")
    assert status == 200
    assert [h["id"] for h in queue["queued"]] == [ids[n] for n in ("d", "b", "e", "a", "c")]
    assert [h["queue_position"] for h in queue["queued"]] == [1, 2, 3, 4, 5]
    assert queue["queued"][0]["summary"].startswith("Klant wil")
    # The bot sees the same position.
    status, state = await bot.get("/conversations/conv-a/handover")
    assert status == 200
    assert state["queue_position"] == 4
    assert state["estimated_wait_minutes"] == 3 * service.config.average_handling_minutes


async def test_agent_reads_the_whole_conversation(service, bot, make_agent):
    agent = await make_agent("sanne")
    handover_id = await _create(bot, "conv-1")
    status, detail = await agent.get(f"/handovers/{handover_id}")
    assert status == 200
    sent = handover_payload("conv-1")
    handover = detail["handover"]
    assert handover["summary"] == sent["summary"]
    assert handover["slots"] == sent["slots"]
    assert handover["customer"] == sent["customer"]
    assert [t["text"] for t in handover["transcript"]] == [t["text"] for t in sent["transcript"]]
    assert handover["transcript"][2]["intent"] == {"name": "request_human", "confidence": 0.97}
    assert handover["transcript"][2]["entities"][0]["value"] == "12345678"
    assert handover["events"] == sent["events"]
    assert detail["messages"] == []


async def test_unknown_handover_is_404(service, make_agent):
    agent = await make_agent("sanne")
    assert (await agent.get("/handovers/999"))[0] == 404
    assert (await agent.post("/handovers/999/accept"))[0] == 404


async def test_two_agents_accept_at_the_same_moment(service, bot, make_agent, fake_rasa):
    sanne = await make_agent("sanne", name="Sanne")
    piet = await make_agent("piet", name="Piet")
    for round_number in range(5):
        handover_id = await _create(bot, f"conv-race-{round_number}")
        results = await asyncio.gather(
            sanne.post(f"/handovers/{handover_id}/accept"), piet.post(f"/handovers/{handover_id}/accept")
        )
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        winner = next(body for status, body in results if status == 200)
        assert loser["error"] == "conflict"
        assert loser["assigned_agent"]["name"] == winner["handover"]["assigned_agent"]["name"]


async def test_accept_tells_the_customer_who_took_over(service, bot, make_agent, fake_rasa):
    agent = await make_agent("sanne", name="Sanne")
    handover_id = await _create(bot, "conv-1")
    status, body = await agent.post(f"/handovers/{handover_id}/accept")
    assert status == 200
    assert body["handover"]["status"] == "assigned"
    assert (await agent.post(f"/handovers/{handover_id}/accept"))[0] == 200  # the winner may click again
    assert len(fake_rasa.requests) == 1
    event = fake_rasa.requests[0]["json"]
    assert event["event"] == "bot"
    assert event["text"].startswith("Je praat nu met Sanne van Polderstroom.")
    _, state = await bot.get("/conversations/conv-1/handover")
    assert state["status"] == "assigned"
    assert state["assigned_agent"] == {"name": "Sanne"}


async def test_agent_message_is_stored_and_delivered_to_rasa(service, bot, make_agent, fake_rasa):
    agent = await make_agent("sanne", name="Sanne")
    status, created = await bot.post("/handovers", handover_payload("conv/1 é", key="k-1"))
    assert status == 201, created
    handover_id = created["id"]
    await agent.post(f"/handovers/{handover_id}/accept")
    fake_rasa.requests.clear()

    status, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Ik kijk het voor je na."})
    assert status == 201
    assert body["delivery"] == {"delivered": True, "error": None}
    assert body["message"]["delivery_status"] == "delivered"
    key = fake_rasa.requests[0]["json"]["metadata"][DELIVERY_KEY]
    assert key.startswith(f"{body['message']['id']}-")  # the stored message's key, for a retry to look up
    assert fake_rasa.requests == [{
        "method": "POST",
        "path": "/conversations/conv/1%20%C3%A9/tracker/events",  # "/" stays: Rasa does not decode the path
        "query": {"output_channel": "latest", "execute_side_effects": "true", "token": "rasa-token"},
        "json": {"event": "bot", "text": "Ik kijk het voor je na.", "metadata": {"agent": "Sanne", DELIVERY_KEY: key}},
        "content_type": "application/json",
    }]
    _, detail = await agent.get(f"/handovers/{handover_id}")
    assert [(m["sender"], m["text"]) for m in detail["messages"]][-1] == ("agent", "Ik kijk het voor je na.")


async def test_only_the_assigned_agent_may_write(service, bot, make_agent):
    sanne = await make_agent("sanne")
    piet = await make_agent("piet")
    handover_id = await _create(bot, "conv-1")
    assert (await sanne.post(f"/handovers/{handover_id}/messages", {"text": "hoi"}))[0] == 409  # not accepted yet
    await sanne.post(f"/handovers/{handover_id}/accept")
    status, body = await piet.post(f"/handovers/{handover_id}/messages", {"text": "hoi"})
    assert status == 409
    assert (await piet.post(f"/handovers/{handover_id}/close", {"outcome": "resolved"}))[0] == 409
    assert (await sanne.post(f"/handovers/{handover_id}/messages", {"text": ""}))[0] == 422


async def test_other_teams_cannot_see_a_handover(service, bot, make_agent, config_for):
    # The service has one team; an agent of another team (made directly) sees nothing.
    agent = await make_agent("sanne")
    other = await make_agent("piet", teams=["facturen"])
    handover_id = await _create(bot, "conv-1")
    assert (await other.get(f"/handovers/{handover_id}"))[0] == 403
    assert (await other.get("/queue"))[1]["queued"] == []
    assert (await agent.get(f"/handovers/{handover_id}"))[0] == 200


@pytest.mark.parametrize("outcome, text", [("back_to_bot", RESUME_TEXT), ("resolved", RESOLVED_TEXT)])
async def test_close_resumes_the_bot(service, bot, make_agent, fake_rasa, outcome, text):
    # "resolved" also asks how satisfied the customer is: test_resume_satisfaction_and_wording.py
    agent = await make_agent("sanne")
    handover_id = await _create(bot, "conv-1")
    await agent.post(f"/handovers/{handover_id}/accept")
    fake_rasa.requests.clear()
    status, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome})
    assert status == 200, body
    assert body["handover"]["status"] == "closed"
    assert body["handover"]["outcome"] == outcome
    assert body["resume"] == {"delivered": True, "error": None}
    resumed = fake_rasa.requests[0]["json"]
    assert resumed[:2] == [{"event": "resume"}, {"event": "bot", "text": text}]
    assert resumed[-1] == {"event": "action", "name": "action_listen"}
    assert (await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome}))[0] == 409
    _, queue = await agent.get("/queue")
    assert queue["queued"] == [] and queue["assigned"] == []
    # A new hand-over for the same conversation is possible again.
    status, again = await bot.post("/handovers", handover_payload("conv-1", key="second-time"))
    assert status == 201
    assert again["id"] != handover_id


async def test_close_needs_a_valid_outcome(service, bot, make_agent):
    agent = await make_agent("sanne")
    handover_id = await _create(bot, "conv-1")
    await agent.post(f"/handovers/{handover_id}/accept")
    status, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "gone"})
    assert status == 422
    assert body["field"] == "outcome"


async def _next_event(ws, wanted: str) -> dict:
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        event = json.loads(message.data)
        if event["type"] == wanted:
            return event


async def test_desk_websocket_gets_customer_messages_live(service, bot, make_agent, fake_rasa):
    agent = await make_agent("sanne", name="Sanne")
    async with agent.session.ws_connect(service.ws_url()) as ws:
        hello = await _next_event(ws, "hello")
        assert hello["agent"]["username"] == "sanne"

        handover_id = await _create(bot, "conv-1")
        created = await _next_event(ws, "handover_created")
        assert created["handover_id"] == handover_id

        status, body = await bot.post("/conversations/conv-1/messages", {"text": "Zijn jullie er nog?", "message_id": "m1"})
        assert status == 201
        event = await _next_event(ws, "customer_message")
        assert event["handover_id"] == handover_id
        assert event["message"]["text"] == "Zijn jullie er nog?"
        assert event["message"]["sender"] == "customer"

        # A retried forward (same message_id) is stored and pushed once.
        status, body = await bot.post("/conversations/conv-1/messages", {"text": "Zijn jullie er nog?", "message_id": "m1"})
        assert status == 200 and body["created"] is False

        await agent.post(f"/handovers/{handover_id}/accept")
        accepted = await _next_event(ws, "handover_accepted")
        assert accepted["agent"]["name"] == "Sanne"

        await ws.send_str(json.dumps({"type": "ping"}))
        assert (await _next_event(ws, "pong"))["type"] == "pong"

        await agent.post(f"/handovers/{handover_id}/close", {"outcome": "resolved"})
        closed = await _next_event(ws, "handover_closed")
        assert closed["outcome"] == "resolved"

    _, detail = await agent.get(f"/handovers/{handover_id}")
    assert [m["sender"] for m in detail["messages"]] == ["customer", "system"]


async def test_desk_websocket_needs_a_session(service, http, make_agent):
    import aiohttp

    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with http.ws_connect(service.ws_url()):
            pass
    assert refused.value.status == 401
    agent = await make_agent("sanne")
    with pytest.raises(aiohttp.WSServerHandshakeError) as cross_site:
        async with agent.session.ws_connect(service.ws_url(), headers={"Origin": "https://evil.example"}):
            pass
    assert cross_site.value.status == 403


async def test_logout_closes_the_desk_websocket(service, make_agent):
    agent = await make_agent("sanne")
    async with agent.session.ws_connect(service.ws_url()) as ws:
        await _next_event(ws, "hello")
        await agent.post("/agents/logout")
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type.name in ("CLOSE", "CLOSED", "CLOSING")


async def test_customer_message_without_open_handover_is_404(service, bot):
    status, body = await bot.post("/conversations/nobody/messages", {"text": "hallo", "message_id": "m1"})
    assert status == 404
    assert body["error"] == "not_found"
    status, body = await bot.post("/conversations/nobody/messages", {"text": "hallo"})
    assert status == 422
