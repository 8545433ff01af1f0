"""The Chatwoot back end against the fake Chatwoot (a real HTTP server with Chatwoot's shapes):
availability, the hand-over (contact, conversation, one private note, team), the customer's
messages, tickets and callbacks, and every failure mapped onto the contract's exceptions."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace

import pytest

from naadloos.core.organisation import Organisation
from naadloos.handover_contract.chatwoot.backend import CALLBACK_LABEL, TICKET_LABEL, ChatwootBackend, InboxMissing
from naadloos.handover_contract.chatwoot.links import ChatwootLinks
from naadloos.handover_contract.chatwoot.notes import MAX_NOTE_CHARS
from naadloos.handover_contract.chatwoot.settings import ChatwootConfigError, ChatwootSettings
from naadloos.handover_contract.schema import (
    CLOSED,
    HOLIDAY,
    NO_AGENTS,
    OPEN,
    CallbackRequest,
    HandoverRefused,
    LiveChatRejected,
    LiveChatUnavailable,
    TicketRequest,
)
from tests.chatwoot.conftest import CHRISTMAS_NOON, SUNDAY_NIGHT, WEDNESDAY_AFTERNOON, handover_request
from tests.chatwoot.fake_chatwoot import FakeChatwoot, free_port


def api_calls(chatwoot: FakeChatwoot, method: str, suffix: str) -> list[dict]:
    return [r for r in chatwoot.requests if r["method"] == method and r["path"].endswith(suffix)]


def notes_of(chatwoot: FakeChatwoot, conversation_id: int) -> list[dict]:
    return [m for m in chatwoot.messages if m["conversation_id"] == conversation_id and m["private"]]


# --- availability ---------------------------------------------------------------------------------
async def test_nobody_online_means_no_agents(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    availability = await backend.availability("klantenservice")
    assert (availability.can_take_over, availability.reason, availability.team) == (False, NO_AGENTS, "klantenservice")


async def test_an_online_agent_of_the_team_in_the_inbox_can_take_over(
    chatwoot: FakeChatwoot, backend: ChatwootBackend
) -> None:
    chatwoot.set_status(1, "online")
    assert (await backend.availability("klantenservice")).reason == OPEN
    # Pieter (fraude) is offline, and Sanne is not in that team.
    assert (await backend.availability("fraude")).reason == NO_AGENTS
    # A team without a Chatwoot team: anybody online in the inbox.
    assert (await backend.availability("nabestaanden")).reason == OPEN


async def test_an_online_team_member_outside_the_inbox_does_not_count(
    chatwoot: FakeChatwoot, backend: ChatwootBackend
) -> None:
    chatwoot.add_agent(3, "Fatima el Amrani", status="online", inbox=False)
    chatwoot.add_team(1, "Klantenservice", [1, 3])
    chatwoot.set_status(2, "busy")
    assert (await backend.availability("klantenservice")).reason == NO_AGENTS


@pytest.mark.parametrize(("moment", "reason"), [(SUNDAY_NIGHT, CLOSED), (CHRISTMAS_NOON, HOLIDAY)])
async def test_outside_our_opening_hours_nobody_is_asked(
    chatwoot: FakeChatwoot, make_backend: Callable[..., ChatwootBackend], project_organisation: Organisation,
    moment, reason: str,
) -> None:
    chatwoot.set_status(1, "online")
    backend = make_backend(organisation=project_organisation, now=moment)
    availability = await backend.availability("klantenservice")
    assert (availability.can_take_over, availability.reason) == (False, reason)
    assert chatwoot.requests == []  # our own hours decide first: no call to Chatwoot
    assert (await make_backend(organisation=project_organisation, now=WEDNESDAY_AFTERNOON).availability(
        "klantenservice")).reason == OPEN


async def test_failures_map_onto_the_contract(
    chatwoot: FakeChatwoot, make_backend: Callable[..., ChatwootBackend]
) -> None:
    with pytest.raises(LiveChatRejected) as refused:
        await make_backend(api_token="not-the-token").availability("klantenservice")
    assert refused.value.status == 401
    chatwoot.mode = "error"
    with pytest.raises(LiveChatUnavailable):
        await make_backend().availability("klantenservice")
    chatwoot.mode, chatwoot.delay = "slow", 2.0
    with pytest.raises(LiveChatUnavailable):
        await make_backend(timeout_seconds=0.3).availability("klantenservice")
    with pytest.raises(LiveChatUnavailable):
        await make_backend(url=f"http://127.0.0.1:{free_port()}").availability("klantenservice")


# --- hand-over ------------------------------------------------------------------------------------
async def test_handover_creates_contact_conversation_one_private_note_and_team(
    chatwoot: FakeChatwoot, backend: ChatwootBackend
) -> None:
    chatwoot.set_status(1, "online")
    request = handover_request(priority="high")
    opened = await backend.open_handover(request, "klantenservice")

    assert opened.team == "klantenservice"
    assert (opened.handover.status, opened.handover.queue_position) == ("queued", None)
    [contact] = chatwoot.contacts.values()
    identifier = hashlib.sha256(b"web-7f3a9c").hexdigest()
    assert contact["identifier"] == identifier
    assert contact["name"] == "Klant 12345678"
    conversation = chatwoot.conversations[opened.handover.id]
    assert (conversation["status"], conversation["team_id"], conversation["contact_id"]) == ("open", 1, contact["id"])
    assert conversation["source_id"] == identifier
    assert conversation["priority"] == "high"
    [note] = notes_of(chatwoot, opened.handover.id)
    assert note["message_type"] == "outgoing"
    assert "Klant vraagt om een medewerker" in note["content"]
    assert "13.50 Klant: mijn jaarafrekening is veel te hoog" in note["content"]
    assert "Assistent: Je jaarafrekening vind je in Mijn Polderstroom." in note["content"]
    assert "request_human" not in note["content"] and "0.97" not in note["content"]  # no technical details
    assert [m for m in chatwoot.messages if not m["private"]] == []  # nothing the customer could see
    # The raw sender id never reaches Chatwoot, in no request at all.
    assert all("web-7f3a9c" not in json.dumps(r) for r in chatwoot.requests)


async def test_the_same_customer_keeps_one_contact(
    chatwoot: FakeChatwoot, backend: ChatwootBackend, links: ChatwootLinks, make_backend, tmp_path
) -> None:
    chatwoot.set_status(1, "online")
    first = await backend.open_handover(handover_request(key="handover-1"))
    assert links.close(first.handover.id)  # the agent solved it; later the customer asks again
    second = await backend.open_handover(handover_request(key="handover-2"))
    assert second.handover.id != first.handover.id
    assert len(chatwoot.contacts) == 1
    assert len(api_calls(chatwoot, "POST", "/contacts")) == 1

    # Also when our links file is new (another machine, or lost): found by Chatwoot's search.
    fresh = ChatwootBackend(backend._api, ChatwootLinks(tmp_path / "other.sqlite3"), chatwoot.inbox_id, {},
                            organisation=backend._organisation, clock=backend._clock)
    await fresh.open_handover(handover_request(key="handover-3"))
    assert len(chatwoot.contacts) == 1
    assert len(chatwoot.conversations) == 3


async def test_a_retry_with_the_same_key_creates_nothing_new(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    chatwoot.set_status(1, "online")
    first = await backend.open_handover(handover_request())
    again = await backend.open_handover(handover_request())
    assert again.handover.id == first.handover.id
    assert len(chatwoot.conversations) == 1
    assert len(notes_of(chatwoot, first.handover.id)) == 1


async def test_a_busy_team_hands_over_to_the_fallback_team(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    chatwoot.set_status(1, "online")  # klantenservice is there, fraude is not
    opened = await backend.open_handover(handover_request(team="fraude", reason="fraud"), "klantenservice")
    assert opened.team == "klantenservice"
    assert chatwoot.conversations[opened.handover.id]["team_id"] == 1
    chatwoot.set_status(1, "offline")
    with pytest.raises(HandoverRefused) as refused:
        await backend.open_handover(handover_request(key="handover-9", team="fraude"), "klantenservice")
    assert refused.value.reason == NO_AGENTS
    assert len(chatwoot.conversations) == 1


async def test_closed_is_refused_at_once(
    chatwoot: FakeChatwoot, make_backend, project_organisation: Organisation
) -> None:
    chatwoot.set_status(1, "online")
    with pytest.raises(HandoverRefused) as refused:
        await make_backend(organisation=project_organisation, now=SUNDAY_NIGHT).open_handover(
            handover_request(), "klantenservice")
    assert refused.value.reason == CLOSED
    assert chatwoot.requests == []


async def test_an_inbox_with_one_conversation_per_contact_is_opened_again(
    chatwoot: FakeChatwoot, backend: ChatwootBackend, links: ChatwootLinks
) -> None:
    chatwoot.set_status(1, "online")
    chatwoot.lock_to_single_conversation = True
    first = await backend.open_handover(handover_request(key="handover-1"))
    chatwoot.conversations[first.handover.id]["status"] = "resolved"
    links.close(first.handover.id)
    second = await backend.open_handover(handover_request(key="handover-2"))
    assert second.handover.id == first.handover.id
    assert chatwoot.conversations[first.handover.id]["status"] == "open"
    assert links.open_handover_of("web-7f3a9c") is not None


async def test_the_note_is_bounded_and_keeps_the_newest_turns(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    chatwoot.set_status(1, "online")
    turns = [{"role": "user" if i % 2 else "bot", "text": f"bericht {i} " + "x" * 900, "timestamp": 1773233400.0 + i}
             for i in range(400)]
    opened = await backend.open_handover(handover_request(transcript=turns))
    [note] = notes_of(chatwoot, opened.handover.id)
    assert len(note["content"]) <= MAX_NOTE_CHARS
    assert "bericht 399 " in note["content"] and "bericht 0 " not in note["content"]
    assert "eerdere berichten weggelaten" in note["content"]


# --- the customer's messages ----------------------------------------------------------------------
async def test_customer_messages_arrive_once_as_incoming(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    chatwoot.set_status(1, "online")
    opened = await backend.open_handover(handover_request())
    # The message that asked for a person is in the note already: not posted again.
    await backend.forward_customer_message("web-7f3a9c", "ik wil een medewerker spreken", "m2")
    await backend.forward_customer_message("web-7f3a9c", "mijn klantnummer is 12345678", "m3")
    await backend.forward_customer_message("web-7f3a9c", "mijn klantnummer is 12345678", "m3")
    incoming = [m for m in chatwoot.messages if m["message_type"] == "incoming"]
    assert [(m["conversation_id"], m["content"], m["private"]) for m in incoming] == [
        (opened.handover.id, "mijn klantnummer is 12345678", False)
    ]


async def test_without_an_open_handover_a_message_is_the_bots(
    chatwoot: FakeChatwoot, backend: ChatwootBackend, links: ChatwootLinks
) -> None:
    with pytest.raises(LiveChatRejected) as rejected:
        await backend.forward_customer_message("web-7f3a9c", "hallo", "m1")
    assert rejected.value.status == 404
    chatwoot.set_status(1, "online")
    opened = await backend.open_handover(handover_request())
    links.close(opened.handover.id)
    with pytest.raises(LiveChatRejected):
        await backend.forward_customer_message("web-7f3a9c", "nog een vraag", "m9")
    assert [m for m in chatwoot.messages if m["message_type"] == "incoming"] == []


# --- tickets and callbacks ------------------------------------------------------------------------
def ticket_request(key: str = "ticket-1") -> TicketRequest:
    request = handover_request()
    return TicketRequest(
        conversation_id=request.conversation_id, idempotency_key=key, channel="socketio", reason="payment_distress",
        priority="high", team="klantenservice", summary="Betalingsproblemen\nLaatste vraag: \"ik kan niet betalen\"",
        contact_preference="callback_offered", customer=request.customer, transcript=request.transcript,
    )


async def test_a_ticket_is_a_labelled_conversation_with_a_note(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    await backend.ticket(ticket_request())
    await backend.ticket(ticket_request())  # the outbox delivering it again
    [conversation] = chatwoot.conversations.values()
    assert (conversation["status"], conversation["team_id"], conversation["labels"]) == ("open", 1, [TICKET_LABEL])
    assert conversation["priority"] == "high"
    [note] = notes_of(chatwoot, conversation["id"])
    assert "Betalingsproblemen" in note["content"]
    assert "aangeboden dat we terugbellen" in note["content"]
    assert "bereikt de klant niet" in note["content"]


async def test_a_callback_request_is_a_labelled_conversation(chatwoot: FakeChatwoot, backend: ChatwootBackend) -> None:
    request = CallbackRequest("web-7f3a9c", "callback-1", "0612345678", "morgen na 10 uur", team=None)
    await backend.callback(request)
    [conversation] = chatwoot.conversations.values()
    assert (conversation["team_id"], conversation["labels"]) == (None, [CALLBACK_LABEL])
    [note] = notes_of(chatwoot, conversation["id"])
    assert "0612345678" in note["content"] and "morgen na 10 uur" in note["content"]


async def test_an_unreachable_chatwoot_leaves_the_ticket_to_the_outbox(
    chatwoot: FakeChatwoot, backend: ChatwootBackend
) -> None:
    chatwoot.mode = "error"
    with pytest.raises(LiveChatUnavailable):
        await backend.ticket(ticket_request())
    chatwoot.mode = "ok"
    await backend.ticket(ticket_request())
    assert len(chatwoot.conversations) == 1
    assert len(notes_of(chatwoot, 1)) == 1


async def test_without_chatwoot_inbox_id_a_conversation_from_another_channel_is_a_clear_error(
    chatwoot: FakeChatwoot, make_backend: Callable[..., ChatwootBackend], caplog: pytest.LogCaptureFixture
) -> None:
    """Only the agent bot's conversations (Chatwoot as the front door) do without CHATWOOT_INBOX_ID
    (tests/channels/test_chatwoot_channel.py); the web chat's need the API channel inbox."""
    chatwoot.set_status(1, "online")
    backend = make_backend(inbox_id=0)
    with caplog.at_level(logging.ERROR):
        for attempt in (backend.open_handover(handover_request()), backend.ticket(ticket_request()),
                        backend.callback(CallbackRequest("web-7f3a9c", "callback-1", "0612345678", "morgen", team=None))):
            with pytest.raises(InboxMissing, match="CHATWOOT_INBOX_ID is not set"):
                await attempt
    assert issubclass(InboxMissing, LiveChatUnavailable)  # the action's "unavailable" path; the outbox keeps a ticket
    assert "CHATWOOT_INBOX_ID is not set" in caplog.text
    assert (chatwoot.contacts, chatwoot.conversations) == ({}, {})


def test_the_back_end_starts_without_an_inbox_but_not_without_its_account(settings: ChatwootSettings) -> None:
    assert replace(settings, inbox_id=0).require_api().inbox_id == 0
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_ACCOUNT_ID must be set"):
        replace(settings, account_id=0).require_api()
    with pytest.raises(ChatwootConfigError, match="CHATWOOT_INBOX_ID must be set"):  # the receiver still needs it
        replace(settings, inbox_id=0).require_webhooks()


async def test_a_contact_deleted_in_chatwoot_is_made_again(
    chatwoot: FakeChatwoot, backend: ChatwootBackend, links: ChatwootLinks
) -> None:
    chatwoot.set_status(1, "online")
    first = await backend.open_handover(handover_request(key="handover-1"))
    links.close(first.handover.id)
    chatwoot.contacts.clear()
    chatwoot.contact_inboxes.clear()
    second = await backend.open_handover(replace(handover_request(key="handover-2")))
    assert len(chatwoot.contacts) == 1
    assert chatwoot.conversations[second.handover.id]["contact_id"] in chatwoot.contacts
