"""The event broker against the real live-chat service: it forwards what a customer types while a
hand-over may be open (from the hand-over action's `pause` until the back end's `resume`), and
for a conversation it knows nothing about (a new one, or any after a restart) until the desk's
answer says whether a hand-over is open. Once it knows there is none, the customer's messages
cost no outbox write and no request."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from naadloos.handover_contract.builtin.backend import BuiltinBackend
from naadloos.handover_contract.builtin.client import LiveChatClient
from naadloos.handover_contract.event_broker import LiveChatEventBroker
from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, Outbox
from tests.livechat.helpers import SECRET, Bot, RunningService, handover_payload


def broker_for(service: RunningService, outbox_db: Path) -> LiveChatEventBroker:
    desk = BuiltinBackend(LiveChatClient(service.url, SECRET, 10.0), SECRET)
    return LiveChatEventBroker(desk, Outbox(outbox_db, CUSTOMER_MESSAGES))


def event(name: str, conversation_id: str, **fields: Any) -> dict[str, Any]:
    return {"event": name, "sender_id": conversation_id, "timestamp": 1772442000.0, **fields}


def says(conversation_id: str, text: str, message_id: str) -> dict[str, Any]:
    return event("user", conversation_id, text=text, message_id=message_id)


async def customer_messages(agent: Any, handover_id: int) -> list[str]:
    status, detail = await agent.get(f"/handovers/{handover_id}")
    assert status == 200, detail
    return [m["text"] for m in detail["messages"] if m["sender"] == "customer"]


async def open_handover(bot: Bot, make_agent: Any, conversation_id: str) -> tuple[Any, int]:
    """A colleague online, and a hand-over of `conversation_id` waiting for them."""
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload(conversation_id))
    assert status in (200, 201), created
    return agent, int(created["id"])


async def test_only_messages_typed_during_the_handover_reach_the_desk(
    service: RunningService, bot: Bot, make_agent, bot_side, outbox_db: Path
) -> None:
    bot_side(service.url)
    broker = broker_for(service, outbox_db)
    try:
        broker.publish(event("session_started", "klant-1"))
        broker.publish(says("klant-1", "hoi", "m1"))  # new: forwarded once, the desk answers 404
        await broker.flush()
        assert broker.states.get("klant-1") is False

        agent, handover_id = await open_handover(bot, make_agent, "klant-1")  # the hand-over action ...
        broker.publish(event("pause", "klant-1"))  # ... and the pause it returns
        broker.publish(says("klant-1", "Hallo? Is daar iemand?", "m2"))
        broker.publish(event("resume", "klant-1"))  # the desk gives it back (here: still open there)
        broker.publish(says("klant-1", "dank je, ik stel nog een vraag", "m3"))
        delivered = await broker.flush()
    finally:
        await broker.close()

    assert (delivered.sent, delivered.unavailable) == (1, None)
    assert await customer_messages(agent, handover_id) == ["Hallo? Is daar iemand?"]
    assert broker.outbox.pending() == []


async def test_once_known_the_bots_conversations_cost_no_outbox_write_and_no_request(
    service: RunningService, bot_side, outbox_db: Path
) -> None:
    bot_side(service.url)
    broker = broker_for(service, outbox_db)
    try:
        for number in range(20):
            broker.publish(event("session_started", f"klant-{number}"))
            broker.publish(says(f"klant-{number}", "hoi", f"m{number}-1"))
        await broker.flush()  # 20 first messages: forwarded, 404
        assert [broker.states.get(f"klant-{number}") for number in range(20)] == [False] * 20

        for number in range(20):
            for turn in range(2, 7):
                broker.publish(says(f"klant-{number}", "hoe lees ik mijn meter af?", f"m{number}-{turn}"))
        assert broker.queued_messages == 0
    finally:
        await broker.close()
    assert broker.outbox.pending() == []


async def test_after_a_restart_the_desks_answer_settles_who_has_the_conversation(
    service: RunningService, bot: Bot, make_agent, bot_side, outbox_db: Path
) -> None:
    """A new broker has seen no pause: it forwards, and learns from the answers (accepted: a
    colleague has it; 404: the bot has it, so its next messages stay here)."""
    bot_side(service.url)
    agent, handover_id = await open_handover(bot, make_agent, "klant-1")
    broker = broker_for(service, outbox_db)
    try:
        broker.publish(says("klant-1", "Zijn jullie er nog?", "r1"))
        broker.publish(says("klant-2", "hoi", "r2"))
        first = await broker.flush()
        assert (first.sent, broker.states.get("klant-1"), broker.states.get("klant-2")) == (1, True, False)

        broker.publish(says("klant-1", "Ik wacht wel even", "r3"))
        broker.publish(says("klant-2", "wat kost stroom?", "r4"))
        second = await broker.flush()
    finally:
        await broker.close()
    assert second.sent == 1
    assert await customer_messages(agent, handover_id) == ["Zijn jullie er nog?", "Ik wacht wel even"]


async def test_a_pause_seen_while_a_message_travelled_wins_over_the_desks_404(
    service: RunningService, bot_side, outbox_db: Path
) -> None:
    bot_side(service.url)
    broker = broker_for(service, outbox_db)
    try:
        broker.publish(says("klant-3", "ik wil een mens", "t1"))  # unknown: forwarded, the desk answers 404
        broker.publish(event("pause", "klant-3"))  # the hand-over opened meanwhile
        await broker.flush()
    finally:
        await broker.close()
    assert broker.states.get("klant-3") is True
