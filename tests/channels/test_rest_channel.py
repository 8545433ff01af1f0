"""Our REST channel (`naadloos.channels.rest`, channel name "rest" in credentials.yml) on a real
Sanic server, mounted as `rasa run` mounts it: answers as Rasa's does, refuses what cannot be a
message with 400, and answers 503 with the web chat's "send it again" text when the turn fails
(Rasa's own channel answered 200 [] and the message was lost). The same with Redis really down:
tests/cluster/test_cluster_restarts.py."""
from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from rasa.core.lock_store import LockError

from naadloos.channels.customer_notices import channel_message
from naadloos.channels.rest import RestInput
from tests.channels.conftest import StandInAgent, serving


class LockedOutAgent(StandInAgent):
    """Rasa while Redis, its lock store, is down: the conversation's lock cannot be taken."""

    async def handle_message(self, message: Any) -> None:
        raise LockError("Could not acquire lock for conversation 'klant-1'.")


async def post(url: str, body: Any, raw: bool = False, query: str = "") -> tuple[int, Any]:
    data = body if raw else json.dumps(body)
    async with aiohttp.ClientSession() as session, session.post(
        f"{url}{query}", data=data, headers={"Content-Type": "application/json"}
    ) as reply:
        return reply.status, await reply.json(content_type=None) if not query else await reply.text()


async def test_a_message_gets_the_bots_answer_as_from_rasas_own_channel() -> None:
    agent = StandInAgent()
    async with serving([RestInput()], agent) as served:
        status, answer = await post(served.webhook("rest"), {"sender": "klant-1", "message": "hallo", "metadata": {"a": 1}})
        assert status == 200 and answer == [{"recipient_id": "klant-1", "text": agent.reply}]
        received = agent.received[0]
        assert (received.sender_id, received.text, received.input_channel, received.metadata) == (
            "klant-1", "hallo", "rest", {"a": 1}
        )
        async with aiohttp.ClientSession() as session, session.get(f"{served.url}/webhooks/rest/") as health:
            assert health.status == 200 and await health.json() == {"status": "ok"}


async def test_the_stream_of_rasa_shell_still_works() -> None:
    agent = StandInAgent()
    async with serving([RestInput()], agent) as served:
        status, text = await post(served.webhook("rest"), {"sender": "klant-1", "message": "hallo"}, query="?stream=true")
        assert status == 200 and json.loads(text.strip()) == {"recipient_id": "klant-1", "text": agent.reply}


@pytest.mark.parametrize("agent", [LockedOutAgent(), StandInAgent(failing=True)], ids=["lock store down", "tracker store down"])
async def test_a_message_that_cannot_be_taken_is_refused_with_503_and_the_send_again_text(agent, caplog) -> None:
    async with serving([RestInput()], agent) as served:
        with caplog.at_level(logging.ERROR, logger="naadloos.channels.rest"):
            status, answer = await post(served.webhook("rest"), {"sender": "klant-1", "message": "hallo"})
    assert status == 503
    assert answer == {"error": "message_not_received", "text": channel_message("message_not_received")}
    assert "door een storing" in answer["text"]
    assert "could not be handled" in caplog.text


@pytest.mark.parametrize(
    "body, reason",
    [
        ("niet json", "the body is not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"sender": "klant-1"}', "`message` must be a string"),
        ('{"sender": 12, "message": "hallo"}', "`sender` must be a string"),
        ('{"sender": "klant-1", "message": "hallo", "metadata": "x"}', "`metadata` must be an object"),
    ],
)
async def test_what_cannot_be_a_message_gets_400_with_a_reason_never_500(body: str, reason: str) -> None:
    agent = StandInAgent()
    async with serving([RestInput()], agent) as served:
        status, answer = await post(served.webhook("rest"), body, raw=True)
    assert status == 400 and reason in answer["error"], answer
    assert agent.received == []


def test_the_channel_keeps_the_name_and_webhook_of_rasas_rest_channel() -> None:
    assert RestInput.name() == "rest"
    assert isinstance(RestInput.from_credentials(None), RestInput)
