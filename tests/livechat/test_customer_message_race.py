"""The same customer message posted concurrently (the broker retrying while its first post is still
on its way, or two Rasa processes) is stored once, and every post gets an answer: 201 for the one
that stored it, 200 with that same message for the others, never a 500.

Two service instances on one database play two workers (on SQLite the service has one database
thread, so within one instance the posts are already serialised)."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from livechat.customer_channel import RasaCustomerChannel
from tests.livechat.helpers import Bot, create_agent_client, handover_payload, running_service

MESSAGE_IDS = 25
POSTS_PER_MESSAGE = 6


async def test_concurrent_posts_of_one_message_id_store_it_once(database_url, config_for, clock, http, fake_rasa):
    config = config_for(database_url, rasa_url=fake_rasa.url)
    async with AsyncExitStack() as stack:
        services = [
            await stack.enter_async_context(running_service(config, clock, RasaCustomerChannel(fake_rasa.url)))
            for _ in range(2)
        ]
        agent = await create_agent_client(services[0], "sanne")
        stack.push_async_callback(agent.close)
        bots = [Bot(http, service) for service in services]
        status, created = await bots[0].post("/handovers", handover_payload("klant-race"))
        assert status == 201, created

        posts = [
            bots[number % 2].post(
                "/conversations/klant-race/messages", {"text": f"bericht {message}", "message_id": f"m{message}"}
            )
            for message in range(MESSAGE_IDS)
            for number in range(POSTS_PER_MESSAGE)
        ]
        answers = await asyncio.gather(*posts)

    assert sorted({status for status, _ in answers}) == [200, 201], answers
    by_message: dict[str, list[tuple[int, int]]] = {}
    for status, body in answers:
        message = body["message"]
        by_message.setdefault(message["text"], []).append((status, message["id"]))
    assert len(by_message) == MESSAGE_IDS
    for text, replies in by_message.items():
        assert sorted(status for status, _ in replies) == [200] * (POSTS_PER_MESSAGE - 1) + [201], (text, replies)
        assert len({message_id for _, message_id in replies}) == 1, f"{text} stored more than once: {replies}"
