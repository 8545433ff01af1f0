"""The `chatwoot` channel (Chatwoot as the front door, the assistant as its agent bot) in a real Sanic
server, mounted as `rasa run` mounts it, against the fake Chatwoot (tests/channels/fake_chatwoot.py:
a real HTTP server with Chatwoot's shapes, signing its webhooks with the bot's secret).

Rasa's Agent is replaced by `FrontDoorAgent`, with Rasa's own in-memory tracker and lock stores: it
records each message, stays silent while the conversation is paused (as Rasa does), and for "ik wil
een medewerker" does what action_handover does (the Chatwoot back end from the environment, then
``ConversationPaused``; a ticket when nobody can take over). The hand-over itself is the real
`ChatwootBackend` against the fake."""
from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.run import create_http_input_channels
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.events import ConversationPaused as PausedBySdk
from rasa_sdk.events import SlotSet

from actions.handover import ActionHandover
from naadloos.channels.chatwoot import ChatwootInput
from naadloos.channels.chatwoot.back_to_bot import BackToBot
from naadloos.channels.chatwoot.settings import FrontDoorSettings
from naadloos.channels.chatwoot.webhook import CustomerMessage
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.delivery import ProviderError
from naadloos.channels.media import UNSAFE_LINK_NOTE
from naadloos.core.environment import SettingError
from naadloos.core.organisation import load_organisation
from naadloos.handover_contract.chatwoot.backend import TICKET_LABEL, ChatwootBackend
from naadloos.handover_contract.chatwoot.bridge import WebhookHandler
from naadloos.handover_contract.chatwoot.links import HANDOVER, ChatwootLinks, Link, front_door_sender_id
from naadloos.handover_contract.chatwoot.notes import ASSISTANT_FAILED, IN_PLACE_TICKET
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.customer_channel import CustomerChannel
from naadloos.handover_contract.schema import HandoverRefused, HandoverRequest, TicketRequest
from tests.channels.conftest import Served, serving
from tests.channels.fake_chatwoot import PHOTO, FakeChatwootWithBot
from tests.chatwoot.polderstroom import backend_for, served
from tests.processes import ROOT, always_open_organisation
from tests.unit.test_env_example import ENV_EXAMPLE, RecordingEnviron, documented_settings

ACCOUNT = 3
BOT_SECRET = "agent-bot-secret-0123456789"
ASK_FOR_COLLEAGUE = "ik wil een medewerker spreken"
QUEUED = "Ik zet je door naar een collega. Die leest ons gesprek en reageert zo snel mogelijk."
NOBODY = "Er is nu geen collega beschikbaar. We nemen contact met je op."


@pytest.fixture
async def chatwoot() -> AsyncIterator[FakeChatwootWithBot]:
    async with served(FakeChatwootWithBot(account_id=ACCOUNT, webhook_secret=BOT_SECRET), online={1}) as fake:
        yield fake


