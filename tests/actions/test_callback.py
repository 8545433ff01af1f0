"""The callback request the bot sends: it goes to the team of the conversation's escalation reason."""
from __future__ import annotations

import pytest

from actions.callback import callback_request
from naadloos.escalation.config import current_escalation_config
from naadloos.handover_contract.schema import record_from_json, record_kind


def callback_tracker(make_tracker, reason):
    slots = {"callback_phone": "0612345678", "callback_moment": "morgen", "escalation_reason": reason}
    return make_tracker("morgen", slots=slots)


@pytest.mark.parametrize(
    "reason, team", [("fraud", "fraude"), ("bereavement", "nabestaanden"), ("customer_request", "klantenservice")]
)
def test_the_callback_names_the_team_of_the_escalation_reason(make_tracker, reason, team):
    request = callback_request(callback_tracker(make_tracker, reason), current_escalation_config())
    assert request.team == team
    assert (request.conversation_id, request.phone, request.preferred_moment) == ("test-conversation", "0612345678", "morgen")
    assert record_from_json(record_kind(request), request.to_json()) == request  # what the outbox keeps


@pytest.mark.parametrize("reason", [None, "no_such_reason"])
def test_without_a_known_reason_the_service_picks_its_default_team(make_tracker, reason):
    request = callback_request(callback_tracker(make_tracker, reason), current_escalation_config())
    assert request.team is None and "team" not in request.to_json()
