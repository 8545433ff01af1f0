"""WhatsApp (through Twilio) and Telegram end to end, with the real processes: Rasa started as
`make run` starts it (`naadloos.core.rasa_server` with the project's credentials.yml, the trained
model and a token), the action server and the live-chat service (`live_system`, tests/live_stack.py),
and the fake Twilio and Telegram servers in place of the providers (`channel_providers`). Rasa sits
behind a "proxy" for them: see tests/live_stack.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from naadloos.handover_contract.customer_channel import RasaCustomerChannel
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import OUR_NUMBER, FakeTwilio
from tests.e2e.live_clients import Agent, eventually
from tests.live_stack import TELEGRAM_PUBLIC_WEBHOOK, TELEGRAM_SECRET, TWILIO_PUBLIC_WEBHOOK, ChannelProviders

REPLY_SECONDS = 30.0


@dataclass
class Stack:
    live: dict[str, str]
    twilio: FakeTwilio
    telegram: FakeTelegram

    def webhook(self, channel: str) -> str:
        return f"{self.live['rasa']}/webhooks/{channel}/webhook"

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        url = f"{self.live['rasa']}/conversations/{quote(conversation_id, safe='')}/tracker"
        async with aiohttp.ClientSession() as http:
            async with http.get(url, params={"token": self.live["token"]}) as reply:
                assert reply.status == 200
                return await reply.json()

    async def user_texts(self, conversation_id: str) -> list[str]:
        return [event["text"] for event in (await self.tracker(conversation_id))["events"] if event["event"] == "user"]


@pytest.fixture(scope="module")
def stack(live_system: dict[str, str], channel_providers: ChannelProviders) -> Stack:
    return Stack(live_system, channel_providers.twilio, channel_providers.telegram)


class WhatsAppCustomer:
    """A customer on WhatsApp: writes through the fake Twilio's signed webhooks, reads what reaches it."""

    def __init__(self, stack: Stack, number: str) -> None:
        self.stack = stack
        self.number = number
        self.address = f"whatsapp:{number}"  # Twilio's
        self.conversation_id = f"whatsapp:{number.lstrip('+')}"  # Rasa's and the desk's
        self.read = 0

    async def says(self, text: str) -> None:
        params = self.stack.twilio.incoming(self.number, text)
        status, _ = await self.stack.twilio.webhook(self.stack.webhook("twilio"), params, signed_url=TWILIO_PUBLIC_WEBHOOK)
        assert status == 200

    async def reads_until(self, fragment: str) -> str:
        async def arrived() -> str | None:
            texts = self.stack.twilio.texts_to(self.address)
            found = next((i for i, text in enumerate(texts[self.read:], self.read) if fragment in text), None)
            if found is None:
                return None
            self.read = found + 1
            return texts[found]

        text = await eventually(arrived, REPLY_SECONDS)
        assert text, f"no WhatsApp message with {fragment!r}; got {self.stack.twilio.texts_to(self.address)}"
        return text