@pytest.fixture
def env(chatwoot: FakeChatwootWithBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The channel's and the back end's settings for the fake; returns the links file."""
    links_db = tmp_path / "chatwoot.sqlite3"
    for name, value in {
        "CHATWOOT_URL": chatwoot.url, "CHATWOOT_ACCOUNT_ID": str(ACCOUNT), "CHATWOOT_AGENT_BOT_TOKEN": chatwoot.bot_token,
        "CHATWOOT_AGENT_BOT_SECRET": BOT_SECRET, "CHATWOOT_API_TOKEN": chatwoot.token,
        "CHATWOOT_TEAMS": "klantenservice=1,fraude=2", "CHATWOOT_TIMEOUT_SECONDS": "2", "NAADLOOS_HANDOVER_BACKEND": "chatwoot",
        "NAADLOOS_VAR_DIR": str(tmp_path / "var"), "NAADLOOS_CHATWOOT_DB": str(links_db),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("CHATWOOT_AGENT_BOT_TOKEN_FILE", "CHATWOOT_AGENT_BOT_SECRET_FILE", "CHATWOOT_API_TOKEN_FILE",
                 "CHATWOOT_WEBHOOK_WINDOW_SECONDS", "CHATWOOT_INBOX_ID"):  # the front door needs no API inbox
        monkeypatch.delenv(name, raising=False)
    return links_db


@pytest.fixture
def backend(env: Path, tmp_path: Path) -> ChatwootBackend:
    """The Chatwoot back end from the same settings, open around the clock."""
    config = ChatwootSettings.from_environment()
    return backend_for(config, ChatwootLinks(config.links_db), load_organisation(always_open_organisation(tmp_path)))


def handover_request(sender: str, key: str) -> HandoverRequest:
    return HandoverRequest(
        conversation_id=sender, idempotency_key=key, channel="chatwoot", reason="customer_request", priority="high",
        team="klantenservice", summary="Klant vraagt om een medewerker",
        transcript=[{"role": "user", "text": ASK_FOR_COLLEAGUE, "timestamp": time.time()}],
    )


@dataclass
class FrontDoorAgent:
    backend: ChatwootBackend | None = None
    reply: str = "Hoi! Waarmee kan ik je helpen?"
    buttons: list[dict[str, str]] = field(default_factory=list)
    failing: bool = False
    delays: dict[str, float] = field(default_factory=dict)  # text -> how long the assistant takes for it
    received: list[UserMessage] = field(default_factory=list)
    tracker_store: InMemoryTrackerStore = field(default_factory=lambda: InMemoryTrackerStore(Domain.empty()))
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)

    async def handle_message(self, message: UserMessage) -> None:
        await asyncio.sleep(self.delays.get(message.text, 0.0))
        if self.failing:
            raise RuntimeError("the action server is down")
        self.received.append(message)
        async with self.lock_store.lock(message.sender_id):
            tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text, metadata=message.metadata))
            answer: dict[str, Any] = {"text": self.reply, "buttons": list(self.buttons)}
            if tracker.is_paused():
                answer = {}
            elif message.text == ASK_FOR_COLLEAGUE:
                answer = await self._hand_over(message, len(self.received))
                if answer["text"] == QUEUED:
                    tracker.update(ConversationPaused())
            await self.tracker_store.save(tracker)
        if answer:
            assert message.output_channel is not None
            await message.output_channel.send_response(message.sender_id, answer)

    async def _hand_over(self, message: UserMessage, turn: int) -> dict[str, Any]:
        assert self.backend is not None
        try:
            await self.backend.open_handover(handover_request(message.sender_id, f"handover-{turn}"))
        except HandoverRefused:
            await self.backend.ticket(TicketRequest(
                conversation_id=message.sender_id, idempotency_key=f"ticket-{turn}", channel="chatwoot",
                reason="customer_request", priority="high", team="klantenservice", summary="Klant vraagt om een medewerker",
                contact_preference="referred", transcript=[{"role": "user", "text": ASK_FOR_COLLEAGUE}],
            ))
            return {"text": NOBODY}
        return {"text": QUEUED}

    async def paused(self, sender_id: str) -> bool:
        tracker = await self.tracker_store.retrieve(sender_id)
        return tracker is not None and tracker.is_paused()


@pytest.fixture
def agent(backend: ChatwootBackend) -> FrontDoorAgent:
    return FrontDoorAgent(backend=backend)


@asynccontextmanager
async def front_door(chatwoot: FakeChatwootWithBot, agent: FrontDoorAgent,
                     channel: ChatwootInput | None = None) -> AsyncIterator[tuple[Served, ChatwootInput]]:
    """The channel (default: from the environment, as Rasa builds it from credentials.yml) in a
    server; the fake sends its webhooks there."""
    made = channel or ChatwootInput.from_credentials(None)
    assert isinstance(made, ChatwootInput)
    async with serving([made], agent) as served:
        chatwoot.webhook_url = served.webhook("chatwoot")
        yield served, made


async def settle(chatwoot: FakeChatwootWithBot, channel: ChatwootInput) -> None:
    """Until every webhook is answered and handled (the bot's replies cause webhooks of their own)."""
    for _ in range(4):
        await chatwoot.settled()
        await channel.idle()


def answers(chatwoot: FakeChatwootWithBot) -> list[Any]:
    return [body.get("status") if isinstance(body, dict) else body for _, body in chatwoot.webhook_answers]


# --- the conversation with the assistant -------------------------------------------------------------
async def test_a_customers_message_in_a_pending_conversation_is_answered_by_the_bot(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        written = chatwoot.customer_writes(conversation, "Hoi, wat kost stroom bij jullie?")
        await settle(chatwoot, channel)
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "Hoi, wat kost stroom bij jullie?", f"chatwoot-{ACCOUNT}-{conversation}", "chatwoot")
    assert message.message_id == f"chatwoot-{ACCOUNT}-{written['id']}"
    assert message.metadata == {"channel": "chatwoot", "chatwoot": {
        "account_id": ACCOUNT, "inbox_id": chatwoot.inbox_id, "conversation_id": conversation, "message_id": written["id"],
        "channel_type": "Channel::Api"}}
    assert chatwoot.said_by_bot(conversation) == [agent.reply]
    # The customer's message was accepted; the bot's own reply came back as a webhook and was ignored.
    assert answers(chatwoot) == ["accepted", "ignored"]
    assert chatwoot.conversations[conversation]["status"] == "pending"


async def test_the_webhook_is_answered_at_once_while_the_assistant_is_still_busy(chatwoot, agent, env):
    agent.delays = {"hallo": 2.0}
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""  # this test sends the webhook itself, to time the answer
        payload = chatwoot.message_payload(chatwoot.customer_writes(conversation, "hallo"))
        started = time.monotonic()
        status, body = await chatwoot.send_webhook(payload, url=served.webhook("chatwoot"))
        elapsed = time.monotonic() - started
        assert (status, body) == (200, {"status": "accepted"})
        assert elapsed < 1.0  # far within Chatwoot's 5 seconds
        assert agent.received == []
        await channel.idle()
    assert [m.text for m in agent.received] == ["hallo"]


async def test_messages_of_one_conversation_reach_the_assistant_in_order(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    agent.delays = {"eerste": 0.5}  # the first takes longest: without the order, it would come last
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""  # sent here one after the other: the order they arrive in
        for text in ("eerste", "tweede", "derde"):
            payload = chatwoot.message_payload(chatwoot.customer_writes(conversation, text))
            assert await chatwoot.send_webhook(payload, url=served.webhook("chatwoot")) == (200, {"status": "accepted"})
        await channel.idle()
    assert [m.text for m in agent.received] == ["eerste", "tweede", "derde"]


# --- buttons ---------------------------------------------------------------------------------------
BUTTONS = [{"title": "Mijn factuur", "payload": "/faq_invoice"}, {"title": "Verhuizen", "payload": "/moving"}]
OPTIONS = [{"title": "Mijn factuur", "value": "/faq_invoice"}, {"title": "Verhuizen", "value": "/moving"}]
QUESTION = "Waar gaat je vraag over?"


async def hello_answered_with_buttons(chatwoot: FakeChatwootWithBot, agent: FrontDoorAgent, channel: ChatwootInput,
                                      conversation: int) -> None:
    """The customer says hello; the bot answers `QUESTION` with `BUTTONS`."""
    agent.reply, agent.buttons = QUESTION, BUTTONS
    chatwoot.customer_writes(conversation, "hallo")
    await settle(chatwoot, channel)


async def test_in_the_web_widget_buttons_become_options_and_the_pick_reaches_the_assistant_as_the_payload(
    chatwoot, agent, env
):
    conversation = chatwoot.start_conversation(channel="Channel::WebWidget")
    async with front_door(chatwoot, agent) as (served, channel):
        await hello_answered_with_buttons(chatwoot, agent, channel, conversation)
        [options] = chatwoot.options(conversation)
        assert (options["content"], options["content_attributes"]) == (QUESTION, {"items": OPTIONS})
        assert options["message_type"] == "outgoing" and not options["private"]
        chatwoot.customer_chooses(conversation, "Verhuizen")
        await settle(chatwoot, channel)
        # Chatwoot sends message_updated again when the message is read: still one pick.
        chatwoot.webhook_url = ""
        again = chatwoot.message_payload(options) | {"event": "message_updated"}
        assert await chatwoot.send_webhook(again, url=served.webhook("chatwoot")) == (200, {"status": "duplicate"})
    assert [m.text for m in agent.received] == ["hallo", "/moving"]
    assert agent.received[1].message_id == f"chatwoot-{ACCOUNT}-{options['id']}"
    assert answers(chatwoot)[-3:] == ["ignored", "accepted", "ignored"]  # the options, the pick, the second options


async def test_a_pick_the_bot_did_not_offer_or_made_after_the_hand_over_is_not_taken(chatwoot, agent, env):
    conversation = chatwoot.start_conversation(channel="Channel::WebWidget")
    async with front_door(chatwoot, agent) as (served, channel):
        await hello_answered_with_buttons(chatwoot, agent, channel, conversation)
        chatwoot.webhook_url = ""
        [options] = chatwoot.options(conversation)
        forged = chatwoot.message_payload(options) | {"event": "message_updated"}
        forged["content_attributes"] = {**options["content_attributes"],
                                        "submitted_values": [{"title": "Verhuizen", "value": "/request_human"}]}
        assert await chatwoot.send_webhook(forged, url=served.webhook("chatwoot")) == (200, {"status": "ignored"})
        chatwoot.conversations[conversation]["status"] = "open"  # the agents have it now
        late = chatwoot.customer_chooses(conversation, "Verhuizen")
        status, answer = await chatwoot.send_webhook(chatwoot.message_payload(late) | {"event": "message_updated"},
                                                     url=served.webhook("chatwoot"))
        await channel.idle()
    assert (status, answer) == (200, {"status": "ignored"})
    assert [m.text for m in agent.received] == ["hallo"]


async def test_in_an_inbox_without_options_buttons_become_a_numbered_list_and_a_number_chooses_the_payload(
    chatwoot, agent, env
):
    conversation = chatwoot.start_conversation(channel="Channel::Email")
    async with front_door(chatwoot, agent) as (_, channel):
        await hello_answered_with_buttons(chatwoot, agent, channel, conversation)
        chatwoot.customer_writes(conversation, "2")
        await settle(chatwoot, channel)
    assert chatwoot.said_by_bot(conversation)[0] == (
        f"{QUESTION}\n\n1. Mijn factuur\n2. Verhuizen\n\nStuur het nummer van je keuze.")
    assert [m.text for m in agent.received] == ["hallo", "/moving"]
    assert chatwoot.options(conversation) == []


async def test_buttons_pushed_before_the_customer_wrote_become_a_numbered_list(chatwoot, agent, env):
    """After a restart the inbox of a conversation is not known until the customer writes: the
    numbered list works in every inbox."""
    conversation = chatwoot.start_conversation(channel="Channel::WebWidget")
    async with front_door(chatwoot, agent) as (_, channel):
        await channel.get_output_channel().send_response(front_door_sender_id(ACCOUNT, conversation),
                                                         {"text": "Heb ik je geholpen?", "buttons": BUTTONS})
    assert chatwoot.said_by_bot(conversation)[0].startswith("Heb ik je geholpen?\n\n1. Mijn factuur")
    assert chatwoot.options(conversation) == []


async def test_a_photo_gets_the_polite_reply_and_its_caption_still_reaches_the_assistant(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, "", photo=True)
        await settle(chatwoot, channel)
        assert agent.received == []
        chatwoot.customer_writes(conversation, "mijn meter", photo=True)
        await settle(chatwoot, channel)
    assert chatwoot.said_by_bot(conversation) == [media_not_supported_text(), media_not_supported_text(), agent.reply]
    assert [m.text for m in agent.received] == ["mijn meter"]


async def test_with_a_colleague_of_the_built_in_desk_a_file_reaches_the_colleague_with_a_safe_address(
    chatwoot, agent, env
):
    conversation = chatwoot.start_conversation()
    sender = front_door_sender_id(ACCOUNT, conversation)
    await agent.tracker_store.save(DialogueStateTracker.from_events(sender, [ConversationPaused()]))  # the desk has it
    unsafe = {"id": 2, "file_type": "file", "data_url": "javascript:alert(document.cookie)"}
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, "mijn meter", attachments=[PHOTO, unsafe])
        await settle(chatwoot, channel)
    [message] = agent.received
    assert message.text == f"[Foto gestuurd] [Document gestuurd] mijn meter ({PHOTO['data_url']}; {UNSAFE_LINK_NOTE})"
    assert chatwoot.said_by_bot(conversation) == []  # no "I can only read text": a colleague reads along


async def test_what_is_not_the_customers_message_in_a_pending_conversation_is_ignored(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.agent_reply(conversation, "Hallo, ik ben Sanne", agent_id=1)  # an agent's message
        chatwoot.agent_reply(conversation, "Klant belde al", agent_id=1, private=True)  # a note
        chatwoot.conversations[conversation]["status"] = "open"  # the agents have it
        chatwoot.customer_writes(conversation, "dank je")
        chatwoot.resolve(conversation)  # conversation_status_changed
        await settle(chatwoot, channel)
    assert agent.received == []
    assert answers(chatwoot) == ["ignored"] * 4
    assert chatwoot.said_by_bot(conversation) == []


async def test_a_message_delivered_twice_is_handled_once(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""
        payload = chatwoot.message_payload(chatwoot.customer_writes(conversation, "hallo"))
        first = await chatwoot.send_webhook(payload, url=served.webhook("chatwoot"))
        again = await chatwoot.send_webhook(payload, url=served.webhook("chatwoot"))  # Chatwoot's retry: newly signed
        await channel.idle()
    assert (first, again) == ((200, {"status": "accepted"}), (200, {"status": "duplicate"}))
    assert len(agent.received) == 1


async def test_another_accounts_message_is_ignored(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""
        payload = chatwoot.message_payload(chatwoot.customer_writes(conversation, "hallo"))
        payload["account"]["id"] = ACCOUNT + 1
        assert await chatwoot.send_webhook(payload, url=served.webhook("chatwoot")) == (200, {"status": "ignored"})
    assert agent.received == []


# --- what is refused -------------------------------------------------------------------------------
@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "no signature", "tampered body"])
async def test_a_webhook_not_signed_with_the_bots_secret_is_refused(chatwoot, agent, env, forgery):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""
        raw = json.dumps(chatwoot.message_payload(chatwoot.customer_writes(conversation, "hallo"))).encode()
        body = raw.replace(b"hallo", b"hacked") if forgery == "tampered body" else raw
        headers = {
            "wrong secret": chatwoot.webhook_headers(raw, secret="een-ander-geheim-0123456789"),
            "stale": chatwoot.webhook_headers(raw, timestamp=int(time.time()) - 3600),
            "no signature": {"Content-Type": "application/json"},
            "tampered body": chatwoot.webhook_headers(raw),
        }[forgery]
        status, answer = await chatwoot.send_webhook(None, headers=headers, url=served.webhook("chatwoot"), body=body)
        await channel.idle()
    assert status == 401 and "error" in answer
    assert agent.received == []


@pytest.mark.parametrize(("body", "reason"), [
    (b"{nope", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"id": 1}', "'event' is missing"),
    (b'{"event": "message_created", "id": 5, "conversation": {"status": "pending"}}', "'conversation.id'"),
    (b'{"event": "message_created", "id": "5", "conversation": {"id": 1}}', "'id'"),
])
async def test_a_signed_body_that_is_not_chatwoots_is_refused_with_a_clear_reason(chatwoot, agent, env, body, reason):
    async with front_door(chatwoot, agent) as (served, _):
        status, answer = await chatwoot.send_webhook(None, headers=chatwoot.webhook_headers(body),
                                                     url=served.webhook("chatwoot"), body=body)
    assert status == 400 and reason in answer["error"]


async def test_unconfigured_the_channel_is_off_and_answers_503(chatwoot, agent, monkeypatch, tmp_path):
    for name in ("CHATWOOT_URL", "CHATWOOT_ACCOUNT_ID", "CHATWOOT_AGENT_BOT_TOKEN", "CHATWOOT_AGENT_BOT_SECRET",
                 "CHATWOOT_AGENT_BOT_TOKEN_FILE", "CHATWOOT_AGENT_BOT_SECRET_FILE", "NAADLOOS_HANDOVER_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path))
    channel = ChatwootInput.from_credentials(None)  # Rasa starts with the empty entry of credentials.yml
    assert isinstance(channel, ChatwootInput)
    assert channel.settings.missing() == ["CHATWOOT_URL", "CHATWOOT_ACCOUNT_ID", "CHATWOOT_AGENT_BOT_TOKEN",
                                          "CHATWOOT_AGENT_BOT_SECRET"]
    async with front_door(chatwoot, agent, channel) as (served, _):
        body = b'{"event": "message_created"}'
        status, answer = await chatwoot.send_webhook(None, headers=chatwoot.webhook_headers(body),
                                                     url=served.webhook("chatwoot"), body=body)
    assert (status, answer) == (503, {"error": "the Chatwoot channel is not configured"})


def test_settings_come_from_the_environment_and_credentials_win(env):
    settings = FrontDoorSettings.from_environment({"bot_secret": "uit-credentials-0123456789", "account_id": "9"})
    assert (settings.account_id, settings.bot_secret) == (9, "uit-credentials-0123456789")
    assert settings.links_db == env  # hand-overs go to Chatwoot: the back end's links file
    assert "secret" not in repr(settings) and settings.bot_token not in repr(settings)


def test_a_short_bot_secret_or_a_broken_url_stops_rasa_with_the_variable_named(env, monkeypatch):
    monkeypatch.setenv("CHATWOOT_AGENT_BOT_SECRET", "kort")
    with pytest.raises(SettingError, match="CHATWOOT_AGENT_BOT_SECRET"):
        FrontDoorSettings.from_environment()
    with pytest.raises(SettingError, match="CHATWOOT_URL"):
        FrontDoorSettings.from_environment({"bot_secret": BOT_SECRET, "url": "chatwoot.example.nl"})


def test_every_setting_of_the_channel_is_in_env_example_with_a_comment(monkeypatch):
    environ = RecordingEnviron({})
    monkeypatch.setattr(os, "environ", environ)
    FrontDoorSettings.from_environment()
    assert {"CHATWOOT_AGENT_BOT_TOKEN_FILE", "CHATWOOT_AGENT_BOT_SECRET", "CHATWOOT_URL"} <= environ.asked
    listed = documented_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert sorted(environ.asked - set(listed)) == []
    assert sorted(name for name in environ.asked if not listed[name]) == []


def test_the_project_credentials_start_the_channel_off_without_settings(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CHATWOOT_"):
            monkeypatch.delenv(name)
    channels = {channel.name(): channel for channel in create_http_input_channels(None, str(ROOT / "credentials.yml"))}
    assert isinstance(channels["chatwoot"], ChatwootInput) and channels["chatwoot"].settings.missing()


def test_with_the_built_in_desk_the_channel_keeps_no_links(env, monkeypatch):
    monkeypatch.setenv("NAADLOOS_HANDOVER_BACKEND", "builtin")
    assert FrontDoorSettings.from_environment().links_db is None


# --- failures ----------------------------------------------------------------------------------------
async def test_when_the_assistant_fails_the_agents_get_the_conversation(chatwoot, agent, env):
    agent.failing = True
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, "hallo")
        await settle(chatwoot, channel)
    assert chatwoot.conversations[conversation]["status"] == "open"
    assert [note["content"] for note in chatwoot.notes(conversation)] == [ASSISTANT_FAILED]


async def test_when_chatwoot_refuses_the_reply_the_turn_goes_on_and_a_pushed_message_raises(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (served, channel):
        chatwoot.webhook_url = ""
        payload = chatwoot.message_payload(chatwoot.customer_writes(conversation, "hallo"))
        chatwoot.mode = "error"
        assert await chatwoot.send_webhook(payload, url=served.webhook("chatwoot")) == (200, {"status": "accepted"})
        await channel.idle()
        assert [m.text for m in agent.received] == ["hallo"]  # the reply failed, the turn stands
        with pytest.raises(ProviderError, match="500"):
            await channel.get_output_channel().send_response(front_door_sender_id(ACCOUNT, conversation), {"text": "x"})
        with pytest.raises(ProviderError, match="not a conversation"):
            await channel.get_output_channel().send_response("web-7f3a9c", {"text": "x"})


async def test_a_message_pushed_with_an_agents_name_gets_the_name_in_front(chatwoot, agent, env):
    """With the built-in desk taking over, its agent's reply reaches Chatwoot through Rasa's HTTP API."""
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        await channel.get_output_channel().send_response(
            front_door_sender_id(ACCOUNT, conversation), {"text": "Ik kijk even mee. [klik](javascript:alert(1))",
                                                          "agent": "Sanne"})
    [said] = chatwoot.said_by_bot(conversation)
    assert said.startswith("Sanne (") and "Ik kijk even mee." in said and "javascript:" not in said


# --- the hand-over in Chatwoot and back ----------------------------------------------------------------
async def test_the_hand_over_opens_the_conversation_for_the_team_and_the_agents_give_it_back(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    sender = front_door_sender_id(ACCOUNT, conversation)
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, ASK_FOR_COLLEAGUE)
        await settle(chatwoot, channel)
        handed_over = chatwoot.conversations[conversation]
        assert (handed_over["status"], handed_over["team_id"], handed_over["priority"]) == ("open", 1, "high")
        [note] = chatwoot.notes(conversation)
        assert "Klant vraagt om een medewerker" in note["content"] and ASK_FOR_COLLEAGUE in note["content"]
        assert note["by"] == "user"  # the back end's token (CHATWOOT_API_TOKEN), not the bot's
        assert chatwoot.said_by_bot(conversation) == [QUEUED]
        assert await agent.paused(sender)
        link = ChatwootLinks(env).link(conversation)
        assert link == Link(conversation, sender, HANDOVER, "customer_request", True, True, note["id"])
        # No new conversation and no contact in another inbox: it all happened in the customer's own.
        assert list(chatwoot.conversations) == [conversation]

        # The agents have it: the customer's messages and the agent's replies are theirs.
        chatwoot.customer_writes(conversation, "hallo? ben je er?")
        chatwoot.agent_reply(conversation, "Ja, ik ben Sanne. Ik help je verder.", agent_id=1)
        chatwoot.resolve(conversation)
        await settle(chatwoot, channel)
        assert [m.text for m in agent.received] == [ASK_FOR_COLLEAGUE]

        # Resolved: the customer's next message reopens it as pending, and the bot answers again.
        chatwoot.customer_writes(conversation, "nog een vraag over mijn factuur")
        await settle(chatwoot, channel)
    assert chatwoot.conversations[conversation]["status"] == "pending"
    assert not await agent.paused(sender)
    assert [m.text for m in agent.received] == [ASK_FOR_COLLEAGUE, "nog een vraag over mijn factuur"]
    assert chatwoot.said_by_bot(conversation) == [QUEUED, agent.reply]
    assert ChatwootLinks(env).link(conversation).open is False  # type: ignore[union-attr]


async def test_action_handover_hands_over_in_the_customers_own_conversation(
    chatwoot, env, tmp_path, monkeypatch, make_tracker, dispatcher, domain
):
    """The real hand-over action, unchanged: the sender id alone makes the back end work in place."""
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", str(always_open_organisation(tmp_path)))
    monkeypatch.setenv("NAADLOOS_OUTBOX_DB", str(tmp_path / "outbox.sqlite3"))
    conversation = chatwoot.start_conversation()
    tracker = make_tracker(ASK_FOR_COLLEAGUE, intent="request_human")
    tracker.sender_id = front_door_sender_id(ACCOUNT, conversation)

    events = await ActionHandover().run(dispatcher, tracker, domain)

    assert PausedBySdk() in events and SlotSet("handover_status", "queued") in events
    state = chatwoot.conversations[conversation]
    assert (state["status"], state["team_id"]) == ("open", 1)
    [note] = chatwoot.notes(conversation)
    assert ASK_FOR_COLLEAGUE in note["content"]
    assert list(chatwoot.conversations) == [conversation]


async def test_an_agent_setting_the_conversation_to_pending_gives_it_back_too(chatwoot, agent, env):
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, ASK_FOR_COLLEAGUE)
        await settle(chatwoot, channel)
        chatwoot.give_back(conversation)
        chatwoot.customer_writes(conversation, "en nu?")
        await settle(chatwoot, channel)
    assert chatwoot.said_by_bot(conversation) == [QUEUED, agent.reply]


def test_a_message_written_before_the_hand_over_note_does_not_take_the_conversation_back(env):
    """While Chatwoot still said pending (just before the hand-over), a second message may come
    with that status; it must not undo the hand-over."""
    links = ChatwootLinks(env)
    sender = front_door_sender_id(ACCOUNT, 4)
    links.remember_request("handover-1", 4, Link(4, sender, HANDOVER, "customer_request", True, True, note_id=150))
    back = BackToBot(links)

    def message(message_id: int) -> CustomerMessage:
        return CustomerMessage(ACCOUNT, 7, 4, message_id, "hallo", (), "Channel::Whatsapp")

    assert not back.given_back(message(149))
    assert back.given_back(message(151))
    links.close(4)
    assert not back.given_back(message(152))
    assert not BackToBot(None).given_back(message(151))  # another back end: no links, nothing to take back


async def test_nobody_online_in_the_conversations_inbox_leaves_a_ticket_in_the_conversation(chatwoot, agent, env):
    chatwoot.set_status(1, "offline")
    conversation = chatwoot.start_conversation()
    async with front_door(chatwoot, agent) as (_, channel):
        chatwoot.customer_writes(conversation, ASK_FOR_COLLEAGUE)
        await settle(chatwoot, channel)
    state = chatwoot.conversations[conversation]
    assert (state["status"], state["team_id"], state["labels"]) == ("pending", 1, [TICKET_LABEL])  # the bot keeps it
    [note] = chatwoot.notes(conversation)
    assert IN_PLACE_TICKET in note["content"] and "bereikt de klant niet" not in note["content"]
    assert chatwoot.said_by_bot(conversation) == [NOBODY]
    assert list(chatwoot.conversations) == [conversation]
    # Availability was asked for the conversation's own inbox (7); CHATWOOT_INBOX_ID is not even set.
    assert any(r["path"].endswith("/inbox_members/7") for r in chatwoot.requests)


async def test_customer_messages_of_a_front_door_hand_over_are_not_forwarded_again(chatwoot, backend, env):
    conversation = chatwoot.start_conversation()
    sender = front_door_sender_id(ACCOUNT, conversation)
    await backend.open_handover(handover_request(sender, "handover-9"))
    before = len(chatwoot.messages)
    await backend.forward_customer_message(sender, "hallo? ben je er?", "m-2")  # what the event broker does
    assert len(chatwoot.messages) == before


class UnusedChannel(CustomerChannel):
    """The Chatwoot bridge's way to the customer; front-door conversations must never use it."""

    async def send_agent_message(self, conversation_id: str, text: str, agent_name: str,
                                 delivery_key: str | None = None) -> None:
        raise AssertionError("the bridge relayed a front-door conversation")

    async def resume_bot(self, conversation_id: str, text: str, satisfaction_question: str | None = None) -> None:
        raise AssertionError("the bridge resumed a front-door conversation")


async def test_the_bridge_leaves_front_door_conversations_alone(chatwoot, backend, env):
    """Even when the agent bot's inbox is the bridge's inbox, the bridge does not relay its agents'
    replies (Chatwoot sends them to the customer itself) nor resume it."""
    conversation = chatwoot.start_conversation()
    await backend.open_handover(handover_request(front_door_sender_id(ACCOUNT, conversation), "handover-1"))
    settings = replace(ChatwootSettings.from_environment(), inbox_id=chatwoot.inbox_id)
    handler = WebhookHandler(settings, ChatwootLinks(env), UnusedChannel())
    reply = chatwoot.message_payload(chatwoot.agent_reply(conversation, "Ik help je verder.", agent_id=1))
    assert await handler.handle(reply) == (200, {"status": "ignored"})
    chatwoot.resolve(conversation)
    assert await handler.handle(chatwoot.status_payload(conversation)) == (200, {"status": "ignored"})
