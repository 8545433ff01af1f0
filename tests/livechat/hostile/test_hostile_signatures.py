"""Hostile bot -> live-chat requests (issue 9, item 2 and two rows of item 9), against the real
service on SQLite and PostgreSQL: a captured signed request must not work a second time, nor for
another conversation, endpoint, method or query, and malformed signature headers get a clear 401."""
from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import pytest

from naadloos.handover_contract.builtin.client import LiveChatClient
from naadloos.handover_contract.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from tests.livechat.helpers import SECRET, handover_payload, running_service


def body_of(payload: object) -> bytes:
    return json.dumps(payload).encode("utf-8")


@pytest.fixture
async def two_conversations(service, bot, make_agent):
    """An agent online and open hand-overs for conv-a and conv-b."""
    await make_agent("sanne")
    for conversation in ("conv-a", "conv-b"):
        status, created = await bot.post("/handovers", handover_payload(conversation))
        assert status == 201, created
    return "conv-a", "conv-b"


def assert_refused(status: int, body: dict, message: str) -> None:
    assert status == 401, body
    assert body == {"error": "unauthorized", "message": message}


async def test_a_signed_message_cannot_be_replayed_to_another_conversation(bot, two_conversations):
    body = body_of({"text": "Mijn IBAN is NL91ABNA0417164300", "message_id": "m-1"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    other = url.with_path(url.path.replace("conv-a", "conv-b"))
    assert_refused(*await bot.send("POST", other, body, headers), "invalid signature")
    status, _ = await bot.send("POST", url, body, headers)
    assert status == 201, "the request as signed still works"


async def test_a_signed_status_request_cannot_be_replayed_to_another_conversation(bot, two_conversations):
    url, headers = bot.signed("GET", "/conversations/conv-a/handover")
    other = url.with_path(url.path.replace("conv-a", "conv-b"))
    assert_refused(*await bot.send("GET", other, b"", headers), "invalid signature")


async def test_a_signed_ticket_cannot_be_replayed_as_a_handover(service, bot, make_agent):
    await make_agent("sanne")
    body = body_of({**handover_payload("conv-ticket"), "contact_preference": "e-mail"})
    url, headers = bot.signed("POST", "/tickets", body)
    assert_refused(*await bot.send("POST", url.with_path("/api/handovers"), body, headers), "invalid signature")
    status, created = await bot.send("POST", url, body, headers)
    assert status == 201, created


async def test_the_same_request_twice_is_refused_the_second_time(bot, two_conversations):
    body = body_of({"text": "hallo", "message_id": "m-2"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    status, _ = await bot.send("POST", url, body, headers)
    assert status == 201
    assert_refused(*await bot.send("POST", url, body, headers), "replayed signature")


async def test_concurrent_replays_let_exactly_one_through(bot, two_conversations):
    body = body_of({"text": "hallo", "message_id": "m-3"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    answers = await asyncio.gather(*(bot.send("POST", url, body, headers) for _ in range(8)))
    assert sorted(status for status, _ in answers) == [201] + [401] * 7


async def test_another_worker_on_the_same_database_refuses_the_replay(service, bot, two_conversations, http):
    """The seen signatures live in the database: another worker (or the service after a restart)
    knows them too."""
    body = body_of({"text": "hallo", "message_id": "m-4"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    assert (await bot.send("POST", url, body, headers))[0] == 201
    async with running_service(service.config, service.clock) as second:
        replay = url.with_port(int(second.url.rsplit(":", 1)[1]))
        assert_refused(*await bot.send("POST", replay, body, headers), "replayed signature")


async def test_a_changed_query_is_refused(bot, two_conversations):
    url, headers = bot.signed("GET", "/conversations/conv-a/handover?view=short")
    assert_refused(*await bot.send("GET", url.with_query({"view": "full"}), b"", headers), "invalid signature")
    assert_refused(*await bot.send("GET", url.with_query(None), b"", headers), "invalid signature")
    status, _ = await bot.send("GET", url, b"", headers)
    assert status == 200


async def test_a_changed_method_is_refused(service, bot, make_agent):
    await make_agent("sanne")
    body = body_of(handover_payload("conv-method"))
    url, headers = bot.signed("PUT", "/handovers", body)
    assert_refused(*await bot.send("POST", url, body, headers), "invalid signature")


@pytest.mark.parametrize(
    "digits",
    [
        str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"),  # superscripts: str.isdigit() says yes, int() fails
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic: isdecimal() and int() accept them
        str.maketrans("0123456789", "０１２３４５６７８９"),  # fullwidth
    ],
    ids=["superscript", "arabic-indic", "fullwidth"],
)
async def test_a_timestamp_of_non_ascii_digits_is_refused(bot, two_conversations, digits):
    body = body_of({"text": "hallo", "message_id": "m-5"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    headers[TIMESTAMP_HEADER] = headers[TIMESTAMP_HEADER].translate(digits)
    assert_refused(*await bot.send("POST", url, body, headers), "invalid timestamp")


@pytest.mark.parametrize(
    "signature",
    ["é" * 64, "ünïcödé", "０" * 64, "g" * 64, "ab", "A" * 63 + " "],
    ids=["accented", "short-non-ascii", "fullwidth-zeros", "not-hex", "too-short", "trailing-space"],
)
async def test_a_malformed_signature_is_refused(bot, two_conversations, signature):
    body = body_of({"text": "hallo", "message_id": "m-6"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    headers[SIGNATURE_HEADER] = signature
    assert_refused(*await bot.send("POST", url, body, headers), "invalid signature")


async def test_each_signature_header_is_required(bot, two_conversations):
    body = body_of({"text": "hallo", "message_id": "m-7"})
    for header in (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER):
        url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
        del headers[header]
        assert_refused(*await bot.send("POST", url, body, headers), "missing signature headers")


@pytest.mark.parametrize(
    "header, value, message",
    [
        (TIMESTAMP_HEADER, "1" * 13, "invalid timestamp"),
        (NONCE_HEADER, "a" * 4000, "invalid nonce"),
        (NONCE_HEADER, "é" * 32, "invalid nonce"),
        (SIGNATURE_HEADER, "a" * 4000, "invalid signature"),
    ],
    ids=["13-digit-timestamp", "4000-char-nonce", "non-ascii-nonce", "4000-char-signature"],
)
async def test_oversized_or_odd_headers_are_refused(bot, two_conversations, header, value, message):
    body = body_of({"text": "hallo", "message_id": "m-8"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    headers[header] = value
    assert_refused(*await bot.send("POST", url, body, headers), message)


async def test_a_header_beyond_the_servers_limit_gets_a_json_4xx(bot, two_conversations):
    body = body_of({"text": "hallo", "message_id": "m-9"})
    url, headers = bot.signed("POST", "/conversations/conv-a/messages", body)
    headers[SIGNATURE_HEADER] = "a" * 200_000
    status, answer = await bot.send("POST", url, body, headers)
    assert 400 <= status < 500, answer
    assert "error" in answer


# --- the bot's own client: what it signs is what aiohttp sends -------------------------------------
ODD_IDS = ["met spatie", "a/b", "100%", "%2F", "café-ü", "emoji-🙂", "q?x=1&y", "plus+sign", "hash#tag"]


@pytest.mark.parametrize("conversation", ODD_IDS)
async def test_the_client_signature_holds_for_odd_conversation_ids(service, bot_side, conversation):
    client = LiveChatClient(service.url, SECRET, timeout_seconds=2.0)
    path = f"/api/conversations/{quote(conversation, safe='')}/handover"
    status, body = await client._request("GET", path, params={"team": "met spatie & é/%"})
    assert status == 404, body  # signature accepted: this conversation simply has no hand-over
    assert body["error"] == "not_found"


async def test_the_client_signs_each_retry_again(service, bot_side, make_agent):
    """The outbox and the broker resend the same call; each attempt is a new signed request."""
    await make_agent("sanne")
    client = LiveChatClient(service.url, SECRET, timeout_seconds=2.0)
    payload = handover_payload("conv-retry")
    first = await client.create_handover(payload)
    again = await client.create_handover(payload)  # same second, same body
    assert again.id == first.id
    ticket = {**payload, "contact_preference": "e-mail"}
    assert (await client.post("/api/tickets", ticket))["created"] is True
    assert (await client.post("/api/tickets", ticket))["created"] is False
