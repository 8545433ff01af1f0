"""The bot side of the hand-over against the real live-chat service: action_handover in every
branch, the callback request, the outbox, and the event broker that carries customer messages."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from rasa_sdk.events import ActionExecuted, BotUttered, ConversationPaused, SlotSet, UserUttered

from actions.callback import ActionCallbackSubmit
from actions.escalation import escalation_reason
from naadloos.escalation.config import current_escalation_config
from naadloos.handover_contract.builtin.backend import BuiltinBackend
from naadloos.handover_contract.builtin.client import LiveChatClient
from naadloos.handover_contract.event_broker import LiveChatEventBroker
from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, Outbox
from naadloos.handover_contract.schema import CallbackRequest, CustomerMessage, TicketRequest, record_kind
from tests.domain_wording import rendered
from tests.livechat.helpers import (
    SECRET,
    SUNDAY_EVENING,
    Bot,
    FakeClock,
    RunningService,
    create_agent_client,
    free_port,
    handover,
    handover_payload,
    running_service,
    settled,
)


@pytest.fixture
def conversation(make_tracker):
    """A customer who asked a question, got an answer and now asks for a person."""
    history = [
        ActionExecuted("action_listen"),
        UserUttered(
            "mijn jaarafrekening is veel te hoog",
            parse_data={"intent": {"name": "faq/annual_statement", "confidence": 0.91}, "entities": []},
        ),
        BotUttered("Je jaarafrekening vind je in Mijn Polderstroom."),
    ]
    return make_tracker(
        "ik wil een medewerker spreken", intent="request_human", history=history, slots={"customer_number": "12345678"}
    )


def said(dispatcher) -> str:
    """What the customer read: texts, and responses as Rasa renders them."""
    return "\n".join(text for text in map(rendered, dispatcher.messages) if text)


def desk_at(url: str) -> BuiltinBackend:
    """The built-in desk at `url` as the event broker's back end. The timeout leaves room for a busy CI
    machine; an unreachable desk still fails at once (connection refused)."""
    return BuiltinBackend(LiveChatClient(url, SECRET, 10.0), SECRET)


async def test_agent_available_posts_the_whole_conversation_and_pauses_the_bot(
    service: RunningService, make_agent, bot_side, conversation, dispatcher, domain
) -> None:
    agent = await make_agent("sanne")
    bot_side(service.url)

    events = await handover(dispatcher, conversation, domain)

    assert events == [
        *settled("customer_request", "normal"),
        SlotSet("escalation_team", "klantenservice"),
        SlotSet("handover_status", "queued"),
        ConversationPaused(),
    ]
    assert "Je hoeft niets te herhalen" in said(dispatcher) and "Je bent zo aan de beurt." in said(dispatcher)
    status, queue = await agent.get("/queue")
    assert status == 200 and len(queue["queued"]) == 1
    status, detail = await agent.get(f"/handovers/{queue['queued'][0]['id']}")
    handed_over = detail["handover"]
    assert handed_over["reason"] == "customer_request"
    assert "De klant vraagt om een medewerker." in handed_over["summary"]
    assert "klantnummer 12345678" in handed_over["summary"]
    first = handed_over["transcript"][0]
    assert first["text"] == "mijn jaarafrekening is veel te hoog"
    assert first["intent"] == {"name": "faq/annual_statement", "confidence": 0.91}
    assert [turn["role"] for turn in handed_over["transcript"]] == ["user", "bot", "user"]


async def test_a_retried_handover_is_not_queued_twice(
    service: RunningService, make_agent, bot_side, conversation, dispatcher, domain
) -> None:
    agent = await make_agent("sanne")
    bot_side(service.url)
    await handover(dispatcher, conversation, domain)
    await handover(dispatcher, conversation, domain)
    status, queue = await agent.get("/queue")
    assert len(queue["queued"]) == 1


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("closed", "Onze collega's zijn er op dit moment niet."),
        ("no_agents", "Er is op dit moment geen collega vrij"),
    ],
)
async def test_no_human_available_offers_every_channel_and_stores_a_ticket(
    service: RunningService, make_agent, clock: FakeClock, bot_side, conversation, dispatcher, domain, situation, expected
) -> None:
    agent = await make_agent("sanne", login=situation == "closed")
    if situation == "closed":
        clock.set(SUNDAY_EVENING)
    else:
        await agent.login()
        await agent.post("/agents/logout")
    bot_side(service.url)

    events = await handover(dispatcher, conversation, domain)

    assert events == [
        *settled("customer_request", "normal"),
        SlotSet("escalation_team", "klantenservice"),
        SlotSet("handover_status", "unavailable"),
    ]
    text = said(dispatcher)
    assert expected in text
    assert "Ik heb ons gesprek bewaard" in text
    channels = ("WhatsApp: 06-12345678", "Telefoon: 0800-123 45 67", "klantenservice@polderstroom.example", "@PolderstroomNL")
    assert all(channel in text for channel in channels)
    await agent.login()
    status, tickets = await agent.get("/tickets")
    assert [t["conversation_id"] for t in tickets["tickets"]] == ["test-conversation"]


async def test_queue_full_is_said_honestly(
    database_url: str, config_for, clock: FakeClock, bot_side, conversation, dispatcher, domain, http
) -> None:
    async with running_service(config_for(database_url, max_queue=1), clock) as service:
        agent = await create_agent_client(service, "sanne")
        status, _ = await Bot(http, service).post("/handovers", handover_payload("someone-else"))
        assert status == 201
        bot_side(service.url)
        events = await handover(dispatcher, conversation, domain)
        await agent.close()
    assert SlotSet("handover_status", "unavailable") in events
    assert "Het is nu erg druk" in said(dispatcher)


@pytest.fixture
async def broken_livechat() -> AsyncIterator[dict[str, Any]]:
    """A server on localhost that answers 500, or answers too late, as `state['mode']` says."""
    state: dict[str, Any] = {"mode": "error"}

    async def handle(request: web.Request) -> web.Response:
        if state["mode"] == "slow":
            await asyncio.sleep(3)
        return web.json_response({"error": "boom"}, status=500)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    state["url"] = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.mark.parametrize("failure", ["refused", "error", "slow"])
async def test_live_chat_down_keeps_the_ticket_in_the_outbox(
    failure: str, broken_livechat, bot_side, conversation, dispatcher, domain, outbox_db: Path
) -> None:
    broken_livechat["mode"] = failure
    bot_side(f"http://127.0.0.1:{free_port()}" if failure == "refused" else broken_livechat["url"])

    events = await handover(dispatcher, conversation, domain)

    assert events[-1] == SlotSet("handover_status", "unavailable")
    assert "Het lukt me nu niet om je door te verbinden met een collega." in said(dispatcher)
    pending = Outbox(outbox_db).pending()
    assert [(record_kind(record), record.conversation_id) for record in pending] == [("ticket", "test-conversation")]
    assert isinstance(pending[0], TicketRequest) and pending[0].contact_preference == "callback_offered"


async def test_outbox_is_delivered_when_the_live_chat_service_is_back(
    service: RunningService, make_agent, bot_side, conversation, dispatcher, domain, outbox_db: Path
) -> None:
    bot_side(f"http://127.0.0.1:{free_port()}")
    await handover(dispatcher, conversation, domain)
    assert len(Outbox(outbox_db).pending()) == 1

    agent = await make_agent("sanne")
    bot_side(service.url)
    await handover(dispatcher, conversation, domain)  # reaches the service: the outbox goes first

    assert Outbox(outbox_db).pending() == []
    status, tickets = await agent.get("/tickets")
    assert [t["conversation_id"] for t in tickets["tickets"]] == ["test-conversation"]


async def test_callback_request_reaches_the_live_chat_service(
    service: RunningService, make_agent, bot_side, make_tracker, dispatcher, domain
) -> None:
    bot_side(service.url)
    tracker = make_tracker("morgenochtend", slots={"callback_phone": "0612345678", "callback_moment": "morgenochtend"})

    events = await ActionCallbackSubmit().run(dispatcher, tracker, domain)

    assert events == [SlotSet("callback_phone", None), SlotSet("callback_moment", None)]
    assert "belt je terug op 0612345678 (morgenochtend)" in said(dispatcher)
    agent = await make_agent("sanne")
    status, callbacks = await agent.get("/callbacks")
    assert [(c["phone"], c["preferred_moment"]) for c in callbacks["callbacks"]] == [("0612345678", "morgenochtend")]


async def test_callback_request_is_kept_when_the_service_is_down(bot_side, make_tracker, dispatcher, domain, outbox_db) -> None:
    bot_side(f"http://127.0.0.1:{free_port()}")
    tracker = make_tracker("vrijdag", slots={"callback_phone": "0101234567", "callback_moment": "vrijdag"})
    await ActionCallbackSubmit().run(dispatcher, tracker, domain)
    pending = Outbox(outbox_db).pending()
    assert [(type(record), record.phone) for record in pending] == [(CallbackRequest, "0101234567")]  # type: ignore[union-attr]
    assert "belt je terug" in said(dispatcher)


async def test_event_broker_forwards_customer_messages_of_an_open_handover_only(
    service: RunningService, bot: Bot, make_agent, bot_side, outbox_db: Path
) -> None:
    bot_side(service.url)
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload("klant-1"))
    broker = LiveChatEventBroker(desk_at(service.url), Outbox(outbox_db, CUSTOMER_MESSAGES))

    broker.publish({"event": "user", "sender_id": "klant-1", "text": "Hallo? Is daar iemand?", "message_id": "m1"})
    broker.publish({"event": "user", "sender_id": "klant-2", "text": "hoi", "message_id": "m2"})
    delivered = await broker.flush()
    await broker.close()

    assert delivered.unavailable is None
    assert broker.outbox.pending() == [], "the one outside a hand-over (404) is done with too"
    status, detail = await agent.get(f"/handovers/{created['id']}")
    assert [m["text"] for m in detail["messages"] if m["sender"] == "customer"] == ["Hallo? Is daar iemand?"]


async def test_event_broker_ignores_everything_but_customer_messages_and_survives_an_outage(outbox_db: Path) -> None:
    broker = LiveChatEventBroker(desk_at(f"http://127.0.0.1:{free_port()}"), Outbox(outbox_db, CUSTOMER_MESSAGES))
    broker.publish({"event": "bot", "sender_id": "klant-1", "text": "hoi"})
    broker.publish({"event": "slot", "sender_id": "klant-1", "name": "x", "value": 1})
    assert broker.outbox.pending() == []
    broker.publish({"event": "user", "sender_id": "klant-1", "text": "hallo", "message_id": "m1"})
    assert (await broker.flush()).unavailable is not None
    assert broker.outbox.pending() == [CustomerMessage("klant-1", "hallo", "m1")], "kept for after the outage"
    await broker.close()


async def test_the_message_that_triggered_the_handover_is_not_shown_twice(
    service: RunningService, bot: Bot, make_agent, outbox_db: Path
) -> None:
    agent = await make_agent("sanne")
    payload = handover_payload("klant-3")
    payload["transcript"] = [{"role": "user", "text": "ik wil een mens", "timestamp": 1.0, "message_id": "trigger-1"}]
    status, created = await bot.post("/handovers", payload)
    broker = LiveChatEventBroker(desk_at(service.url), Outbox(outbox_db, CUSTOMER_MESSAGES))

    broker.publish({"event": "user", "sender_id": "klant-3", "text": "ik wil een mens", "message_id": "trigger-1"})
    await broker.flush()
    await broker.close()

    status, detail = await agent.get(f"/handovers/{created['id']}")
    assert [m for m in detail["messages"] if m["sender"] == "customer"] == []
    assert detail["handover"]["transcript"][0]["message_id"] == "trigger-1"


async def test_not_helped_is_acknowledged_before_the_handover(
    service: RunningService, make_agent, bot_side, make_tracker, dispatcher, domain
) -> None:
    await make_agent("sanne")
    bot_side(service.url)
    tracker = make_tracker("nee", intent="deny")

    events = await handover(dispatcher, tracker, domain)

    assert SlotSet("escalation_reason", "not_helped") in events
    assert dispatcher.messages[0]["text"] == "Jammer dat ik je niet goed kon helpen."


@pytest.mark.parametrize(
    ("intent", "this_turn", "expected"),
    [
        ("request_human", None, "customer_request"),
        ("deny", None, "not_helped"),
        ("request_human", "bereavement", "bereavement"),  # a trigger set it in this very turn
    ],
)
def test_reason_comes_from_this_turn_not_from_an_earlier_handover(make_tracker, intent, this_turn, expected) -> None:
    earlier = [SlotSet("escalation_reason", "not_helped")]  # left from a hand-over before
    tracker = make_tracker("…", intent=intent, history=earlier, slots={"escalation_reason": "not_helped"})
    if this_turn:
        tracker.events.append(SlotSet("escalation_reason", this_turn))
    assert escalation_reason(tracker, current_escalation_config()) == expected


async def test_an_outbox_of_the_old_format_reaches_the_service_after_the_upgrade(
    service: RunningService, make_agent, bot_side, conversation, dispatcher, domain, outbox_db: Path
) -> None:
    """Rows that an older version kept under the desk's URL paths are delivered by kind at the next
    hand-over that reaches the service; one no version can read stays for a person."""
    ticket = {
        "conversation_id": "oud-1", "channel": "socketio", "reason": "fraud", "summary": "Fraude", "customer": {},
        "transcript": [], "idempotency_key": "ticket-oud-1", "contact_preference": "referred", "priority": "high",
        "team": "klantenservice",
    }
    callback = {"conversation_id": "oud-1", "idempotency_key": "callback-oud-1", "phone": "0612345678",
                "preferred_moment": "vanmiddag"}
    with sqlite3.connect(outbox_db) as db:
        db.execute("CREATE TABLE pending (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
                   "path TEXT NOT NULL, payload TEXT NOT NULL, queue TEXT NOT NULL DEFAULT 'records')")
        for path, payload in (("/api/tickets", ticket), ("/api/unknown", {}), ("/api/callbacks", callback)):
            db.execute("INSERT INTO pending (created_at, path, payload) VALUES (?, ?, ?)",
                       (datetime.now(timezone.utc).isoformat(), path, json.dumps(payload)))
    db.close()
    agent = await make_agent("sanne")
    bot_side(service.url)

    await handover(dispatcher, conversation, domain)  # reaches the service: what waited goes too

    status, tickets = await agent.get("/tickets")
    assert [t["conversation_id"] for t in tickets["tickets"]] == ["oud-1"]
    status, callbacks = await agent.get("/callbacks")
    assert [(c["phone"], c["team"]) for c in callbacks["callbacks"]] == [("0612345678", "klantenservice")]
    with sqlite3.connect(outbox_db) as db:
        assert db.execute("SELECT kind FROM pending").fetchall() == [("/api/unknown",)]
    db.close()
