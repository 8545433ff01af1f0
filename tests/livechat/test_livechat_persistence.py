"""A restart loses nothing: stop the server, start a new one on the same database."""
from __future__ import annotations

import sqlalchemy as sa

from livechat.customer_channel import RasaCustomerChannel
from livechat.storage.db import create_engine, open_engine
from livechat.storage.schema import tickets
from tests.livechat.helpers import Bot, create_agent_client, handover_payload, running_service


async def test_handovers_messages_sessions_and_queue_survive_a_restart(database_url, config_for, clock, http, fake_rasa):
    config = config_for(database_url, rasa_url=fake_rasa.url)

    def channel() -> RasaCustomerChannel:
        return RasaCustomerChannel(fake_rasa.url, timeout_seconds=1.0)

    async with running_service(config, clock, channel()) as first:
        agent = await create_agent_client(first, "sanne", name="Sanne")
        bot = Bot(http, first)
        ids = []
        for name, priority in [("a", "normal"), ("b", "urgent"), ("c", "normal"), ("d", "high")]:
            status, body = await bot.post("/handovers", handover_payload(f"conv-{name}", priority=priority))
            assert status == 201
            ids.append(body["id"])
            clock.advance(5)
        await bot.post("/conversations/conv-a/messages", {"text": "Hallo?", "message_id": "m-1"})
        await agent.post(f"/handovers/{ids[2]}/accept")
        await agent.post(f"/handovers/{ids[2]}/messages", {"text": "Goedemiddag, ik help je."})
        _, queue_before = await agent.get("/queue")
        _, detail_before = await agent.get(f"/handovers/{ids[2]}")
        _, customer_before = await agent.get(f"/handovers/{ids[0]}")

    async with running_service(config, clock, channel()) as second:
        agent.service = second  # the same browser (cookie jar), the new server
        status, me = await agent.get("/agents/me")
        assert status == 200, "the session survives a restart"
        _, queue_after = await agent.get("/queue")
        assert queue_after == queue_before
        assert [h["conversation_id"] for h in queue_after["queued"]] == ["conv-b", "conv-d", "conv-a"]
        assert queue_after["assigned"][0]["id"] == ids[2]
        assert (await agent.get(f"/handovers/{ids[2]}"))[1] == detail_before
        assert (await agent.get(f"/handovers/{ids[0]}"))[1] == customer_before
        assert [m["text"] for m in customer_before["messages"]] == ["Hallo?"]

        # Work simply continues: idempotency still holds and the assigned agent can close.
        bot = Bot(http, second)
        status, again = await bot.post("/handovers", handover_payload("conv-a"))
        assert status == 200 and again["id"] == ids[0] and again["queue_position"] == 3
        assert (await agent.post(f"/handovers/{ids[2]}/close", {"outcome": "back_to_bot"}))[0] == 200
    await agent.close()


def test_an_older_tickets_table_gets_the_new_columns_and_keeps_its_rows(database_url):
    """A database from before ticket priorities: the upgrade at start-up adds the columns."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS tickets"))
        connection.execute(sa.text(
            "CREATE TABLE tickets (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
            "idempotency_key VARCHAR(128) NOT NULL UNIQUE, channel VARCHAR(64) NOT NULL, reason VARCHAR(64) NOT NULL, "
            "summary TEXT NOT NULL, customer JSON NOT NULL, transcript JSON NOT NULL, "
            "contact_preference VARCHAR(255) NOT NULL, created_at TIMESTAMP NOT NULL)"
        ))
        connection.execute(sa.text(
            "INSERT INTO tickets VALUES (1, 'conv-old', 'ticket-old', 'socketio', 'not_helped', 'Oud', '{}', '[]', "
            "'callback_offered', '2026-01-01 12:00:00')"
        ))
    engine.dispose()

    upgraded = open_engine(database_url)
    try:
        with upgraded.connect() as connection:
            row = connection.execute(sa.text("SELECT conversation_id, priority, team FROM tickets")).one()
        assert tuple(row) == ("conv-old", "normal", None)
    finally:  # later tests share a PostgreSQL database: give them the current table back
        tickets.drop(upgraded)
        tickets.create(upgraded)
        upgraded.dispose()
