"""Hostile inputs against the real service (issue 9, items 5, 9, 10, 11, 12, 13 and the SQLite file
mode of item 14): odd conversation ids in the URL, bodies nested too deep or with NaN, ids and static
paths that used to answer 500, a deleted or unwritable database, a forged Host header and a newline
in a conversation id. Each answer is a clear JSON 4xx (or 503 for /health), never a 500 with details.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from yarl import URL

from livechat.config import LiveChatConfig
from livechat.customer_channel import RasaCustomerChannel
from livechat.storage.db import DatabaseMissing, open_engine
from naadloos.handover_contract.builtin.client import LiveChatClient
from tests.livechat.helpers import (
    ROOT,
    SECRET,
    Bot,
    FakeClock,
    FakeRasa,
    RunningService,
    create_agent_client,
    handover_payload,
    running_service,
)

GENERIC_500 = {"error": "internal_error", "message": "internal error"}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- item 5: percent-encoded conversation ids ---------------------------------------------------
@pytest.mark.parametrize("conversation_id", ["a b/c%d", "plus+sign", "%41", "klant/../handover", "Zoë 🙂 ü"])
async def test_a_conversation_id_with_special_characters_is_found_by_its_encoded_url(
    service: RunningService, bot: Bot, make_agent, bot_side, conversation_id: str
) -> None:
    bot_side(service.url)
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload(conversation_id, key="handover-special-1"))
    assert status == 201, created
    client = LiveChatClient(service.url, SECRET, 10.0)  # posting the path the way the event broker builds it
    await client.post(
        f"/api/conversations/{quote(conversation_id, safe='')}/messages", {"text": "Hallo? Is daar iemand?", "message_id": "m1"}
    )
    status, found = await bot.get(f"/conversations/{quote(conversation_id, safe='')}/handover")

    assert status == 200, found
    assert (found["id"], found["conversation_id"]) == (created["id"], conversation_id)
    _, detail = await agent.get(f"/handovers/{created['id']}")
    assert [m["text"] for m in detail["messages"] if m["sender"] == "customer"] == ["Hallo? Is daar iemand?"]


async def test_an_id_is_decoded_once_only(service: RunningService, bot: Bot, make_agent) -> None:
    await make_agent("sanne")
    await bot.post("/handovers", handover_payload("A", key="handover-plain-a"))
    status, found = await bot.get(f"/conversations/{quote('%41', safe='')}/handover")
    assert status == 404, "'%2541' is the conversation '%41', not 'A'"


# --- item 9: bodies, ids and static paths that answered 500 --------------------------------------
async def test_json_nested_50000_deep_is_a_400_for_the_bot(service: RunningService, bot: Bot) -> None:
    status, body = await bot.post("/handovers", b'{"customer": ' + nested(50_000) + b"}")
    assert status == 400, body
    assert body["error"] == "bad_request" and "nested" in body["message"]


async def test_json_nested_50000_deep_is_a_400_at_login(service: RunningService, http: aiohttp.ClientSession) -> None:
    headers = {"Content-Type": "application/json"}
    async with http.post(service.api("/agents/login"), data=nested(50_000), headers=headers) as reply:
        assert reply.status == 400
        assert (await reply.json())["error"] == "bad_request"


async def test_json_just_deeper_than_the_limit_is_refused_and_nothing_is_stored(
    service: RunningService, bot: Bot, make_agent
) -> None:
    await make_agent("sanne")
    payload = json.dumps(handover_payload("deep-1")).encode("utf-8")
    deep = payload.replace(b'"customer": {', b'"customer": {"x": ' + nested(70) + b", ", 1)
    status, body = await bot.post("/handovers", deep)
    assert status == 400, body
    assert body["error"] == "bad_request" and "64" in body["message"]
    assert (await bot.get("/conversations/deep-1/handover"))[0] == 404
    assert (await bot.post("/handovers", handover_payload("deep-1")))[0] == 201, "ordinary nesting is fine"


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("GET", "/handovers/12345678901234567890123", None),
        ("POST", "/handovers/12345678901234567890123/accept", {}),
        ("POST", "/handovers/12345678901234567890123/messages", {"text": "hoi"}),
        ("POST", "/handovers/12345678901234567890123/close", {"outcome": "resolved"}),
        ("GET", "/handovers/2147483648", None),
    ],
)
async def test_an_id_out_of_range_is_a_404(service: RunningService, make_agent, method: str, path: str, payload) -> None:
    agent = await make_agent("sanne")
    status, body = await (agent.get(path) if method == "GET" else agent.post(path, payload))
    assert status == 404, body
    assert body["error"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/desk/static/", "/desk/static/desk.js%00.png", "/desk/static/%00", "/chat/static/", "/chat/static/chat.js%00",
        "/vendor/", "/vendor/socket.io.min.js%00.png", "/desk/static/%2e%2e/app.py", "/desk/static/nothing.js",
    ],
)
async def test_a_static_directory_or_nul_byte_is_a_404(service: RunningService, http: aiohttp.ClientSession, path: str) -> None:
    async with http.get(URL(service.url + path, encoded=True)) as reply:
        assert reply.status == 404, path
        assert reply.content_type == "application/json"
        assert (await reply.json())["error"] == "not_found"


async def test_static_files_are_still_served_with_their_type(service: RunningService, http: aiohttp.ClientSession) -> None:
    for path, kind in [("/desk/static/desk.js", "javascript"), ("/chat/static/chat.css", "css"),
                       ("/vendor/socket.io.min.js", "javascript")]:
        async with http.get(service.url + path) as reply:
            assert reply.status == 200, path
            assert kind in reply.content_type


# --- item 10: NaN and Infinity --------------------------------------------------------------------
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999"]


@pytest.mark.parametrize("constant", NON_FINITE)
async def test_non_finite_numbers_are_refused_in_a_handover(service: RunningService, bot: Bot, make_agent, constant: str) -> None:
    await make_agent("sanne")
    body = json.dumps(handover_payload("nan-1")).encode("utf-8").replace(b"1772442000.0", constant.encode(), 1)
    status, answer = await bot.post("/handovers", body)
    assert status == 400, answer
    assert answer["error"] == "bad_request" and "NaN" in answer["message"]
    assert (await bot.get("/conversations/nan-1/handover"))[0] == 404


@pytest.mark.parametrize(
    "path, payload",
    [
        ("/tickets", {"conversation_id": "c1", "idempotency_key": "t-1", "channel": "socketio", "reason": "x",
                      "customer": {"score": "__X__"}}),
        ("/callbacks", {"conversation_id": "c1", "idempotency_key": "cb-1", "phone": "0612345678",
                        "preferred_moment": "morgen", "extra": "__X__"}),
        ("/conversations/c1/messages", {"text": "hoi", "message_id": "m1", "extra": "__X__"}),
    ],
)
async def test_non_finite_numbers_are_refused_in_every_bot_body(service: RunningService, bot: Bot, path: str, payload) -> None:
    body = json.dumps(payload).encode("utf-8").replace(b'"__X__"', b"NaN")
    status, answer = await bot.post(path, body)
    assert status == 400, answer
    assert answer["error"] == "bad_request"


async def test_non_finite_numbers_are_refused_in_agent_bodies(service: RunningService, bot: Bot, make_agent) -> None:
    agent = await make_agent("sanne")
    _, created = await bot.post("/handovers", handover_payload("nan-2"))
    assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
    status, answer = await agent.post(f"/handovers/{created['id']}/messages", {"text": "hoi", "x": float("inf")})
    assert status == 400, answer
    status, answer = await agent.post("/agents/login", {"username": "sanne", "password": "x", "x": float("nan")})
    assert status == 400, answer


# --- item 11 (+ the file mode of item 14): the database behind /health and the start-up ---------
@pytest.fixture
async def sqlite_service(tmp_path: Path, config_for, clock: FakeClock, fake_rasa: FakeRasa) -> AsyncIterator[RunningService]:
    config = config_for(f"sqlite:///{tmp_path / 'livechat.sqlite3'}", rasa_url=fake_rasa.url)
    async with running_service(config, clock, RasaCustomerChannel(fake_rasa.url, "t", 1.0)) as running:
        yield running


def database_file(service: RunningService) -> Path:
    return Path(service.config.database_url.removeprefix("sqlite:///"))


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict]:
    async with http.get(url) as reply:
        assert reply.content_type == "application/json"
        return reply.status, await reply.json()


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The file cannot be written: immutable for root (who ignores modes), read-only for others."""
    if os.geteuid() != 0:
        path.chmod(0o400)
        try:
            yield
        finally:
            path.chmod(0o600)
        return
    try:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    except FileNotFoundError:
        made = False
    if not made:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_health_reads_and_writes_the_database(service: RunningService, http: aiohttp.ClientSession) -> None:
    assert await get_json(http, f"{service.url}/health") == (200, {"status": "ok", "database": "ok"})


