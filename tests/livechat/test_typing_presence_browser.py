"""Typing both ways, "Klant heeft het gesprek verlaten" / "Klant is terug" and the callback offered
after the wait timeout (issue 10, items 3 and 5), in a real headless Chromium: the customer and
the agent in two browser contexts, against the real live-chat service and a stand-in for Rasa's
socket.io channel that speaks through the channel's real output (as in test_chat_page_browser.py).
Agent and service messages reach the page through a `CustomerChannel` that hands them to that
stand-in, where Rasa's HTTP API would (`RasaCustomerChannel`).

Writes results/screenshots/chat-callback-offer.png and desk-presence.png.
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from livechat import presence, waiting
from livechat.callback_wording import load_callback_wording
from livechat.customer_channel import CustomerChannel
from naadloos.handover_contract.wait_token import wait_token
from tests.e2e.browser import DESKTOP, Browser, Context, Tab
from tests.livechat.helpers import (
    ROOT,
    SECRET,
    Bot,
    RunningService,
    create_agent_client,
    handover_payload,
    running_service,
)
from tests.livechat.test_chat_page_browser import (  # noqa: F401  (browser and rasa are fixtures)
    StandInRasa,
    assert_accessible,
    browser,
    rasa,
    wait_received,
)
from tests.livechat.test_desk_browser import LOGIN_SHOWN, log_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOTS = ROOT / "results" / "screenshots"
AGENT = "Sanne de Vries"
SHOWN = "(el => !!el && !el.hidden && el.getClientRects().length > 0)"


class StandInChannel(CustomerChannel):
    """Delivers what the live chat sends the customer through the stand-in's socket.io output,
    with the metadata Rasa's HTTP API would put on the bot event."""

    def __init__(self, stand_in: StandInRasa) -> None:
        self.rasa = stand_in

    async def send_agent_message(self, conversation_id: str, text: str, agent_name: str, delivery_key: str | None = None) -> None:
        await self.rasa.say(text=text, agent=agent_name)

    async def send_system_message(self, conversation_id: str, text: str, delivery_key: str | None = None) -> None:
        await self.rasa.say(text=text, livechat="system")

    async def resume_bot(self, conversation_id: str, text: str, satisfaction_question: str | None = None) -> None:
        await self.rasa.say(text=text)


@pytest.fixture
async def live(database_url, config_for, clock, rasa) -> AsyncIterator[RunningService]:  # noqa: F811
    config = config_for(database_url, rasa_public_url=rasa.url, accept_timeout_seconds=180)
    async with running_service(config, clock, StandInChannel(rasa)) as running:
        yield running


async def open_in(context: Context, url: str) -> Tab:
    tab = await context.open("about:blank")
    await tab.emulate(DESKTOP)
    await tab.goto(url)
    return tab


async def type_into(tab: Tab, element_id: str, text: str) -> None:
    await tab.evaluate(f"document.getElementById({json.dumps(element_id)}).focus()")
    await tab.call("Input.insertText", text=text)


async def sockets_become(services: Any, handover_id: int, count: int) -> None:
    for _ in range(200):
        if services.hub.customers.count(handover_id) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the chat page's sockets never became {count}: {services.hub.customers._by_handover}")


async def presence_line(desk: Tab) -> str:
    return str(await desk.evaluate("document.getElementById('conv-presence')?.textContent || ''"))


