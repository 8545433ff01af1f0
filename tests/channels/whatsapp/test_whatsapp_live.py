"""WhatsApp end to end with the real processes: Rasa started as `make run` starts it
(`naadloos.core.rasa_server` with the project's credentials.yml, the trained model and a token), the
action server and the live-chat service, and the fake WhatsApp Cloud API in place of Meta.

The stack is this module's own, because the channel's settings must be in the processes'
environment when they start; no WhatsApp template is configured, so an agent's reply after 24
hours becomes a ticket (the template path is in test_whatsapp_channel.py).
"""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from naadloos.channels.whatsapp.closed_window import WINDOW_CLOSED_REASON
from tests.channels.conftest import in_background
from tests.channels.whatsapp.fake_whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeWhatsApp
from tests.e2e.live_clients import Agent, eventually
from tests.live_stack import BIN, MODEL, STARTUP_TIMEOUT_SECONDS
from tests.livechat.helpers import PROJECT_TEAMS
from tests.processes import (
    LIVECHAT_COMMAND,
    always_open_organisation,
    free_port,
    livechat_env,
    start_process,
    stop_process,
    wait_until_up,
)

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
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    work = tmp_path_factory.mktemp("whatsapp-live")
    rasa_port, actions_port, livechat_port = free_port(), free_port(), free_port()
    token, secret = "whatsapp-live-token-" + uuid.uuid4().hex, "whatsapp-live-secret-" + uuid.uuid4().hex
    with in_background(FakeWhatsApp()) as whatsapp:
        env = livechat_env(
            work, livechat_port, secret,
            RASA_TELEMETRY_ENABLED="false",
            NAADLOOS_ORGANISATION_FILE=str(always_open_organisation(work)),
            NAADLOOS_BACKOFFICE_DB=str(work / "backoffice.sqlite3"),
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
            LIVECHAT_URL=f"http://127.0.0.1:{livechat_port}",
            LIVECHAT_TEAMS=",".join(PROJECT_TEAMS),
            RASA_URL=f"http://127.0.0.1:{rasa_port}",
            RASA_TOKEN=token,
            WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
            WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN, WHATSAPP_API_URL=whatsapp.url,
        )
        env.pop("WHATSAPP_TEMPLATE_NAME", None)
        processes = {
            "livechat": start_process(LIVECHAT_COMMAND, env, work / "livechat.log"),
            "actions": start_process([str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port",
                                      str(actions_port)], env, work / "actions.log"),
            "rasa": start_process([str(BIN / "python"), "-m", "naadloos.core.rasa_server", "--enable-api", "--port",
                                   str(rasa_port), "--model", str(MODEL), "--endpoints", "endpoints.yml",
                                   "--credentials", "credentials.yml"], env, work / "rasa.log"),
        }
        try:
            for name, url in (("livechat", f"http://127.0.0.1:{livechat_port}/health"),
                              ("actions", f"http://127.0.0.1:{actions_port}/health"),
                              ("rasa", f"http://127.0.0.1:{rasa_port}/status?token={token}")):
                wait_until_up(url, processes[name], work / f"{name}.log", STARTUP_TIMEOUT_SECONDS)
            password = re.search(r"password: (\S+)", (work / "var" / "demo-agent.txt").read_text()).group(1)
            yield Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{livechat_port}", token, password, whatsapp)
        finally:
            for process in processes.values():
                stop_process(process)


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
    customer = Customer(stack, "31611120001")
    webhook = stack.whatsapp.text(customer.wa_id, "hallo")
    status, _ = await stack.whatsapp.post(stack.webhook, webhook, signature="sha256=" + "ab" * 32)
    assert status == 403
    assert await stack.user_texts(customer.wa_id) == []
    for _ in range(2):
        assert (await stack.whatsapp.post(stack.webhook, webhook))[0] == 200
    await customer.reads_until("Polderstroom")
    assert await stack.user_texts(customer.wa_id) == ["hallo"]


async def test_a_whatsapp_customer_talks_to_the_bot_then_to_a_colleague_and_back(stack: Stack):
    customer = Customer(stack, "31611120002")
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
    customer = Customer(stack, "31611120003", hours_ago=25)  # WhatsApp's timestamps: the customer wrote a day ago
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
