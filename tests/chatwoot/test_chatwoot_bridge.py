"""The webhook receiver between the fake Chatwoot and a Rasa recorder (both real HTTP servers):
what reaches the customer, what never does, the conversation given back to the bot, and forged,
stale, replayed and malformed webhooks."""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from naadloos.handover_contract import satisfaction
from naadloos.handover_contract.chatwoot.backend import ChatwootBackend
from naadloos.handover_contract.chatwoot.links import HANDOVER, ChatwootLinks, Link
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.schema import LiveChatRejected
from tests.chatwoot.conftest import RASA_TOKEN, WEBHOOK_TOKEN, Receiver, handover_request, run_receiver
from tests.chatwoot.fake_chatwoot import FakeChatwoot, RasaRecorder
from tests.domain_wording import RESOLVED_TEXT, SATISFACTION_QUESTION

SENDER = "web-7f3a9c"


@pytest.fixture
async def handed_over(chatwoot: FakeChatwoot, backend: ChatwootBackend, receiver: Receiver) -> int:
    """A customer handed over to Chatwoot (its own note's webhook already came and went)."""
    chatwoot.set_status(1, "online")
    opened = await backend.open_handover(handover_request(sender=SENDER))
    await chatwoot.settled()
    return opened.handover.id


def bot_texts(rasa: RasaRecorder) -> list[str]:
    return [event.get("text") for event in rasa.appended(SENDER) if event.get("event") == "bot"]


async def test_a_public_reply_reaches_the_customer_through_rasa(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, handed_over: int
) -> None:
    assert rasa.calls == []  # the hand-over's own private note went nowhere
    message = chatwoot.agent_reply(handed_over, "Hoi, ik ben Sanne. Ik kijk even mee.", agent_id=1)
    await chatwoot.settled()

    [call] = [c for c in rasa.calls if c["method"] == "POST"]
    assert call["sender"] == SENDER
    assert call["query"] == {"output_channel": "latest", "execute_side_effects": "true", "token": RASA_TOKEN}
    assert call["json"] == {
        "event": "bot",
        "text": "Hoi, ik ben Sanne. Ik kijk even mee.",
        "metadata": {"agent": "Sanne de Vries", "livechat_delivery": f"chatwoot-{chatwoot.account_id}-{message['id']}"},
    }
    assert chatwoot.webhook_answers[-1] == (200, {"status": "relayed"})


async def test_private_notes_and_the_customers_own_messages_never_reach_the_customer(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, backend: ChatwootBackend, handed_over: int
) -> None:
    chatwoot.agent_reply(handed_over, "Interne notitie: klant heeft al twee keer gebeld.", agent_id=1, private=True)
    await backend.forward_customer_message(SENDER, "hallo?", "m3")  # an incoming message: Chatwoot sends its webhook too
    await chatwoot.settled()
    assert rasa.calls == []
    assert [answer for answer in chatwoot.webhook_answers] == [(200, {"status": "ignored"})] * 3  # note, note, incoming


async def test_resolved_gives_the_conversation_back_to_the_bot(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, backend: ChatwootBackend, handed_over: int
) -> None:
    chatwoot.resolve(handed_over)
    await chatwoot.settled()
    events = rasa.appended(SENDER)
    assert [e["event"] for e in events] == ["resume", "bot", "action", "bot", "action"]
    assert bot_texts(rasa) == [RESOLVED_TEXT, SATISFACTION_QUESTION]
    assert events[-1] == {"event": "action", "name": "action_listen"}
    assert chatwoot.webhook_answers[-1] == (200, {"status": "back_to_bot"})

    # The bot has the customer again: their messages stay with the bot ...
    with pytest.raises(LiveChatRejected):
        await backend.forward_customer_message(SENDER, "dank je", "m4")
    # ... and a late reply is refused, so Chatwoot shows the agent it was not delivered.
    chatwoot.agent_reply(handed_over, "Nog één ding ...", agent_id=1)
    await chatwoot.settled()
    assert chatwoot.webhook_answers[-1][0] == 409
    assert bot_texts(rasa) == [RESOLVED_TEXT, SATISFACTION_QUESTION]
    # Resolved again (a repeated webhook, or reopened and resolved): nothing twice.
    status, answer = await chatwoot.send_webhook(chatwoot.status_payload(handed_over))
    assert (status, answer) == (200, {"status": "already_back"})
    assert len(rasa.appended(SENDER)) == 5