async def test_typing_both_ways_the_callback_offer_and_leaving_in_two_browsers(
    live, rasa, browser: Browser, http, clock  # noqa: F811
) -> None:
    services = live.app.ctx.services
    agent = await create_agent_client(live, "sanne", name=AGENT, login=False)
    try:
        customer = await open_in(await browser.new_context(), f"{live.url}/chat")
        await customer.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="the chat")
        desk = await open_in(await browser.new_context(), f"{live.url}/desk")
        await desk.wait_for(LOGIN_SHOWN, what="the login form")
        await log_in(desk, "sanne", agent.password)

        # The customer asks for a colleague; the bot hands over and tells the page its wait token.
        await customer.evaluate("document.getElementById('message').value = 'ik wil een medewerker';"
                                "document.getElementById('composer').requestSubmit()")
        await wait_received(rasa, 1)
        status, created = await Bot(http, live).post("/handovers", handover_payload(rasa.session_id or "", key="hk-b"))
        assert status == 201, created
        await rasa.say(text="Ik geef je door aan een collega van Polderstroom.", custom={"naadloos": {"handover": {
            "status": "queued", "queue_position": 1, "estimated_wait_minutes": 1,
            "wait_token": wait_token(SECRET, created["id"]),
        }}})
        await customer.wait_for("document.getElementById('who').textContent.includes('wacht op een collega')",
                                what="the waiting header")
        await sockets_become(services, created["id"], 1)  # the page keeps a socket to the live chat
        await customer.evaluate("document.getElementById('message').value = 'hallo?';"
                                "document.getElementById('composer').requestSubmit()")
        await wait_received(rasa, 2)
        assert await customer.evaluate("document.getElementById('typing').hidden"), "no fake typing while waiting"

        # The wait timeout: the alternatives with today's phone hours, then the callback offer.
        clock.advance(181)
        assert await waiting.offer_alternatives_once(services) == 1
        await customer.wait_for("[...document.querySelectorAll('#messages li.notice')].some("
                                "n => n.textContent.includes('nu open tot 20.00 uur'))", what="the alternatives")
        wording = load_callback_wording()
        offer = "document.getElementById('callback-offer')"
        await customer.wait_for(f"{SHOWN}({offer})", timeout=15, what="the callback offer")
        assert await customer.evaluate("document.getElementById('callback-question').textContent") == wording.question
        await customer.evaluate("document.getElementById('callback-yes').click()")
        assert await customer.evaluate(f"{SHOWN}(document.getElementById('callback-form'))")
        assert await customer.evaluate("document.getElementById('callback-phone-label').textContent") == wording.ask_phone
        await type_into(customer, "callback-phone", "12345")
        await type_into(customer, "callback-moment", "morgenochtend")
        await customer.evaluate("document.getElementById('callback-form').requestSubmit()")
        await customer.wait_for("document.getElementById('callback-error').textContent !== ''", what="the phone error")
        assert await customer.evaluate("document.getElementById('callback-error').textContent") == wording.invalid_phone
        await assert_accessible(customer, "the callback offer")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await customer.screenshot(SCREENSHOTS / "chat-callback-offer.png")
        await customer.evaluate("document.getElementById('callback-phone').value = '06-12345678'")
        await customer.evaluate("document.getElementById('callback-form').requestSubmit()")
        await customer.wait_for(f"!{SHOWN}({offer})", what="the offer gone after asking")
        await customer.wait_for("[...document.querySelectorAll('#messages li.notice')].some("
                                "n => n.textContent.includes('belt je terug op 0612345678'))", what="the confirmation")
        assert await customer.evaluate("document.getElementById('waiting-place').textContent") == \
            "Je bent de volgende in de wachtrij.", "the place in the queue is kept"
        assert (await agent.login())[0] == 200
        status, inbox = await agent.get("/inbox")
        callbacks = [item for item in inbox["items"] if item["kind"] == "callback"]
        assert status == 200 and [item["phone"] for item in callbacks] == ["0612345678"], inbox

        # The colleague takes over; typing both ways.
        await desk.wait_for("document.querySelector('#queue li') !== null", what="the queue item")
        await desk.evaluate("document.querySelector('#queue li').click()")
        await desk.wait_for("!document.getElementById('accept').disabled", what="Overnemen")
        await desk.evaluate("document.getElementById('accept').click()")
        await desk.wait_for("!document.getElementById('reply').disabled", what="the reply box")
        await customer.wait_for("document.getElementById('waiting').hidden", timeout=15, what="the end of the wait")

        await type_into(desk, "reply", "Goedemorgen, ik kijk even")
        await customer.wait_for(f"{SHOWN}(document.getElementById('typing'))", what="the colleague typing")
        assert await customer.evaluate("document.getElementById('typing-label').textContent") == f"{AGENT} typt…"
        await desk.evaluate("document.getElementById('reply-form').requestSubmit()")
        await customer.wait_for("document.querySelectorAll('#messages li.agent').length === 1", what="the answer")
        assert await customer.evaluate("document.getElementById('typing').hidden"), "typing stops when the message is there"

        await type_into(customer, "message", "Mijn klantnummer is")
        await desk.wait_for("document.getElementById('conv-presence')?.textContent === 'Klant typt…'", what="Klant typt…")
        assert await desk.evaluate("document.querySelector('#assigned li .presence-line')?.textContent") == "Klant typt…"
        await customer.evaluate("document.getElementById('composer').requestSubmit()")
        await wait_received(rasa, 3)
        assert rasa.received[-1] == "Mijn klantnummer is"
        # What the event broker does with a customer message during a hand-over:
        await Bot(http, live).post(f"/conversations/{rasa.session_id}/messages",
                                   {"text": "Mijn klantnummer is", "message_id": "m-3"})
        await desk.wait_for("document.getElementById('conv-presence')?.textContent === ''", what="typing gone")

        # A reload is not leaving; closing the page for longer than the grace period is.
        await customer.goto(f"{live.url}/chat")
        await customer.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="reloaded")
        clock.advance(30)
        assert await presence.announce_departures(services) == 0
        await customer.goto("about:blank")
        await sockets_become(services, created["id"], 0)
        await services.hub.customers.settle()  # the page's absence is stored
        clock.advance(services.config.customer_left_grace_seconds + 1)
        assert await presence.announce_departures(services) == 1
        await desk.wait_for("document.getElementById('conv-presence')?.textContent.startsWith("
                            "'Klant heeft het gesprek verlaten om ')", what="left, on the conversation")
        assert re.fullmatch(r"Klant heeft het gesprek verlaten om \d\d:\d\d", await presence_line(desk))
        listed = await desk.evaluate("document.querySelector('#assigned li .presence-line')?.textContent")
        assert listed == await presence_line(desk), "and on its item in the list"
        transcript = await desk.evaluate("document.getElementById('transcript').innerText")
        assert "Klant heeft het gesprek verlaten" in transcript
        await desk.screenshot(SCREENSHOTS / "desk-presence.png")

        clock.advance(timedelta(minutes=5).total_seconds())
        await customer.goto(f"{live.url}/chat")
        await desk.wait_for("document.getElementById('conv-presence')?.textContent.startsWith('Klant is terug sinds ')",
                            what="back")
        assert "Klant is terug" in await desk.evaluate("document.getElementById('transcript').innerText")
        assert await desk.evaluate("document.querySelector('#assigned li .presence-line')?.textContent") == \
            await presence_line(desk)
        assert "Klant heeft het gesprek verlaten" not in str(await customer.evaluate("document.body.innerText")), \
            "the internal lines never reach the customer"
    finally:
        await agent.close()

