"""RasaCustomerChannel against a real local HTTP server (and a closed port), and what the desk
sees when delivery fails: the message is kept, the agent is told, nothing crashes."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from livechat.customer_channel import DeliveryError, RasaCustomerChannel
from tests.domain_wording import RESUME_TEXT
from tests.livechat.helpers import Bot, create_agent_client, free_port, handover_payload, running_service

RESUMED = [{"event": "resume"}, {"event": "bot", "text": RESUME_TEXT}, {"event": "action", "name": "action_listen"}]


async def test_success_sends_exactly_this_request(fake_rasa):
    channel = RasaCustomerChannel(fake_rasa.url, "geheim-token", timeout_seconds=1.0)
    try:
        await channel.send_agent_message("abc123", "Ik help je verder.", "Sanne")
        await channel.resume_bot("abc123", RESUME_TEXT)
    finally:
        await channel.close()
    query = {"output_channel": "latest", "execute_side_effects": "true", "token": "geheim-token"}
    assert fake_rasa.requests == [
        {
            "method": "POST",
            "path": "/conversations/abc123/tracker/events",
            "query": query,
            "json": {"event": "bot", "text": "Ik help je verder.", "metadata": {"agent": "Sanne"}},
            "content_type": "application/json",
        },
        {
            "method": "POST",
            "path": "/conversations/abc123/tracker/events",
            "query": query,
            "json": RESUMED,
            "content_type": "application/json",
        },
    ]


async def test_no_token_parameter_without_a_token(fake_rasa):
    channel = RasaCustomerChannel(fake_rasa.url, "", timeout_seconds=1.0)
    try:
        await channel.send_agent_message("abc", "hoi", "Sanne")
    finally:
        await channel.close()
    assert "token" not in fake_rasa.requests[0]["query"]


async def test_server_error_raises_delivery_error(fake_rasa):
    fake_rasa.mode = "error"
    channel = RasaCustomerChannel(fake_rasa.url, timeout_seconds=1.0)
    try:
        with pytest.raises(DeliveryError, match="HTTP 500"):
            await channel.send_agent_message("abc", "hoi", "Sanne")
    finally:
        await channel.close()


async def test_timeout_raises_delivery_error_in_time(fake_rasa):
    fake_rasa.mode = "slow"
    channel = RasaCustomerChannel(fake_rasa.url, timeout_seconds=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryError, match="in time"):
            await channel.resume_bot("abc", RESUME_TEXT)
    finally:
        await channel.close()
    assert time.monotonic() - started < 2


async def test_refused_raises_delivery_error():
    channel = RasaCustomerChannel(f"http://127.0.0.1:{free_port()}", timeout_seconds=1.0)
    try:
        with pytest.raises(DeliveryError, match="not reachable"):
            await channel.send_agent_message("abc", "hoi", "Sanne")
    finally:
        await channel.close()


async def _desk_event(ws, wanted: str) -> dict:
    while True:
        event = json.loads((await asyncio.wait_for(ws.receive(), timeout=5)).data)
        if event["type"] == wanted:
            return event


@pytest.mark.parametrize("failure", ["error", "slow", "refused"])
async def test_agent_keeps_the_message_and_is_told_when_delivery_fails(
    database_url, config_for, clock, http, fake_rasa, failure
):
    url = f"http://127.0.0.1:{free_port()}" if failure == "refused" else fake_rasa.url
    channel = RasaCustomerChannel(url, timeout_seconds=0.3)
    async with running_service(config_for(database_url), clock, channel) as service:
        agent = await create_agent_client(service, "sanne")
        try:
            bot = Bot(http, service)
            _, created = await bot.post("/handovers", handover_payload())
            handover_id = created["id"]
            if failure != "refused":
                fake_rasa.mode = failure
            async with agent.session.ws_connect(service.ws_url()) as ws:
                status, accepted = await agent.post(f"/handovers/{handover_id}/accept")
                assert status == 200, "accepting works even when the customer cannot be told"

                status, body = await agent.post(f"/handovers/{handover_id}/messages", {"text": "Ben je er nog?"})
                assert status == 201
                assert body["delivery"]["delivered"] is False
                assert body["delivery"]["error"]
                assert body["message"]["delivery_status"] == "pending"  # retried: test_delivery_under_faults.py

                status, closed = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
                assert status == 200
                assert closed["handover"]["status"] == "closed"
                assert closed["resume"]["delivered"] is False
                await _desk_event(ws, "delivery_failed")

            _, detail = await agent.get(f"/handovers/{handover_id}")
            agent_messages = [m for m in detail["messages"] if m["sender"] == "agent"]
            assert [(m["text"], m["delivery_status"]) for m in agent_messages] == [("Ben je er nog?", "pending")]

            # Rasa is back: closing again sends the waiting message, then the resume, once (the
            # background task would too: test_delivery_under_faults.py).
            fake_rasa.mode = "ok"
            channel.rasa_url = fake_rasa.url
            status, retried = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
            assert status == 200
            assert retried["resume"] == {"delivered": True, "error": None}
            assert fake_rasa.requests[-2]["json"]["text"] == "Ben je er nog?"
            assert fake_rasa.requests[-1]["json"] == RESUMED
            assert (await agent.post(f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"}))[0] == 409
        finally:
            await agent.close()


@pytest.mark.parametrize("conversation_id", ["whatsapp:+31612345678", "telegram:123456", "3f2a-b9c1", "sms:+32470123456"])
def test_a_conversation_id_reaches_rasa_as_it_is(conversation_id: str) -> None:
    """Rasa's `/conversations/<conversation_id:path>` routes do not decode the path: "+" and ":"
    must stay literal, or an agent's message lands in another, empty conversation."""
    channel = RasaCustomerChannel("http://rasa:5005/")
    assert channel.events_url(conversation_id) == f"http://rasa:5005/conversations/{conversation_id}/tracker/events"
    assert channel.tracker_url(conversation_id) == f"http://rasa:5005/conversations/{conversation_id}/tracker"
