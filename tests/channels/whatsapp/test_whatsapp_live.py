"""WhatsApp end to end with the real processes: Rasa started as `make run` starts it
(`naadloos.core.rasa_server` with the project's credentials.yml, the trained model and a token), the
action server and the live-chat service (the one live stack of the run, `live_system` in
tests/live_stack.py), and the fake WhatsApp Cloud API in place of Meta (`channel_providers`, whose
settings the processes get when they start). No WhatsApp template is configured there, so an
agent's reply after 24 hours becomes a ticket (the template path is in test_whatsapp_channel.py).
Other tests share the stack: each customer here has a wa_id of their own (`new_wa_id`).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from naadloos.channels.whatsapp.closed_window import WINDOW_CLOSED_REASON
from tests.channels.whatsapp.fake_whatsapp import VERIFY_TOKEN, FakeWhatsApp
from tests.e2e.live_clients import Agent, eventually
from tests.live_stack import ChannelProviders

REPLY_SECONDS = 30.0
HOURS = 3600


@dataclass
class Stack:
    rasa: str
    livechat: str
    token: str
    password: str
    whatsapp: FakeWhatsApp

    @property
    def webhook(self) -> str:
        return f"{self.rasa}/webhooks/whatsapp/webhook"

    async def user_texts(self, wa_id: str) -> list[str]:
        url = f"{self.rasa}/conversations/{quote(wa_id, safe='')}/tracker"
        async with aiohttp.ClientSession() as http, http.get(url, params={"token": self.token}) as reply:
            assert reply.status == 200
            events = (await reply.json())["events"]
        return [event["text"] for event in events if event["event"] == "user"]


@pytest.fixture(scope="module")
def stack(live_system: dict[str, str], channel_providers: ChannelProviders) -> Stack:
    return Stack(live_system["rasa"], live_system["livechat"], live_system["token"], live_system["password"],
                 channel_providers.whatsapp)


def new_wa_id() -> str:
    """A random Dutch mobile number (1 in 10^8): a conversation of its own in the shared stack."""
    return f"316{uuid.uuid4().int % 10**8:08d}"


class Customer:
    """A customer on WhatsApp: writes through the fake's signed webhooks, reads what reaches them."""

    def __init__(self, stack: Stack, wa_id: str, hours_ago: float = 0.0) -> None:
        self.stack = stack
        self.wa_id = wa_id
        self.hours_ago = hours_ago  # how long ago, by WhatsApp's timestamps, the customer writes
        self.read = 0

    async def says(self, text: str) -> None:
        webhook = self.stack.whatsapp.text(self.wa_id, text, sent_at=time.time() - self.hours_ago * HOURS)
        assert await self.stack.whatsapp.post(self.stack.webhook, webhook) == (200, "ok")

    async def reads_until(self, fragment: str) -> str:
        async def arrived() -> str | None:
            texts = self.stack.whatsapp.texts_to(self.wa_id)
            found = next((i for i, text in enumerate(texts[self.read:], self.read) if fragment in text), None)
            if found is None:
                return None
            self.read = found + 1
            return texts[found]

        text = await eventually(arrived, REPLY_SECONDS)
        assert text, f"no WhatsApp message with {fragment!r}; got {self.stack.whatsapp.texts_to(self.wa_id)}"
        return text


async def logged_in(stack: Stack) -> Agent:
    agent = Agent(stack.livechat)
    await agent.call("POST", "/agents/login", {"username": "demo", "password": stack.password})
    return agent


async def accepted_handover(agent: Agent, wa_id: str) -> dict[str, Any]:
    async def waiting() -> list[dict[str, Any]]:
        return [h for h in (await agent.call("GET", "/queue"))["queued"] if h["conversation_id"] == wa_id]

    [handover] = await eventually(waiting, REPLY_SECONDS)
    await agent.call("POST", f"/handovers/{handover['id']}/accept")
    return handover


async def test_the_handshake_with_meta(stack: Stack):
    assert await stack.whatsapp.handshake(stack.webhook, VERIFY_TOKEN, "271828") == (200, "271828")
    assert (await stack.whatsapp.handshake(stack.webhook, "niet-ons-token"))[0] == 403