async def test_after_a_crisis_no_satisfaction_question(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, backend: ChatwootBackend, receiver: Receiver
) -> None:
    chatwoot.set_status(1, "online")
    # What action_handover sends for a crisis (`ask_satisfaction: false` in config/escalation.yml).
    crisis = handover_request(sender=SENDER, reason="crisis", priority="urgent", ask_satisfaction=False)
    opened = await backend.open_handover(crisis)
    chatwoot.resolve(opened.handover.id)
    await chatwoot.settled()
    assert bot_texts(rasa) == [RESOLVED_TEXT]


def test_a_links_file_of_an_older_release_gets_the_new_column_and_asks_no_rating(tmp_path: Path) -> None:
    """A hand-over stored before requests said `ask_satisfaction` (it could have been a crisis)."""
    database = tmp_path / "chatwoot.sqlite3"
    with closing(sqlite3.connect(database)) as old, old:
        old.execute(
            "CREATE TABLE conversations (conversation_id INTEGER PRIMARY KEY, sender_id TEXT NOT NULL, "
            "kind TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', open INTEGER NOT NULL, created_at TEXT NOT NULL, "
            "closed_at TEXT)"
        )
        old.execute("INSERT INTO conversations VALUES (7, 'web-1', 'handover', 'crisis', 1, '2026-11-30T10:00:00', NULL)")
    links = ChatwootLinks(database)
    link = links.link(7)
    assert link == Link(7, "web-1", HANDOVER, "crisis", True, None)
    assert satisfaction.asks_satisfaction(satisfaction.RESOLVED, link.ask_satisfaction) is False
    links.remember_request("handover-8", 8, Link(8, "web-2", HANDOVER, "customer_request", True, True))
    assert links.link(8) == Link(8, "web-2", HANDOVER, "customer_request", True, True)
    assert ChatwootLinks(database).open_handover_of("web-2") == links.link(8)  # a second process: no second ALTER


# --- forged, stale, replayed, malformed ------------------------------------------------------------
async def test_forged_and_stale_webhooks_are_refused(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, handed_over: int
) -> None:
    payload = chatwoot.message_payload(chatwoot.agent_reply(handed_over, "echt", agent_id=1))
    await chatwoot.settled()
    rasa.calls.clear()
    forged_payload = {**payload, "id": payload["id"] + 1000, "content": "Klik op http://phish.example"}
    body = json.dumps(forged_payload).encode()
    cases = {
        "wrong secret": chatwoot.webhook_headers(body, secret="not-the-secret-at-all"),
        "stale": chatwoot.webhook_headers(body, timestamp=int(time.time()) - 360),
        "from the future": chatwoot.webhook_headers(body, timestamp=int(time.time()) + 360),
        "no signature": {"Content-Type": "application/json", "X-Chatwoot-Delivery": "d-1"},
    }
    for name, headers in cases.items():
        status, answer = await chatwoot.send_webhook(None, body=body, headers=headers)
        assert (status, answer["error"]) == (401, "unauthorized"), name
    # A genuine signature over another body: the body was changed on the way.
    headers = chatwoot.webhook_headers(json.dumps(payload).encode())
    assert (await chatwoot.send_webhook(None, body=body, headers=headers))[0] == 401
    assert rasa.calls == []


