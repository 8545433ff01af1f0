"""The channel a hand-over or ticket names, and its words for a colleague (issue 12): Twilio's
conversations say whether they came by SMS or by WhatsApp; every code has plain Dutch words."""
from __future__ import annotations

import pytest

from naadloos.handover_contract.schema import TICKET, HandoverRequest, TicketRequest, channel_label, record_from_json


def _request(conversation_id: str, channel: str) -> HandoverRequest:
    return HandoverRequest(conversation_id=conversation_id, idempotency_key="k1", channel=channel, reason="human_requested",
                           priority="normal", team="klantenservice", summary="Klant wil een medewerker.")


@pytest.mark.parametrize(
    ("conversation_id", "input_channel", "label"),
    [
        ("whatsapp:31612345678", "twilio", "WhatsApp"),
        ("31612345678", "twilio", "SMS"),
        ("31612345678", "whatsapp", "WhatsApp"),
        ("123456789", "telegram", "Telegram"),
        ("f3a9c2", "socketio", "chat op de website"),
        ("chatwoot-1-42", "chatwoot", "Chatwoot"),
    ],
)
def test_the_desk_shows_the_channel_in_plain_dutch(conversation_id, input_channel, label):
    request = _request(conversation_id, input_channel)
    assert channel_label(request.channel) == label


def test_the_twilio_channel_is_kept_through_the_outbox_and_a_transfer():
    request = _request("whatsapp:31612345678", "twilio")
    assert request.channel == "twilio_whatsapp"
    assert request.for_team("klachten").channel == "twilio_whatsapp"
    ticket = TicketRequest(conversation_id="whatsapp:31612345678", idempotency_key="k2", channel="twilio",
                           reason="human_requested", priority="normal", team="klantenservice", summary="-",
                           contact_preference="referred")
    assert record_from_json(TICKET, ticket.to_json()) == ticket


def test_an_unknown_channel_is_shown_as_it_was_sent():
    assert channel_label("signal") == "signal"
