"""Across instances, with the real processes: a customer whose web chat is connected to Rasa B talks
to an agent whose desk is connected to live chat A.

- Customer -> desk: Rasa B publishes the message to RabbitMQ, one of the two live chats stores it and
  shows it on its own desks, the other hears it through Redis. A desk socket on each live chat
  receives every message within a second, so each message crossed from one instance to the other.
- Agent -> customer: the live chat hands the agent's message to Rasa (through nginx, either
  instance), whose socket.io channel reaches the customer through Redis. The customer has the chat
  open twice, once on each Rasa, and both windows get every message: one of them is on the instance
  that did not handle it."""
from __future__ import annotations

import asyncio

from tests.cluster.handover_steps import (
    back_to_bot,
    customer_message_on,
    desk_socket,
    desk_stores,
    handed_over_and_taken,
    logged_in_agent,
)
from tests.cluster.running_cluster import RunningCluster
from tests.e2e.live_clients import WebCustomer

ARRIVAL_SECONDS = 1.0  # issue 13: on a desk of the other instance within a second
CUSTOMER_LINES = ("Mijn termijnbedrag is ineens verdubbeld", "Het gaat om de maand maart", "Kun je dat nakijken?")
AGENT_LINES = ("Ik kijk het even voor je na.", "Het klopt: het nieuwe bedrag gaat in april in.")


async def test_customer_on_rasa_b_and_agent_on_livechat_a_reach_each_other(cluster: RunningCluster) -> None:
    cluster.require_every_instance()
    agent = await logged_in_agent(cluster.livechat(1), cluster.password)
    on_b = WebCustomer(cluster.rasa(2))
    on_a = WebCustomer(cluster.rasa(1))  # the same customer in a second window, on the other Rasa
    on_a.session_id = on_b.session_id
    try:
        await on_b.connect()
        handover_id = await handed_over_and_taken(on_b, agent)
        async with desk_socket(agent, cluster.livechat(1)) as desk_a, desk_socket(agent, cluster.livechat(2)) as desk_b:
            loop = asyncio.get_running_loop()
            for text in CUSTOMER_LINES:
                sent = loop.time()
                await on_b.says(text)
                for desk in (desk_a, desk_b):
                    left = ARRIVAL_SECONDS - (loop.time() - sent)
                    try:
                        event = await customer_message_on(desk, text, left)
                    except asyncio.TimeoutError:
                        raise AssertionError(f"{text!r} did not reach both desks within {ARRIVAL_SECONDS}s") from None
                    assert event["handover_id"] == handover_id
        assert await desk_stores(agent, handover_id, list(CUSTOMER_LINES)) == list(CUSTOMER_LINES), "each once, in order"

        await on_a.connect()
        for text in AGENT_LINES:
            await agent.call("POST", f"/handovers/{handover_id}/messages", {"text": text})
            for window in (on_b, on_a):
                assert (await window.reads_until(text))["metadata"] == {"agent": "Demo Medewerker"}
        await back_to_bot(on_b, agent, handover_id)
    finally:
        await on_a.close()
        await on_b.close()
        await agent.call("POST", "/agents/logout")
        await agent.close()
