"""The built-in live chat as a `HandoverBackend` (naadloos.handover_contract.builtin.backend) against the
real service: a hand-over in one request, the fallback team only when the trigger's team is busy,
a retry that finds the same hand-over, and the records the outbox replays by kind."""
from __future__ import annotations

from pathlib import Path

import pytest

from naadloos.handover_contract.backend import handover_backend_from_settings, send_record
from naadloos.handover_contract.builtin.backend import BuiltinBackend, record_from_builtin_path
from naadloos.handover_contract.schema import (
    CLOSED,
    NO_AGENTS,
    CallbackRequest,
    CustomerMessage,
    HandoverRefused,
    HandoverRequest,
    LiveChatRejected,
    TicketRequest,
)
from naadloos.handover_contract.wait_token import handover_id_of
from tests.livechat.helpers import SECRET, SUNDAY_EVENING, Bot, FakeClock, RunningService


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the back end speaks HTTP; the storage variants are covered elsewhere."""
    return f"sqlite:///{tmp_path / 'livechat.sqlite3'}"


@pytest.fixture
def builtin(service: RunningService, bot_side) -> BuiltinBackend:
    bot_side(service.url)
    backend = handover_backend_from_settings()
    assert isinstance(backend, BuiltinBackend)
    return backend


def request(team: str = "klantenservice", key: str = "handover-abc", **changes: object) -> HandoverRequest:
    values: dict = {
        "conversation_id": "conv-1", "idempotency_key": key, "channel": "socketio", "reason": "fraud",
        "priority": "high", "team": team, "summary": "Fraude\nLaatste vraag: \"iemand belde namens jullie\"",
        "customer": {"klantnummer": "12345678"},
        "transcript": [{"role": "user", "text": "iemand belde namens jullie", "timestamp": 1772442000.0}],
        "slots": {}, "events": [],
    }
    return HandoverRequest(**{**values, **changes})


async def test_a_handover_is_one_request_to_the_trigger_team(builtin: BuiltinBackend, make_agent, bot: Bot) -> None:
    await make_agent("sanne", teams=["fraude"])
    opened = await builtin.open_handover(request(team="fraude"), "klantenservice")
    assert opened.team == "fraude"
    # The web chat page's token for asking this desk about its wait: made by the built-in back end.
    assert opened.handover.wait_token is not None
    assert handover_id_of(SECRET, opened.handover.wait_token) == opened.handover.id
    status, body = await bot.get("/conversations/conv-1/handover")
    assert (status, body["id"], body["team"], body["priority"]) == (200, opened.handover.id, "fraude", "high")


async def test_a_busy_team_falls_back_and_a_retry_finds_the_same_handover(
    builtin: BuiltinBackend, make_agent
) -> None:
    await make_agent("sanne", teams=["klantenservice"])
    opened = await builtin.open_handover(request(team="fraude"), "klantenservice")
    assert opened.team == "klantenservice"
    again = await builtin.open_handover(request(team="fraude"), "klantenservice")
    assert again.handover.id == opened.handover.id


async def test_nobody_or_closed_is_refused_with_the_reason(
    builtin: BuiltinBackend, clock: FakeClock
) -> None:
    with pytest.raises(HandoverRefused) as refused:
        await builtin.open_handover(request(team="fraude"), "klantenservice")
    assert refused.value.reason == NO_AGENTS
    clock.set(SUNDAY_EVENING)
    with pytest.raises(HandoverRefused) as refused:
        await builtin.open_handover(request(team="fraude"), "klantenservice")
    assert refused.value.reason == CLOSED


async def test_records_are_replayed_by_kind(builtin: BuiltinBackend, make_agent) -> None:
    agent = await make_agent("sanne", teams=["klantenservice"])
    ticket = TicketRequest("conv-2", "ticket-conv-2", "socketio", "fraud", "high", "klantenservice", "Fraude",
                           "callback_offered")
    callback = CallbackRequest("conv-2", "callback-conv-2", "0612345678", "morgen na 10 uur", team="klantenservice")
    for record in (ticket, callback):
        await send_record(builtin, record)
    status, inbox = await agent.get("/inbox")
    assert status == 200
    assert sorted(item["kind"] for item in inbox["items"]) == ["callback", "ticket"]
    with pytest.raises(LiveChatRejected) as rejected:  # no open hand-over: the message is the bot's
        await send_record(builtin, CustomerMessage("conv-2", "hallo", "m-1"))
    assert rejected.value.status == 404


def test_an_older_outbox_row_is_read_as_its_kind() -> None:
    assert record_from_builtin_path("/api/conversations/a%20b%2Fc%25d/messages", {"text": "hoi", "message_id": "m"}) == (
        CustomerMessage("a b/c%d", "hoi", "m")
    )
    body = {"conversation_id": "c", "idempotency_key": "callback-c", "phone": "0612345678", "preferred_moment": "nu"}
    assert record_from_builtin_path("/api/callbacks", body) == CallbackRequest("c", "callback-c", "0612345678", "nu")