async def test_a_replayed_webhook_is_processed_once(chatwoot: FakeChatwoot, rasa: RasaRecorder, handed_over: int) -> None:
    chatwoot.webhook_url, url = "", chatwoot.webhook_url  # this test sends the webhook itself
    message = chatwoot.agent_reply(handed_over, "Ik heb het nagekeken.", agent_id=1)
    body = json.dumps(chatwoot.message_payload(message)).encode()
    headers = chatwoot.webhook_headers(body, delivery="5f1c0b9e-delivery")
    assert await chatwoot.send_webhook(None, url=url, body=body, headers=headers) == (200, {"status": "relayed"})
    assert await chatwoot.send_webhook(None, url=url, body=body, headers=headers) == (200, {"status": "duplicate"})
    # Chatwoot delivering the same message again under a new delivery id: Rasa's tracker has it.
    again = chatwoot.webhook_headers(body, delivery="another-delivery")
    assert await chatwoot.send_webhook(None, url=url, body=body, headers=again) == (200, {"status": "relayed"})
    assert bot_texts(rasa) == ["Ik heb het nagekeken."]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"content": "no event"}', "event is missing"),
        (b'{"event": "message_created", "id": 5, "conversation": "12"}', "conversation is not a JSON object"),
        (b'{"event": "message_created", "id": "5", "conversation": {"id": 1}}', "id is missing"),
        (b'{"event": "conversation_status_changed", "status": "resolved"}', "id is missing"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
async def test_bad_input_is_400_never_500(chatwoot: FakeChatwoot, receiver: Receiver, body: bytes, message: str) -> None:
    status, answer = await chatwoot.send_webhook(None, body=body, headers=chatwoot.webhook_headers(body))
    assert status == 400
    assert answer["error"] == "bad_request" and message in answer["message"]


async def test_other_events_and_other_inboxes_are_ignored(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, handed_over: int
) -> None:
    chatwoot.webhook_url, url = "", chatwoot.webhook_url
    payload = chatwoot.message_payload(chatwoot.agent_reply(handed_over, "elders", agent_id=1))
    for changed in (
        {**payload, "inbox": {"id": 999, "name": "Andere inbox"}},
        {**payload, "account": {"id": 999, "name": "Ander account"}},
        {**payload, "event": "message_updated"},
        {**payload, "private": None},  # a version that does not say: treated as not public
        {"event": "contact_created", "id": 5, "name": "x"},
        {**chatwoot.status_payload(handed_over), "status": "pending"},
    ):
        assert await chatwoot.send_webhook(changed, url=url) == (200, {"status": "ignored"})
    assert rasa.calls == []


async def test_rasa_down_is_503_and_chatwoots_retry_gets_through(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, handed_over: int
) -> None:
    chatwoot.webhook_url, url = "", chatwoot.webhook_url
    rasa.mode = "down"
    message = chatwoot.agent_reply(handed_over, "Een moment, ik zoek het op.", agent_id=1)
    body = json.dumps(chatwoot.message_payload(message)).encode()
    headers = chatwoot.webhook_headers(body, delivery="retried-delivery")
    status, answer = await chatwoot.send_webhook(None, url=url, body=body, headers=headers)
    assert (status, answer["error"]) == (503, "rasa_unavailable")
    rasa.mode = "ok"
    assert await chatwoot.send_webhook(None, url=url, body=body, headers=headers) == (200, {"status": "relayed"})
    assert bot_texts(rasa) == ["Een moment, ik zoek het op."]

    rasa.mode = "down"  # giving back to the bot waits for Rasa too, and is not lost
    status_body = json.dumps(chatwoot.status_payload(handed_over) | {"status": "resolved"}).encode()
    status_headers = chatwoot.webhook_headers(status_body, delivery="resolved-delivery")
    assert (await chatwoot.send_webhook(None, url=url, body=status_body, headers=status_headers))[0] == 503
    rasa.mode = "ok"
    result = await chatwoot.send_webhook(None, url=url, body=status_body, headers=status_headers)
    assert result == (200, {"status": "back_to_bot"})


async def test_health(receiver: Receiver) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{receiver.url}/health") as reply:
        assert (reply.status, await reply.json()) == (200, {"status": "ok"})


# --- Chatwoot before 4.13: the token in the URL -------------------------------------------------------
@pytest.fixture
async def token_receiver(settings: ChatwootSettings, chatwoot: FakeChatwoot) -> AsyncIterator[Receiver]:
    async for running in run_receiver(replace(settings, webhook_secret="")):
        chatwoot.webhook_mode = "token"
        chatwoot.webhook_url = f"{running.webhook}/{WEBHOOK_TOKEN}"
        yield running


async def test_unsigned_webhooks_need_the_url_token(
    chatwoot: FakeChatwoot, rasa: RasaRecorder, backend: ChatwootBackend, token_receiver: Receiver
) -> None:
    chatwoot.set_status(1, "online")
    opened = await backend.open_handover(handover_request(sender=SENDER))
    await chatwoot.settled()
    message = chatwoot.agent_reply(opened.handover.id, "Hallo vanuit een oudere Chatwoot.", agent_id=1)
    await chatwoot.settled()
    assert bot_texts(rasa) == ["Hallo vanuit een oudere Chatwoot."]

    payload = chatwoot.message_payload(message)
    body = json.dumps(payload).encode()
    headers = chatwoot.webhook_headers(body, delivery="old-delivery")
    for url in (f"{token_receiver.webhook}/{'b2' * 24}", f"{token_receiver.webhook}/{WEBHOOK_TOKEN[:-1]}"):
        assert (await chatwoot.send_webhook(None, url=url, body=body, headers=headers))[0] == 401
    # Signed webhooks are not configured here: that path does not exist.
    assert (await chatwoot.send_webhook(None, url=token_receiver.webhook, body=body, headers=headers))[0] == 404
    url = f"{token_receiver.webhook}/{WEBHOOK_TOKEN}"
    assert (await chatwoot.send_webhook(None, url=url, body=body, headers=headers))[0] == 200
    assert await chatwoot.send_webhook(None, url=url, body=body, headers=headers) == (200, {"status": "duplicate"})
    assert bot_texts(rasa) == ["Hallo vanuit een oudere Chatwoot."]
