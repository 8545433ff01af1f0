"""The hand-over contract's shapes and the choice of back end (naadloos.handover_contract.schema,
.backend): records that survive the outbox as kind + JSON, one home for the shapes, and
NAADLOOS_HANDOVER_BACKEND with clear errors."""
from __future__ import annotations

import json

import pytest

from naadloos.handover_contract import schema
from naadloos.handover_contract.backend import HandoverBackendError, handover_backend_from_settings
from naadloos.handover_contract.builtin import client as livechat_client
from naadloos.handover_contract.builtin.backend import BuiltinBackend
from naadloos.handover_contract.chatwoot.backend import ChatwootBackend
from naadloos.handover_contract.chatwoot.settings import ChatwootConfigError, ChatwootSettings, parse_teams
from naadloos.handover_contract.schema import (
    CallbackRequest,
    CustomerMessage,
    HandoverRequest,
    RecordError,
    TicketRequest,
    record_from_json,
    record_kind,
)

RECORDS = [
    TicketRequest("c-1", "ticket-1", "socketio", "complaint", "normal", "klachten", "Klacht", "referred",
                  {"klantnummer": "1"}, [{"role": "user", "text": "boos!!"}]),
    CallbackRequest("c-1", "callback-1", "0612345678", "morgen"),
    CallbackRequest("c-1", "callback-2", "0612345678", "morgen", team="betalingen"),
    CustomerMessage("c-1", "hallo", "m-1"),
]


@pytest.mark.parametrize("record", RECORDS)
def test_a_record_survives_the_outbox_as_kind_and_json(record: schema.Record) -> None:
    stored = json.loads(json.dumps(record.to_json()))
    assert record_from_json(record_kind(record), stored) == record


def test_a_callback_without_team_leaves_the_team_to_the_back_end() -> None:
    assert "team" not in CallbackRequest("c", "k", "06", "nu").to_json()


def test_unknown_kinds_and_missing_fields_are_clear_errors() -> None:
    with pytest.raises(RecordError, match="unknown record kind '/api/tickets'"):
        record_from_json("/api/tickets", {})
    with pytest.raises(RecordError, match="callback record without its required fields"):
        record_from_json("callback", {"conversation_id": "c"})
    # A field added later does not break reading an older record, nor does one removed.
    assert record_from_json("customer_message", {"conversation_id": "c", "text": "t", "message_id": "m", "x": 1}) == (
        CustomerMessage("c", "t", "m")
    )


def test_the_fallback_team_gets_its_own_idempotency_key() -> None:
    request = HandoverRequest("c", "handover-9", "socketio", "fraud", "high", "fraude", "Fraude")
    assert request.for_team("fraude") is request
    assert request.for_team("klantenservice").idempotency_key == "handover-9.klantenservice"
    assert request.for_team("klantenservice").team == "klantenservice"


def test_the_shapes_have_one_home() -> None:
    """livechat_client re-exports them; it does not define its own."""
    for name in ("Availability", "Handover", "HandoverRefused", "LiveChatRejected", "LiveChatUnavailable"):
        assert getattr(livechat_client, name) is getattr(schema, name)


def test_the_backend_is_chosen_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAADLOOS_HANDOVER_BACKEND", raising=False)
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", "s" * 40)
    assert isinstance(handover_backend_from_settings(), BuiltinBackend)

    monkeypatch.setenv("NAADLOOS_HANDOVER_BACKEND", "Chatwoot")
    for variable in ("CHATWOOT_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_API_TOKEN_FILE", "CHATWOOT_ACCOUNT_ID"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_URL"):
        handover_backend_from_settings()
    monkeypatch.setenv("CHATWOOT_URL", "https://chatwoot.example.nl/")
    monkeypatch.setenv("CHATWOOT_ACCOUNT_ID", "3")
    monkeypatch.setenv("CHATWOOT_INBOX_ID", "12")
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_API_TOKEN"):
        handover_backend_from_settings()
    monkeypatch.setenv("CHATWOOT_API_TOKEN", "token")
    assert isinstance(handover_backend_from_settings(), ChatwootBackend)

    monkeypatch.setenv("NAADLOOS_HANDOVER_BACKEND", "zendesk")
    with pytest.raises(HandoverBackendError, match="builtin, chatwoot, not 'zendesk'"):
        handover_backend_from_settings()


def test_chatwoot_settings_name_the_mistake(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    assert parse_teams(" klantenservice=1, fraude = 4 ,") == {"klantenservice": 1, "fraude": 4}
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_TEAMS: 'fraude' is not like"):
        parse_teams("klantenservice=1,fraude")
    monkeypatch.setenv("CHATWOOT_ACCOUNT_ID", "drie")
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_ACCOUNT_ID must be a whole number"):
        ChatwootSettings.from_environment()
    monkeypatch.setenv("CHATWOOT_ACCOUNT_ID", "3")
    secret = tmp_path / "token"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("CHATWOOT_API_TOKEN", raising=False)
    monkeypatch.setenv("CHATWOOT_API_TOKEN_FILE", str(secret))
    settings = ChatwootSettings.from_environment()
    assert settings.api_token == "from-a-file"
    assert "from-a-file" not in repr(settings)
