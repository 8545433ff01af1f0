"""Steps the cluster tests share, built on the end-to-end clients (`tests.e2e.live_clients`: the
customer's web chat over socket.io, the agent's desk API with its cookie) and the desk-socket
readers of the live-chat tests (`next_event`): a customer handed over and taken by the demo agent,
a desk socket on a chosen live-chat address, and what the desk stored."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.e2e.live_clients import Agent, WebCustomer, eventually
from tests.livechat.test_typing_and_presence import next_event

HELLO_SECONDS = 10.0
HANDED_OVER = "Je hoeft niets te herhalen"  # utter_handover_*: waiting for a colleague
TAKEN_OVER = "Je praat nu met"  # the agent accepted
BACK_TO_BOT = "Je praat nu weer met de digitale assistent"


async def logged_in_agent(livechat_url: str, password: str) -> Agent:
    """The demo agent, logged in (and so online) at `livechat_url`; the session is valid on every
    live-chat instance (PostgreSQL)."""
    agent = Agent(livechat_url)
    await agent.call("POST", "/agents/login", {"username": "demo", "password": password})
    return agent


@asynccontextmanager
async def desk_socket(agent: Agent, livechat_url: str) -> AsyncIterator[Any]:
    """The desk's websocket at `livechat_url` (one instance, or nginx), after the service's hello."""
    socket_url = livechat_url.replace("http://", "ws://") + "/api/desk/ws"
    async with agent.http.ws_connect(socket_url) as socket:
        assert (await asyncio.wait_for(socket.receive_json(), HELLO_SECONDS))["type"] == "hello"
        yield socket


async def handed_over_and_taken(customer: WebCustomer, agent: Agent) -> int:
    """The customer greets, asks for a colleague and is taken over by `agent`; the hand-over's id."""
    await customer.says("hallo")
    await customer.reads_until("Polderstroom")
    await customer.says("ik wil een medewerker spreken")
    await customer.reads_until(HANDED_OVER)
    queue = await agent.call("GET", "/queue")
    waiting = [h["id"] for h in queue["queued"] if h["conversation_id"] == customer.session_id]
    assert len(waiting) == 1, queue
    await agent.call("POST", f"/handovers/{waiting[0]}/accept")
    await customer.reads_until(TAKEN_OVER)
    return int(waiting[0])


async def customer_lines(agent: Agent, handover_id: int) -> list[str]:
    """What the desk stored from the customer during the hand-over, in order."""
    messages = (await agent.call("GET", f"/handovers/{handover_id}"))["messages"]
    return [m["text"] for m in messages if m["sender"] == "customer"]


async def desk_stores(
    agent: Agent, handover_id: int, expected: list[str], seconds: float = 30.0, in_order: bool = True
) -> list[str]:
    """The stored customer lines once they are `expected` (in any order unless `in_order`), or
    what they are after `seconds`."""

    def same(lines: list[str]) -> bool:
        return lines == expected if in_order else sorted(lines) == sorted(expected)

    async def done() -> list[str] | None:
        lines = await customer_lines(agent, handover_id)
        return lines if same(lines) else None

    return await eventually(done, seconds) or await customer_lines(agent, handover_id)


async def customer_message_on(desk: Any, text: str, seconds: float) -> dict[str, Any]:
    """The desk event of the customer's message `text` (other customer messages are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        event = await next_event(desk, "customer_message", timeout=max(deadline - loop.time(), 0.001))
        if event["message"]["text"] == text:
            return event


async def back_to_bot(customer: WebCustomer, agent: Agent, handover_id: int) -> None:
    await agent.call("POST", f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
    await customer.reads_until(BACK_TO_BOT)
