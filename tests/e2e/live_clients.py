"""A customer in the web chat (socket.io) and an agent at the desk (HTTP API), for the tests
against the live system (`live_system` in tests/live_stack.py)."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import pytest
import socketio

ANSWER_TIMEOUT_SECONDS = 30


class WebCustomer:
    """A customer in the web chat: a socket.io client with a persistent session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_id = uuid.uuid4().hex
        self.client = socketio.AsyncClient()
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("bot_uttered", self.inbox.put)

    async def connect(self) -> None:
        await self.client.connect(self.url, transports=["websocket"], socketio_path="/socket.io")
        await self.client.emit("session_request", {"session_id": self.session_id})

    async def says(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def reads_until(self, fragment: str) -> dict[str, Any]:
        """Waits for the message containing `fragment` and returns it (text and metadata)."""
        seen: list[str] = []
        while True:
            try:
                message = await asyncio.wait_for(self.inbox.get(), ANSWER_TIMEOUT_SECONDS)
            except asyncio.TimeoutError:
                pytest.fail(f"no message with {fragment!r} within {ANSWER_TIMEOUT_SECONDS}s; got {seen}")
            seen.append(message.get("text", ""))
            if fragment in seen[-1]:
                return message

    async def close(self) -> None:
        await self.client.disconnect()


class Agent:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def call(self, method: str, path: str, payload: dict | None = None) -> Any:
        async with self.http.request(method, f"{self.base_url}/api{path}", json=payload) as response:
            body = await response.json(content_type=None)
            assert response.status < 300, (path, response.status, body)
            return body

    async def close(self) -> None:
        await self.http.close()


async def eventually(check, seconds: float = 30.0) -> Any:
    deadline = asyncio.get_event_loop().time() + seconds
    while True:
        result = await check()
        if result or asyncio.get_event_loop().time() > deadline:
            return result
        await asyncio.sleep(0.3)


async def tracker_of(live_system: dict[str, str], customer: WebCustomer) -> dict[str, Any]:
    """The customer's Rasa tracker, through the HTTP API with the token."""
    async with aiohttp.ClientSession() as http:
        url = f"{live_system['rasa']}/conversations/{customer.session_id}/tracker?token={live_system['token']}"
        async with http.get(url) as response:
            return await response.json()
