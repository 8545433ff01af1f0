"""What a channel reads of a conversation in Rasa's tracker store (`naadloos.channels.conversations`):
with a colleague or not, and the hand-over team; nothing known when the store cannot tell."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from naadloos.channels.conversations import handover_team, with_colleague
from tests.channels.conftest import StandInAgent


def app_with(agent: object) -> SimpleNamespace:
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


async def test_a_handed_over_conversation_is_with_a_colleague_of_its_team():
    agent = StandInAgent()
    await agent.hand_over("31612345678", team="klachten")
    assert await with_colleague(app_with(agent), "31612345678")
    assert await handover_team(app_with(agent), "31612345678") == "klachten"
    assert not await with_colleague(app_with(agent), "31600000000")
    assert await handover_team(app_with(agent), "31600000000") is None


async def test_without_an_agent_nothing_is_known():
    assert not await with_colleague(None, "31612345678")
    assert await handover_team(app_with(None), "31612345678") is None


class BrokenStore:
    async def retrieve(self, sender_id: str) -> None:
        raise ConnectionError("database is down")


async def test_a_failing_tracker_store_is_logged_and_nothing_is_known(caplog):
    with caplog.at_level(logging.ERROR):
        assert not await with_colleague(app_with(SimpleNamespace(tracker_store=BrokenStore())), "31612345678")
    assert "could not be read from the tracker store" in caplog.text
    assert "31612345678" not in caplog.text  # only its last digits