async def test_a_forged_or_repeated_webhook_leaves_one_turn_in_the_tracker(stack: Stack):
    customer = Customer(stack, new_wa_id())
    webhook = stack.whatsapp.text(customer.wa_id, "hallo")
    status, _ = await stack.whatsapp.post(stack.webhook, webhook, signature="sha256=" + "ab" * 32)
    assert status == 403
    assert await stack.user_texts(customer.wa_id) == []
    for _ in range(2):
        assert (await stack.whatsapp.post(stack.webhook, webhook))[0] == 200
    await customer.reads_until("Polderstroom")
    assert await stack.user_texts(customer.wa_id) == ["hallo"]


async def test_a_whatsapp_customer_talks_to_the_bot_then_to_a_colleague_and_back(stack: Stack):
    customer = Customer(stack, new_wa_id())
    agent = await logged_in(stack)
    try:
        await customer.says("hallo")
        await customer.reads_until("Polderstroom")
        await customer.says("ik wil een medewerker spreken")
        await customer.reads_until("Je hoeft niets te herhalen")
        handover = await accepted_handover(agent, customer.wa_id)
        await customer.reads_until("Je praat nu met")
        await agent.call("POST", f"/handovers/{handover['id']}/messages", {"text": "Ik kijk even met je mee."})
        from_agent = await customer.reads_until("Ik kijk even met je mee.")
        assert from_agent == "*Demo Medewerker (Polderstroom):* Ik kijk even met je mee."

        await customer.says("mijn factuur klopt niet")

        async def customer_lines() -> list[str]:
            messages = (await agent.call("GET", f"/handovers/{handover['id']}"))["messages"]
            return [m["text"] for m in messages if m["sender"] == "customer"]

        assert "mijn factuur klopt niet" in await eventually(customer_lines)
        await agent.call("POST", f"/handovers/{handover['id']}/close", {"outcome": "back_to_bot"})
        await customer.reads_until("digitale assistent")
        await customer.says("wanneer zijn jullie bereikbaar?")
        await customer.reads_until("bereiken")
    finally:
        await agent.call("POST", "/agents/logout")
        await agent.close()


async def test_an_agents_reply_after_24_hours_becomes_a_ticket_and_the_desk_shows_it_did_not_arrive(stack: Stack):
    customer = Customer(stack, new_wa_id(), hours_ago=25)  # WhatsApp's timestamps: the customer wrote a day ago
    agent = await logged_in(stack)
    try:
        await customer.says("ik wil een medewerker spreken")
        handover = await accepted_handover(agent, customer.wa_id)
        sent = await agent.call("POST", f"/handovers/{handover['id']}/messages", {"text": "Sorry voor het wachten!"})
        assert sent["delivery"]["delivered"] is False and sent["delivery"]["error"], "the agent sees at once it did not arrive"
        message_id = sent["message"]["id"]

        async def tickets() -> list[dict[str, Any]]:
            return [t for t in (await agent.call("GET", "/tickets"))["tickets"] if t["conversation_id"] == customer.wa_id]

        [ticket] = await eventually(tickets, REPLY_SECONDS)
        assert (ticket["channel"], ticket["reason"]) == ("whatsapp", WINDOW_CLOSED_REASON)
        assert ticket["summary"].startswith("WhatsApp-bericht van Demo Medewerker niet verstuurd")
        assert [turn["text"] for turn in ticket["transcript"]] == ["*Demo Medewerker (Polderstroom):* Sorry voor het wachten!"]

        async def not_delivered() -> dict[str, Any] | None:
            messages = (await agent.call("GET", f"/handovers/{handover['id']}"))["messages"]
            mine = next(m for m in messages if m["id"] == message_id)
            return mine if mine["delivery_status"] != "delivered" and mine["delivery_error"] else None

        assert await eventually(not_delivered, REPLY_SECONDS), "the desk shows the reply did not arrive"
        assert not any("Sorry voor het wachten" in text for text in stack.whatsapp.texts_to(customer.wa_id))
        await agent.call("POST", f"/handovers/{handover['id']}/close", {"outcome": "back_to_bot"})
    finally:
        await agent.call("POST", "/agents/logout")
        await agent.close()
