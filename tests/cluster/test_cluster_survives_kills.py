"""kill -9 of one Rasa, one action server and one live chat in the middle of a hand-over: the
customer's chat and the agent's desk reconnect through nginx (to the instances that are left), the
conversation goes on both ways and back to the bot (whose answer needs an action server), and
nothing said before or after is lost, neither in the desk's history nor in Rasa's tracker.

Runs last of the cluster tests (file order): afterwards instance 1 of everything is gone."""
from __future__ import annotations

import asyncio

import aiohttp

from tests.cluster.handover_steps import (
    HANDED_OVER,
    back_to_bot,
    customer_message_on,
    desk_socket,
    desk_stores,
    handed_over_and_taken,
    logged_in_agent,
)
from tests.cluster.running_cluster import RunningCluster
from tests.e2e.live_clients import WebCustomer, eventually

# Nothing may be lost, and nothing here measures speed (that is test_cluster_across_instances.py):
# right after the restart tests, the pika broker (naadloos/brokers/durable_pika.py) and the Redis
# listeners may still be in their reconnect back-off on a busy machine. This test found two bugs by
# running after them: Rasa's own pika broker never recovered from the RabbitMQ restart, and each live
# chat's first desk event after the Redis restart went to a dead pooled connection (livechat/fanout.py).
EVENT_SECONDS = 45.0
REPORT_SECONDS = 10.0  # cluster.sh looks at its processes every second
KILLED = ("rasa", "actions", "livechat")
CLOSED_SECONDS = 10.0
BEFORE, AFTER = "Mijn meter geeft een foutcode", "Hallo, ben je er nog?"
AGENT_BEFORE, AGENT_AFTER = "Welke foutcode zie je?", "Ja hoor, ik ben er nog. Ik kijk mee."
OPENING_HOURS = "wanneer zijn jullie bereikbaar?"

ENDED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


async def closing(socket: aiohttp.ClientWebSocketResponse) -> None:
    """Until the socket ends (what arrives before is skipped)."""
    while (await socket.receive()).type not in ENDED:
        pass


async def test_killing_one_of_each_mid_conversation_loses_nothing(cluster: RunningCluster) -> None:
    cluster.require_every_instance()
    agent = await logged_in_agent(cluster.livechat(), cluster.password)
    customer = WebCustomer(cluster.rasa(1))  # on the Rasa that will be killed
    again: WebCustomer | None = None
    try:
        await customer.connect()
        handover_id = await handed_over_and_taken(customer, agent)
        async with desk_socket(agent, cluster.livechat(1)) as desk:  # on the live chat that will be killed
            await customer.says(BEFORE)
            await customer_message_on(desk, BEFORE, EVENT_SECONDS)
            await agent.call("POST", f"/handovers/{handover_id}/messages", {"text": AGENT_BEFORE})
            await customer.reads_until(AGENT_BEFORE)

            for kind in KILLED:
                cluster.kill(kind, 1)
            await asyncio.wait_for(closing(desk), CLOSED_SECONDS)
        await customer.close()

        # The page and the desk connect again at the public addresses: nginx finds the instances left.
        again = WebCustomer(cluster.rasa())
        again.session_id = customer.session_id
        await again.connect()
        async with desk_socket(agent, cluster.livechat()) as desk:
            await again.says(AFTER)
            await customer_message_on(desk, AFTER, EVENT_SECONDS)
        await agent.call("POST", f"/handovers/{handover_id}/messages", {"text": AGENT_AFTER})
        await again.reads_until(AGENT_AFTER)
        assert await desk_stores(agent, handover_id, [BEFORE, AFTER]) == [BEFORE, AFTER]
        await back_to_bot(again, agent, handover_id)
        await again.says(OPENING_HOURS)
        await again.reads_until("Vandaag kun je ons bereiken")

        reports = [f"cluster: {name}-1 stopped unexpectedly; the other instances go on" for name in KILLED]

        async def reported() -> bool:
            return all(report in cluster.printed() for report in reports)

        assert await eventually(reported, REPORT_SECONDS), cluster.printed()
        assert cluster.process is not None and cluster.process.poll() is None, "cluster.sh still runs"
    finally:
        for window in (customer, again):
            if window is not None:
                await window.close()
        await agent.close()

    stored = cluster.stored_events([customer.session_id])[customer.session_id]
    said = [e["text"] for e in stored if e["event"] == "user"]
    assert said == ["hallo", "ik wil een medewerker spreken", BEFORE, AFTER, OPENING_HOURS]
    bot = [e.get("text") or "" for e in stored if e["event"] == "bot"]
    assert any(HANDED_OVER in text for text in bot) and AGENT_BEFORE in bot and AGENT_AFTER in bot
