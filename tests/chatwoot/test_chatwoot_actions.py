"""The bot side with NAADLOOS_HANDOVER_BACKEND=chatwoot against the fake Chatwoot: action_handover
opens a Chatwoot conversation (with the fallback team when the trigger's team is busy) and no wait
token, nobody online stores a ticket conversation, the callback form a callback conversation, what
waited in the outbox while Chatwoot was down is delivered through Chatwoot, and the event broker
relays the customer's messages as incoming messages."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.events import ActionExecuted, BotUttered, ConversationPaused, SlotSet, UserUttered

from actions.callback import ActionCallbackSubmit
from actions.handover import ActionHandover
from naadloos.handover_contract.chatwoot.backend import CALLBACK_LABEL, TICKET_LABEL, ChatwootBackend
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.event_broker import LiveChatEventBroker
from naadloos.handover_contract.outbox import Outbox
from naadloos.handover_contract.schema import TicketRequest
from tests.chatwoot.conftest import TEAMS
from tests.chatwoot.fake_chatwoot import FakeChatwoot
from tests.processes import always_open_organisation


@pytest.fixture
def bot_side(monkeypatch: pytest.MonkeyPatch, chatwoot: FakeChatwoot, settings: ChatwootSettings, tmp_path: Path) -> Path:
    """The action server's and the event broker's settings for Chatwoot; returns the outbox file."""
    environment = {
        "NAADLOOS_HANDOVER_BACKEND": "chatwoot",
        "CHATWOOT_URL": chatwoot.url,
        "CHATWOOT_ACCOUNT_ID": str(chatwoot.account_id),
        "CHATWOOT_INBOX_ID": str(chatwoot.inbox_id),
        "CHATWOOT_API_TOKEN": chatwoot.token,
        "CHATWOOT_TEAMS": ",".join(f"{team}={number}" for team, number in TEAMS.items()),
        "CHATWOOT_TIMEOUT_SECONDS": "1",
        "NAADLOOS_CHATWOOT_DB": str(settings.links_db),
        "NAADLOOS_OUTBOX_DB": str(tmp_path / "outbox.sqlite3"),
        "NAADLOOS_ORGANISATION_FILE": str(always_open_organisation(tmp_path)),
    }
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("CHATWOOT_API_TOKEN_FILE", raising=False)
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def conversation(make_tracker):
    history = [
        ActionExecuted("action_listen"),
        {**UserUttered("mijn jaarafrekening is veel te hoog",
                       parse_data={"intent": {"name": "faq/annual_statement", "confidence": 0.91}, "entities": []}),
         "message_id": "m1"},
        BotUttered("Je jaarafrekening vind je in Mijn Polderstroom."),
    ]
    return make_tracker("ik wil een medewerker spreken", intent="request_human", history=history)


def notes(chatwoot: FakeChatwoot, conversation_id: int) -> list[str]:
    return [m["content"] for m in chatwoot.messages if m["conversation_id"] == conversation_id and m["private"]]


def said(dispatcher) -> str:
    return "\n".join(m["text"] for m in dispatcher.messages if m["text"])


async def test_a_handover_opens_a_chatwoot_conversation_with_the_whole_conversation_in_a_note(
    bot_side, chatwoot: FakeChatwoot, conversation, dispatcher, domain
) -> None:
    chatwoot.set_status(1, "online")

    events = await ActionHandover().run(dispatcher, conversation, domain)

    assert events[-3:] == [
        SlotSet("escalation_team", "klantenservice"), SlotSet("handover_status", "queued"), ConversationPaused(),
    ]
    assert "Ik geef je door aan een collega" in said(dispatcher)
    assert all(not m.get("custom") for m in dispatcher.messages), "no wait token: the page has nobody to ask"
    [opened] = chatwoot.conversations.values()
    assert (opened["status"], opened["team_id"]) == ("open", TEAMS["klantenservice"])
    [note] = notes(chatwoot, opened["id"])
    assert "mijn jaarafrekening is veel te hoog" in note and "ik wil een medewerker spreken" in note


async def test_a_busy_team_hands_over_to_the_default_team_and_the_slot_says_so(
    bot_side, chatwoot: FakeChatwoot, make_tracker, dispatcher, domain
) -> None:
    chatwoot.set_status(1, "online")  # klantenservice; nobody of fraude (agent 2) is online
    tracker = make_tracker("iemand belde namens jullie en vroeg mijn pincode", intent="fraud")

    events = await ActionHandover().run(dispatcher, tracker, domain)

    assert SlotSet("escalation_reason", "fraud") in events
    assert SlotSet("escalation_team", "klantenservice") in events and ConversationPaused() in events
    [opened] = chatwoot.conversations.values()
    assert opened["team_id"] == TEAMS["klantenservice"] and opened["priority"] == "high"


async def test_nobody_online_stores_a_ticket_and_the_callback_in_chatwoot(
    bot_side, chatwoot: FakeChatwoot, conversation, make_tracker, dispatcher, domain
) -> None:
    events = await ActionHandover().run(dispatcher, conversation, domain)

    assert events[-1] == SlotSet("handover_status", "unavailable")
    assert "Er is op dit moment geen collega vrij" in said(dispatcher)
    [ticket] = chatwoot.conversations.values()
    assert ticket["labels"] == [TICKET_LABEL]
    assert "mijn jaarafrekening is veel te hoog" in notes(chatwoot, ticket["id"])[0]

    slots = {"callback_phone": "0612345678", "callback_moment": "morgenochtend", "escalation_reason": "customer_request"}
    await ActionCallbackSubmit().run(dispatcher, make_tracker("morgenochtend", slots=slots), domain)
    callback = [c for c in chatwoot.conversations.values() if CALLBACK_LABEL in c["labels"]]
    assert len(callback) == 1 and callback[0]["team_id"] == TEAMS["klantenservice"]
    assert "0612345678" in notes(chatwoot, callback[0]["id"])[0]
    assert Outbox.from_settings().pending() == []


async def test_what_waited_while_chatwoot_was_down_is_delivered_through_chatwoot(
    bot_side, chatwoot: FakeChatwoot, conversation, dispatcher, domain
) -> None:
    chatwoot.mode = "error"
    await ActionHandover().run(dispatcher, conversation, domain)
    assert "Het lukt me nu niet om je door te verbinden" in said(dispatcher)
    kept = Outbox.from_settings().pending()
    assert [type(record) for record in kept] == [TicketRequest] and chatwoot.conversations == {}

    chatwoot.mode = "ok"
    chatwoot.set_status(1, "online")
    events = await ActionHandover().run(dispatcher, conversation, domain)  # reaches Chatwoot: the outbox goes too

    assert ConversationPaused() in events
    assert Outbox.from_settings().pending() == []
    labels = sorted(tuple(c["labels"]) for c in chatwoot.conversations.values())
    assert labels == [(), (TICKET_LABEL,)]


async def test_the_event_broker_relays_the_customers_messages_to_chatwoot(
    bot_side, chatwoot: FakeChatwoot, conversation, dispatcher, domain
) -> None:
    chatwoot.set_status(1, "online")
    await ActionHandover().run(dispatcher, conversation, domain)
    # As Rasa builds it from endpoints.yml: the URL there is the built-in desk's, the setting wins.
    broker = await LiveChatEventBroker.from_endpoint_config(EndpointConfig(url="http://127.0.0.1:9"))
    assert isinstance(broker._backend, ChatwootBackend)
    try:
        broker.publish({"event": "user", "sender_id": "test-conversation", "text": "ben je er nog?", "message_id": "m7"})
        broker.publish({"event": "user", "sender_id": "someone-else", "text": "hoi", "message_id": "m8"})
        delivered = await broker.flush()
    finally:
        await broker.close()

    assert delivered.unavailable is None and broker.outbox.pending() == []
    [opened] = chatwoot.conversations.values()
    incoming = [m["content"] for m in chatwoot.messages if m["message_type"] == "incoming"]
    assert incoming == ["ben je er nog?"], "only the message of the customer in a hand-over"
    assert all(m["conversation_id"] == opened["id"] for m in chatwoot.messages)
