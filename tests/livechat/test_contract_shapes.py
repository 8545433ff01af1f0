"""The live chat checks requests against the hand-over contract's own limits and priorities
(`naadloos.handover_contract.schema`), not against copies; and what the bot builds with the
contract's request shapes is exactly what the live chat reads (`livechat.validation`)."""
from __future__ import annotations

from dataclasses import fields

import pytest

from livechat import validation
from livechat.storage import schema as tables
from livechat.storage.handovers import NewHandover
from naadloos.handover_contract import schema as contract
from naadloos.handover_contract.schema import CallbackRequest, HandoverRequest, TicketRequest

TEAMS = ("klantenservice", "fraude")
LIMITS = ("MAX_ID", "MAX_CONVERSATION_ID", "MAX_CODE", "MAX_SUMMARY", "MAX_TEXT", "MAX_TRANSCRIPT_TURNS", "MAX_EVENTS")


def handover_request(**changes: object) -> HandoverRequest:
    values: dict = {
        "conversation_id": "conv-1", "idempotency_key": "handover-conv-1", "channel": "socketio",
        "reason": "fraud", "priority": "high", "team": "fraude", "summary": "Fraude\nLaatste vraag: \"iemand belde\"",
        "customer": {"klantnummer": "12345678"},
        "transcript": [{"role": "user", "text": "iemand belde namens jullie", "timestamp": 1772442000.0,
                        "message_id": "m1", "intent": {"name": "fraud", "confidence": 0.93}, "entities": []}],
        "slots": {"escalation_reason": "fraud"},
        "events": [{"event": "user", "text": "iemand belde namens jullie"}],
    }
    return HandoverRequest(**{**values, **changes})


@pytest.mark.parametrize("name", LIMITS)
def test_the_limits_are_the_contracts(name):
    assert getattr(validation, name) == getattr(contract, name)


def test_the_priorities_are_the_contracts():
    assert tables.PRIORITIES is contract.PRIORITIES
    assert validation.PRIORITIES is contract.PRIORITIES


def test_a_handover_request_reads_back_field_by_field():
    """The live chat's `NewHandover` is the hand-over table's row: the contract's request with the
    transcript cleaned and the events under the column name `raw_events`."""
    request = handover_request()
    new = validation.handover(request.to_json(), TEAMS, "klantenservice")
    assert {f.name for f in fields(NewHandover)} == {f.name for f in fields(HandoverRequest)} - {"events"} | {"raw_events"}
    for field in fields(HandoverRequest):
        read = getattr(new, "raw_events" if field.name == "events" else field.name)
        expected = getattr(request, field.name)
        if field.name == "transcript":
            assert [{k: turn[k] for k in expected[0]} for turn in read] == expected
        else:
            assert read == expected, field.name


def test_a_request_at_the_contracts_limits_is_taken_and_one_beyond_is_refused():
    at_limit = handover_request(
        transcript=[{"role": "bot", "text": "x" * contract.MAX_TEXT, "timestamp": 1.0}] * contract.MAX_TRANSCRIPT_TURNS,
        events=[{"event": "action"}] * contract.MAX_EVENTS,
        summary="s" * contract.MAX_SUMMARY,
    )
    assert validation.handover(at_limit.to_json(), TEAMS, "klantenservice").raw_events == at_limit.events
    for beyond, field in [
        (handover_request(transcript=[{"role": "bot", "text": "x" * (contract.MAX_TEXT + 1)}]), "transcript[0].text"),
        (handover_request(events=[{"event": "action"}] * (contract.MAX_EVENTS + 1)), "events"),
        (handover_request(summary="s" * (contract.MAX_SUMMARY + 1)), "summary"),
        (handover_request(priority="spoed"), "priority"),
    ]:
        with pytest.raises(validation.ValidationError) as refused:
            validation.handover(beyond.to_json(), TEAMS, "klantenservice")
        assert refused.value.field == field


def test_a_ticket_and_a_callback_read_back_field_by_field():
    ticket = TicketRequest(
        conversation_id="conv-1", idempotency_key="ticket-conv-1", channel="socketio", reason="crisis",
        priority="urgent", team="klantenservice", summary="Crisis", contact_preference="callback_offered",
        customer={"klantnummer": "12345678"}, transcript=[{"role": "user", "text": "help", "timestamp": 1.0}],
    )
    read = validation.ticket(ticket.to_json(), TEAMS, "klantenservice")
    for field in fields(TicketRequest):
        value = read[field.name]
        expected = getattr(ticket, field.name)
        assert (value if field.name != "transcript" else [{k: t[k] for k in expected[0]} for t in value]) == expected
    callback = CallbackRequest(conversation_id="conv-1", idempotency_key="callback-conv-1", phone="0612345678",
                               preferred_moment="morgen na tienen", team="fraude")
    read = validation.callback(callback.to_json(), TEAMS, "klantenservice")
    assert {f.name: read[f.name] for f in fields(CallbackRequest)} == {**callback.to_json(), "phone": read["phone"]}
    # Without a team the live chat gives it to its default team (LIVECHAT_TEAMS' first, the escalation default).
    assert validation.callback(CallbackRequest("c", "k", "0612345678", "nu").to_json(), TEAMS, "klantenservice")["team"] == (
        "klantenservice"
    )
