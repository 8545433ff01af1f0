"""The event broker's own bookkeeping (naadloos/handover_contract/event_broker.py): who has each
conversation, as Rasa's events say, in bounded memory; `publish()` does no I/O and never raises
into Rasa; what waits in memory reaches the outbox, also when Rasa stops. Forwarding to the real
live chat: tests/livechat/test_event_broker_handover_state.py and test_bot_handover.py."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from naadloos.evaluation.processes import free_port
from naadloos.handover_contract import event_broker
from naadloos.handover_contract.builtin.backend import BuiltinBackend
from naadloos.handover_contract.builtin.client import LiveChatClient
from naadloos.handover_contract.event_broker import HandoverStates, LiveChatEventBroker
from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, Outbox
from naadloos.handover_contract.schema import CustomerMessage

SECRET = "s" * 40


def says(conversation_id: str, text: str, message_id: str) -> dict[str, Any]:
    return {"event": "user", "sender_id": conversation_id, "text": text, "message_id": message_id}


def unreachable_broker(outbox: Path, **options: Any) -> LiveChatEventBroker:
    """A broker whose live chat refuses connections (nothing listens on its port)."""
    backend = BuiltinBackend(LiveChatClient(f"http://127.0.0.1:{free_port()}", SECRET, 1.0), SECRET)
    return LiveChatEventBroker(backend, Outbox(outbox, CUSTOMER_MESSAGES), **options)


async def eventually(check: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return bool(check())


@pytest.mark.parametrize(
    ("events", "forwarded", "known"),
    [
        ([], True, None),  # never seen (a restart, a new conversation): forwarded until an answer settles it
        (["session_started"], True, None),  # a new conversation, or one that Rasa forgot in a restart
        (["pause"], True, True),
        (["pause", "resume"], False, False),
        (["pause", "restart"], True, True),  # Rasa answers again, but a colleague may still be waiting
        (["pause", "session_started"], True, True),
        (["pause", "resume", "session_started", "restart"], False, False),
        (["pause", "user", "bot", "action", "slot"], True, True),  # other events change nothing
    ],
)
def test_the_state_follows_the_handover_events(events: list[str], forwarded: bool, known: bool | None) -> None:
    states = HandoverStates()
    for name in events:
        states.observe("klant-1", name)
    assert (states.should_forward("klant-1"), states.get("klant-1")) == (forwarded, known)


def test_an_answer_settles_only_an_unknown_conversation() -> None:
    states = HandoverStates()
    states.learn("onbekend", handed_over=False)
    states.observe("gepauzeerd", "pause")
    states.learn("gepauzeerd", handed_over=False)  # the 404 of a message sent before the pause
    assert (states.get("onbekend"), states.get("gepauzeerd")) == (False, True)


def test_memory_is_bounded_and_forgets_the_least_recently_active_conversation() -> None:
    states = HandoverStates(capacity=3)
    for name in ("a", "b", "c"):
        states.learn(name, handed_over=False)
    states.observe("a", "user")  # a is active again: b is now the oldest
    states.observe("d", "pause")
    assert len(states) == 3
    assert (states.get("a"), states.get("b"), states.get("d")) == (False, None, True)
    assert states.should_forward("b"), "a forgotten conversation is forwarded again: safe"


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"event": "user"},
        {"event": "user", "sender_id": "klant-1"},
        {"event": "user", "sender_id": "klant-1", "text": None},
        {"event": None, "sender_id": "klant-1"},
        {"event": "user", "sender_id": 12345, "text": 678},
        {"event": ["pause"], "sender_id": "klant-1"},
    ],
)
async def test_publish_never_raises_into_rasa(odd: dict[str, Any], tmp_path: Path) -> None:
    broker = unreachable_broker(tmp_path / "outbox.sqlite3")
    broker.publish(odd)
    await broker.close()


async def test_publish_does_no_outbox_io_the_writer_task_does(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.sqlite3"
    broker = unreachable_broker(outbox)
    broker.publish({"event": "pause", "sender_id": "klant-1"})
    broker.publish(says("klant-1", "hallo", "m1"))
    assert not outbox.exists(), "publish() returned before anything touched the file"
    expected = [CustomerMessage("klant-1", "hallo", "m1")]
    assert await eventually(lambda: outbox.exists() and broker.outbox.pending() == expected)
    await broker.close()


async def test_what_waits_in_memory_reaches_the_outbox_when_rasa_stops(tmp_path: Path) -> None:
    broker = unreachable_broker(tmp_path / "outbox.sqlite3")
    broker.publish(says("klant-1", "ben je er nog?", "m1"))
    broker.publish(says("klant-1", "hallo??", "m2"))
    await broker.close()  # before the writer task had a turn
    assert [m.message_id for m in broker.outbox.pending()] == ["m1", "m2"]  # type: ignore[union-attr]


async def test_an_unwritable_outbox_is_logged_bounded_and_caught_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_broker, "RETRY_FIRST_SECONDS", 0.05)
    blocker = tmp_path / "var"
    blocker.write_text("a file where the outbox's folder should be")
    broker = unreachable_broker(blocker / "outbox.sqlite3", max_queued=2)
    caplog.set_level(logging.INFO, logger=event_broker.__name__)
    try:
        for number in range(1, 4):
            broker.publish(says("klant-1", f"bericht {number}", f"m{number}"))
        assert await eventually(lambda: "could not be written to the outbox" in caplog.text)
        assert "messages are dropped" in caplog.text  # the third: the queue holds two

        blocker.unlink()  # the folder can be made again
        assert await eventually(lambda: "written to the outbox again" in caplog.text)
    finally:
        await broker.close()
    assert [m.message_id for m in broker.outbox.pending()] == ["m1", "m2"]  # type: ignore[union-attr]
    assert caplog.text.count("could not be written to the outbox") == 1, "logged once per outage, not per retry"
