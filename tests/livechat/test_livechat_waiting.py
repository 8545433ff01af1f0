"""Waiting too long: the customer is offered the alternatives once, and keeps their place."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from livechat import waiting
from livechat.customer_channel import RasaCustomerChannel
from livechat.customer_wording import load_livechat_wording
from livechat.waiting import alternatives_text
from tests.livechat.helpers import Bot, create_agent_client, handover_payload, running_service


def test_alternatives_text_comes_from_the_organisation_file(organisation):
    text = alternatives_text(load_livechat_wording(organisation), organisation)
    assert "Je plek in de wachtrij blijft bewaard" in text
    for line in organisation.contact_lines():
        assert f"- {line}" in text


@asynccontextmanager
async def service_with_agent(config, clock, fake_rasa, background_tasks=False):
    """The service delivering to the stand-in Rasa, with agent 'sanne' online."""
    channel = RasaCustomerChannel(fake_rasa.url, timeout_seconds=1.0)
    async with running_service(config, clock, channel, background_tasks=background_tasks) as service:
        agent = await create_agent_client(service, "sanne")
        try:
            yield service, agent
        finally:
            await agent.close()


async def test_alternatives_offered_after_the_accept_timeout(database_url, config_for, clock, http, fake_rasa):
    config = config_for(database_url, accept_timeout_seconds=60)
    async with service_with_agent(config, clock, fake_rasa) as (service, agent):
        bot = Bot(http, service)
        _, created = await bot.post("/handovers", handover_payload("conv-wait"))
        _, other = await bot.post("/handovers", handover_payload("conv-other"))

        clock.advance(59)
        assert await waiting.offer_alternatives_once(service.app.ctx.services) == 0
        assert fake_rasa.requests == []

        async with agent.session.ws_connect(service.ws_url()) as ws:
            clock.advance(2)
            assert await waiting.offer_alternatives_once(service.app.ctx.services) == 2
            events = []
            while len(events) < 2:
                message = await asyncio.wait_for(ws.receive_json(), timeout=5)
                if message["type"] == "alternatives_offered":
                    events.append(message["handover_id"])
            assert sorted(events) == sorted([created["id"], other["id"]])

        paths = [r["path"] for r in fake_rasa.requests]
        assert paths == ["/conversations/conv-wait/tracker/events", "/conversations/conv-other/tracker/events"]
        sent = fake_rasa.requests[0]["json"]
        assert sent["event"] == "bot"
        assert sent["metadata"] == {"livechat": "system"}
        assert "Liever niet wachten?" in sent["text"]

        # Once only, and the place in the queue is kept.
        clock.advance(120)
        assert await waiting.offer_alternatives_once(service.app.ctx.services) == 0
        _, state = await bot.get("/conversations/conv-wait/handover")
        assert state["status"] == "queued"
        assert state["queue_position"] == 1
        assert state["alternatives_offered"] is True


async def test_background_task_offers_on_its_own(database_url, config_for, clock, http, fake_rasa):
    config = config_for(database_url, accept_timeout_seconds=1)  # checks every 0.25 s
    async with service_with_agent(config, clock, fake_rasa, background_tasks=True) as (service, _agent):
        await Bot(http, service).post("/handovers", handover_payload("conv-wait"))
        clock.advance(5)
        for _ in range(40):
            if fake_rasa.requests:
                break
            await asyncio.sleep(0.1)
        assert len(fake_rasa.requests) == 1
        assert "Liever niet wachten?" in fake_rasa.requests[0]["json"]["text"]


async def test_failed_offer_is_retried(database_url, config_for, clock, http, fake_rasa):
    config = config_for(database_url, accept_timeout_seconds=60)
    async with service_with_agent(config, clock, fake_rasa) as (service, _agent):
        await Bot(http, service).post("/handovers", handover_payload("conv-wait"))
        clock.advance(61)
        fake_rasa.mode = "error"
        assert await waiting.offer_alternatives_once(service.app.ctx.services) == 0
        fake_rasa.mode = "ok"
        assert await waiting.offer_alternatives_once(service.app.ctx.services) == 1
        assert len(fake_rasa.requests) == 2
