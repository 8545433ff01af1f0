"""End to end: `scripts/run.sh` (what `make run` calls) starts the action server, Rasa and the
live-chat service from the trained model; a socket.io client, like the web chat page in a
browser, chats in Dutch and keeps its conversation after reconnecting; SIGTERM stops all three.

Everything runs on free ports with its own var directory and databases, so a Naadloos that is
already running on this machine is never touched.

The conversation runs over the websocket, as the page does first; the polling handshake, where a
browser's cross-origin rules apply, is checked on its own.
"""
from __future__ import annotations

import asyncio
import re
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from naadloos.core.organisation import load_organisation
from tests.processes import ROOT, RunningSystem, children_of, free_port, run_env, running_system

ANSWER_TIMEOUT_SECONDS = 30


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def services_started_by(pid: int) -> dict[str, int]:
    """The three services among the children of run.sh (it also runs short `sleep`s)."""
    found = {}
    for child in children_of(pid):
        command = command_line(child)
        if "rasa run actions" in command:
            found["actions"] = child
        elif "naadloos.core.rasa_server" in command:
            found["rasa"] = child
        elif "-m livechat" in command:
            found["livechat"] = child
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    work = tmp_path_factory.mktemp("run")
    ports = {"actions": free_port(), "rasa": free_port(), "livechat": free_port()}
    # Both origins the page may be opened from may call Rasa.
    origins = f"http://127.0.0.1:{ports['livechat']},http://localhost:{ports['livechat']}"
    with running_system(work, run_env(work, ports, RASA_CORS_ORIGINS=origins), ports) as started:
        yield started


class WebCustomer:
    """What the web chat page does: socket.io with a persistent session, from the page's origin."""

    def __init__(self, system: RunningSystem, session_id: str) -> None:
        self.system = system
        self.session_id = session_id
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("bot_uttered", self.inbox.put)
        self.client.on("session_confirm", self.confirmed.put)

    async def connect(self) -> str:
        await self.client.connect(
            self.system.rasa, headers={"Origin": self.system.livechat}, transports=["websocket"], socketio_path="/socket.io"
        )
        await self.client.emit("session_request", {"session_id": self.session_id})
        return await asyncio.wait_for(self.confirmed.get(), ANSWER_TIMEOUT_SECONDS)

    async def says(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def reads(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.inbox.get(), ANSWER_TIMEOUT_SECONDS)

    async def close(self) -> None:
        await self.client.disconnect()


def rasa_token(system: RunningSystem) -> str:
    return (system.var / "rasa-token").read_text().strip()


async def test_run_prints_the_urls_and_the_demo_agent_and_runs_three_processes(system: RunningSystem) -> None:
    printed = system.printed()
    assert f"Customer chat:  {system.livechat}/chat" in printed
    assert f"Agent desk:     {system.livechat}/desk" in printed
    assert f"Rasa API:       {system.rasa}" in printed
    demo = (system.var / "demo-agent.txt").read_text()
    password = re.search(r"^password: (\S+)$", demo, re.MULTILINE).group(1)
    assert f"username demo, password {password}" in printed
    token_file = system.var / "rasa-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert len(rasa_token(system)) >= 32
    assert sorted(services_started_by(system.process.pid)) == ["actions", "livechat", "rasa"]
    for log in ("actions.log", "rasa.log", "livechat.log"):
        assert (system.var / log).exists(), log

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{system.rasa}/status") as reply:
            assert reply.status == 401  # the API needs the generated token
        async with http.get(f"{system.rasa}/status", params={"token": rasa_token(system)}) as reply:
            assert reply.status == 200
        async with http.get(f"{system.livechat}/chat") as reply:
            assert reply.status == 200
            assert "connect-src 'self'" in reply.headers["Content-Security-Policy"]
            assert f"ws://127.0.0.1:{system.ports['rasa']}" in reply.headers["Content-Security-Policy"]
        async with http.get(f"{system.livechat}/chat/config") as reply:
            assert (await reply.json())["socket_url"] == system.rasa


async def test_the_chat_page_origin_may_call_rasa_and_other_origins_may_not(system: RunningSystem) -> None:
    """What a browser checks before the page's script may read a polling answer (CORS)."""
    handshake = f"{system.rasa}/socket.io/?EIO=4&transport=polling"
    async with aiohttp.ClientSession() as http:
        for page in (system.livechat, f"http://localhost:{system.ports['livechat']}"):  # both RASA_CORS_ORIGINS
            async with http.get(handshake, headers={"Origin": page}) as reply:
                assert reply.status == 200
                assert reply.headers.get("Access-Control-Allow-Origin") == page
        async with http.get(handshake, headers={"Origin": "http://elders.example"}) as reply:
            assert "Access-Control-Allow-Origin" not in reply.headers


async def test_customer_gets_a_dutch_greeting_and_keeps_the_session_after_reconnecting(system: RunningSystem) -> None:
    organisation = load_organisation(ROOT / "config" / "organisation.yml")
    session_id = uuid.uuid4().hex
    customer = WebCustomer(system, session_id)
    assert await customer.connect() == session_id
    await customer.says("hallo")
    greeting = await customer.reads()
    assert organisation.name in greeting["text"]
    assert "metadata" not in greeting
    await customer.close()

    again = WebCustomer(system, session_id)  # a reload: the page sends the stored session id
    assert await again.connect() == session_id
    await again.says("wat zijn jullie openingstijden?")
    answer = await again.reads()
    assert answer["text"]

    # An agent's message, delivered the way the live-chat service does it, reaches the same
    # window with the agent's name.
    token = rasa_token(system)
    async with aiohttp.ClientSession() as http:
        url = f"{system.rasa}/conversations/{session_id}/tracker/events"
        params = {"output_channel": "latest", "execute_side_effects": "true", "token": token}
        notice = {"event": "bot", "text": "Je praat nu met Sanne.", "metadata": {"livechat": "system"}}
        words = {"event": "bot", "text": "Hoi, ik ben Sanne.", "metadata": {"agent": "Sanne"}}
        for event in (notice, words):
            async with http.post(url, params=params, json=event) as reply:
                assert reply.status == 200
        while (message := await again.reads())["text"] != notice["text"]:
            pass  # the rest of the answer to the previous question
        assert message["metadata"] == {"livechat": "system"}
        assert await again.reads() == {"text": "Hoi, ik ben Sanne.", "metadata": {"agent": "Sanne"}}
        async with http.get(f"{system.rasa}/conversations/{session_id}/tracker", params={"token": token}) as reply:
            tracker = await reply.json()
    await again.close()
    user_texts = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert user_texts == ["hallo", "wat zijn jullie openingstijden?"]
    assert {event.get("input_channel") for event in tracker["events"] if event["event"] == "user"} == {"socketio"}


def test_sigterm_stops_all_three_processes(system: RunningSystem) -> None:
    children = list(services_started_by(system.process.pid).values())
    assert len(children) == 3
    system.process.send_signal(signal.SIGTERM)
    assert system.process.wait(timeout=40) == 0
    assert "run: stopped." in system.printed()
    for name, port in system.ports.items():
        assert not port_open(port), f"{name} still listens on {port}"
    assert [pid for pid in children if running(pid)] == []