async def test_a_deleted_database_is_reported_and_not_recreated(
    sqlite_service: RunningService, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    path = database_file(sqlite_service)
    for file in path.parent.glob(path.name + "*"):
        if not file.name.endswith("-created"):
            file.unlink()

    health = await get_json(http, f"{sqlite_service.url}/health")
    with caplog.at_level(logging.ERROR):
        availability = await get_json(http, sqlite_service.api("/availability"))

    assert health == (503, {"status": "error", "reason": "database_missing"})
    assert availability == (500, GENERIC_500), "a generic 500: no details, no traceback"
    assert any(record.exc_info for record in caplog.records), "the details are logged on the server"
    assert not path.exists(), "never silently recreated empty"


async def test_an_unwritable_database_makes_health_fail(sqlite_service: RunningService, http: aiohttp.ClientSession) -> None:
    with unwritable(database_file(sqlite_service)):
        health = await get_json(http, f"{sqlite_service.url}/health")
    assert health == (503, {"status": "error", "reason": "database_read_only"})
    assert (await get_json(http, f"{sqlite_service.url}/health"))[0] == 200


def test_the_first_start_says_loudly_that_it_creates_the_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "var" / "livechat.sqlite3"
    with caplog.at_level(logging.WARNING):
        open_engine(f"sqlite:///{path}").dispose()
    assert any("new, empty" in record.getMessage() and str(path) in record.getMessage() for record in caplog.records)
    assert path.exists() and Path(f"{path}-created").exists()


def test_a_database_that_was_deleted_is_not_silently_recreated_at_start(tmp_path: Path) -> None:
    path = tmp_path / "livechat.sqlite3"
    open_engine(f"sqlite:///{path}").dispose()
    path.unlink()
    with pytest.raises(DatabaseMissing, match="missing") as refused:
        open_engine(f"sqlite:///{path}")
    assert f"{path}-created" in str(refused.value)
    assert not path.exists()


def test_python_m_livechat_refuses_to_start_on_a_deleted_database(tmp_path: Path) -> None:
    path = tmp_path / "livechat.sqlite3"
    open_engine(f"sqlite:///{path}").dispose()
    path.unlink()
    env = {**os.environ, "LIVECHAT_DATABASE_URL": f"sqlite:///{path}", "NAADLOOS_VAR_DIR": str(tmp_path / "var"),
           "LIVECHAT_SHARED_SECRET": SECRET}
    done = subprocess.run([sys.executable, "-m", "livechat"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "missing" in done.stderr and "Traceback" not in done.stderr
    assert not path.exists()


async def test_the_database_files_are_private(sqlite_service: RunningService, http: aiohttp.ClientSession) -> None:
    agent = await create_agent_client(sqlite_service, "sanne")
    await Bot(http, sqlite_service).post("/handovers", handover_payload("private-1"))
    await agent.close()
    path = database_file(sqlite_service)
    with closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True)) as reader:
        reader.execute("SELECT count(*) FROM handovers").fetchone()  # while a reader is open, -wal and -shm exist
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
    assert modes == {file.name: 0o600 for file in files}


def test_an_existing_database_is_made_private_at_start(tmp_path: Path) -> None:
    path = tmp_path / "livechat.sqlite3"
    open_engine(f"sqlite:///{path}").dispose()
    path.chmod(0o644)
    open_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- item 12: the Content-Security-Policy names configured origins, never the Host header ---------
@pytest.fixture
async def public_service(database_url: str, config_for, clock: FakeClock) -> AsyncIterator[RunningService]:
    config = config_for(database_url, public_url="https://desk.example.nl")
    async with running_service(config, clock) as running:
        yield running


@pytest.mark.parametrize("path", ["/desk", "/chat", "/api/availability", "/health"])
async def test_the_csp_names_the_configured_origin_not_the_host_header(
    public_service: RunningService, http: aiohttp.ClientSession, path: str
) -> None:
    async with http.get(public_service.url + path, headers={"Host": "evil.example"}) as reply:
        policy = reply.headers["Content-Security-Policy"]
    assert "evil.example" not in policy
    assert "wss://desk.example.nl" in policy


def test_the_public_url_setting_is_a_bare_origin_with_a_laptop_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    monkeypatch.delenv("LIVECHAT_PUBLIC_URL", raising=False)
    monkeypatch.setenv("LIVECHAT_PORT", "5099")
    assert LiveChatConfig.from_environment().public_url == "http://127.0.0.1:5099"
    monkeypatch.setenv("LIVECHAT_PUBLIC_URL", "https://desk.example.nl/")
    assert LiveChatConfig.from_environment().public_url == "https://desk.example.nl"


# --- item 13: untrusted values are quoted in the log ----------------------------------------------
async def test_a_newline_in_a_conversation_id_cannot_forge_a_log_line(
    service: RunningService, bot: Bot, make_agent, fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    conversation_id = "klant-1\n2026-03-02 10:00:00 INFO livechat: FORGED agent admin logged in"
    agent = await make_agent("sanne")
    fake_rasa.mode = "error"
    with caplog.at_level(logging.DEBUG):
        _, created = await bot.post("/handovers", handover_payload(conversation_id, key="handover-forged-1"))
        await agent.post(f"/handovers/{created['id']}/accept")
        await agent.post(f"/handovers/{created['id']}/messages", {"text": "Goedemorgen!"})
        await agent.post(f"/handovers/{created['id']}/close", {"outcome": "resolved"})
        await bot.get(f"/conversations/{quote(conversation_id, safe='')}%0A/handover")
    ours = [record for record in caplog.records if record.name.split(".")[0] in ("livechat", "naadloos")]
    assert ours, "the scenario logs something"
    assert [record.getMessage() for record in ours if "\n" in record.getMessage()] == []