async def test_a_whatsapp_customer_talks_to_the_bot_then_to_a_colleague_and_back(stack: Stack):
    customer = WhatsAppCustomer(stack, "+31611110001")
    agent = Agent(stack.live["livechat"])
    await agent.call("POST", "/agents/login", {"username": "demo", "password": stack.live["password"]})
    try:
        await customer.says("hallo")
        await customer.reads_until("Polderstroom")
        await customer.says("ik wil een medewerker spreken")
        await customer.reads_until("Je hoeft niets te herhalen")

        queue = await agent.call("GET", "/queue")
        [waiting] = [h for h in queue["queued"] if h["conversation_id"] == customer.conversation_id]
        await agent.call("POST", f"/handovers/{waiting['id']}/accept")
        await customer.reads_until("Je praat nu met")
        await agent.call("POST", f"/handovers/{waiting['id']}/messages", {"text": "Ik kijk even met je mee."})
        from_agent = await customer.reads_until("Ik kijk even met je mee.")
        assert from_agent == "*Demo Medewerker (Polderstroom):* Ik kijk even met je mee."

        await customer.says("mijn factuur klopt niet")

        async def customer_lines() -> list[str]:
            messages = (await agent.call("GET", f"/handovers/{waiting['id']}"))["messages"]
            return [m["text"] for m in messages if m["sender"] == "customer"]

        assert "mijn factuur klopt niet" in await eventually(customer_lines)

        await agent.call("POST", f"/handovers/{waiting['id']}/close", {"outcome": "back_to_bot"})
        await customer.reads_until("digitale assistent")
        await customer.says("wanneer zijn jullie bereikbaar?")
        await customer.reads_until("Vandaag kun je ons bereiken tot 24.00 uur")
    finally:
        await agent.call("POST", "/agents/logout")  # nobody online for the next test
        await agent.close()
    assert all(message["from"] == f"whatsapp:{OUR_NUMBER}" for message in stack.twilio.sent if message["to"] == customer.address)


async def test_a_forged_or_repeated_twilio_webhook_leaves_one_turn_in_the_tracker(stack: Stack):
    customer = WhatsAppCustomer(stack, "+31611110002")
    params = stack.twilio.incoming(customer.number, "hallo")
    local_url_signature = stack.twilio.signature(stack.webhook("twilio"), params)  # not the URL Twilio knows
    status, _ = await stack.twilio.webhook(stack.webhook("twilio"), params, signature=local_url_signature)
    assert status == 403
    assert await stack.user_texts(customer.conversation_id) == []
    for _ in range(2):
        status, _ = await stack.twilio.webhook(stack.webhook("twilio"), params, signed_url=TWILIO_PUBLIC_WEBHOOK)
        assert status == 200
    await customer.reads_until("Polderstroom")
    assert await stack.user_texts(customer.conversation_id) == ["hallo"]
    assert len(stack.twilio.texts_to(customer.address)) == customer.read


async def test_telegram_registers_its_webhook_and_answers_once_per_verified_update(stack: Stack):
    telegram = stack.telegram

    async def registered() -> list[dict[str, Any]]:
        return telegram.webhook_calls

    assert await eventually(registered, REPLY_SECONDS), "Rasa did not register the Telegram webhook"
    assert telegram.webhook_calls[0]["url"] == TELEGRAM_PUBLIC_WEBHOOK
    assert telegram.webhook_calls[0]["secret_token"] == TELEGRAM_SECRET
    chat_id = 4242001
    update = telegram.text_update(chat_id, "hallo")
    status, _ = await telegram.send_update(update, url=stack.webhook("telegram"), secret="verkeerd-geheim")
    assert status == 403
    assert await stack.user_texts(str(chat_id)) == []
    for _ in range(2):
        assert (await telegram.send_update(update, url=stack.webhook("telegram")))[0] == 200

    async def replies() -> list[str]:
        return telegram.texts_to(chat_id)

    assert any("Polderstroom" in text for text in await eventually(replies, REPLY_SECONDS))
    assert await stack.user_texts(str(chat_id)) == ["hallo"]

    # A colleague's message pushed later, as the live chat delivers it (output_channel=latest).
    channel = RasaCustomerChannel(stack.live["rasa"], token=stack.live["token"])
    try:
        await channel.send_agent_message(str(chat_id), "Ik ben Sanne, ik help je verder.", "Sanne")
    finally:
        await channel.close()

    async def from_sanne() -> list[dict[str, Any]]:
        return [m for m in telegram.sent if int(m["chat_id"]) == chat_id and "Sanne" in m["text"]]

    [pushed] = await eventually(from_sanne, REPLY_SECONDS)
    assert pushed["text"] == "Sanne (Polderstroom): Ik ben Sanne, ik help je verder."
    assert pushed["entities"] == [{"type": "bold", "offset": 0, "length": len("Sanne (Polderstroom):")}]
