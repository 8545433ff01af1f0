"""The `telegram` channel on its own: the webhook in a real Sanic server against the fake Bot API,
and the one output channel for pushed messages. Rasa's Agent is replaced by `StandInAgent` here,
because these tests are about the channel; test_channels_live.py runs the same channel in the
real Rasa with the trained model."""
from __future__ import annotations

import asyncio
import json
import logging

import pytest
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput

from naadloos.channels.delivery import ProviderError
from naadloos.channels.telegram import TelegramInput, TelegramSettings, utf16_length
from naadloos.core.environment import SettingError
from tests.channels.conftest import StandInAgent, serving
from tests.channels.fake_telegram import BOT_TOKEN, FakeTelegram
from tests.processes import free_port

CHAT_ID = 556677889
SECRET = "geheim_webhook-token_0123456789"


def settings_for(fake: FakeTelegram, port: int, **changes: str) -> TelegramSettings:
    values = {
        "bot_token": fake.token, "webhook_secret": SECRET, "webhook_url": f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
        "api_url": fake.url, "timeout_seconds": 5.0, **changes,
    }
    return TelegramSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def agent() -> StandInAgent:
    return StandInAgent()


@pytest.fixture
async def served(fake_telegram: FakeTelegram, agent: StandInAgent):
    port = free_port()
    async with serving([TelegramInput(settings_for(fake_telegram, port))], agent, port) as running:
        for _ in range(100):  # the channel registers its webhook in the background
            if fake_telegram.webhook_calls:
                break
            await asyncio.sleep(0.05)
        yield running


async def test_at_start_the_webhook_is_registered_with_our_secret(served, fake_telegram):
    assert fake_telegram.webhook_calls == [{
        "url": served.webhook("telegram"), "secret_token": SECRET, "allowed_updates": ["message", "callback_query"],
    }]


async def test_a_message_reaches_the_bot_and_the_reply_reaches_the_customer(served, fake_telegram, agent):
    update = fake_telegram.text_update(CHAT_ID, "Wanneer komt mijn jaarafrekening?")
    status, _ = await fake_telegram.send_update(update)
    assert status == 200
    [message] = agent.received
    assert (message.text, message.sender_id) == ("Wanneer komt mijn jaarafrekening?", str(CHAT_ID))
    assert message.input_channel == "telegram"
    assert message.message_id == f"telegram-{update['update_id']}"
    [sent] = await fake_telegram.wait_for(1)
    assert (int(sent["chat_id"]), sent["text"]) == (CHAT_ID, agent.reply)


@pytest.mark.parametrize("secret", ["", "verkeerd", SECRET + "x", SECRET.upper(), "ünïcode"])
async def test_an_update_without_our_secret_is_refused_with_403(served, fake_telegram, agent, secret, caplog):
    with caplog.at_level(logging.WARNING):
        status, body = await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "hallo"), secret=secret)
    assert (status, json.loads(body)) == (403, {"error": "invalid secret token"})
    assert agent.received == [] and fake_telegram.sent == []
    assert "X-Telegram-Bot-Api-Secret-Token" in caplog.text


async def test_an_update_delivered_twice_is_handled_once(served, fake_telegram, agent):
    update = fake_telegram.text_update(CHAT_ID, "hallo")
    assert (await fake_telegram.send_update(update))[0] == 200
    assert (await fake_telegram.send_update(update))[0] == 200
    assert len(agent.received) == 1 and len(await fake_telegram.wait_for(1)) == 1


@pytest.mark.parametrize("text", ["/start", "/start campagne-2026", "/start@PolderstroomBot"])
async def test_opening_the_bot_is_a_greeting(served, fake_telegram, agent, text):
    await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, text))
    assert [message.text for message in agent.received] == ["/greet"]


async def test_a_photo_gets_the_polite_reply_and_its_caption_is_read(served, fake_telegram, agent):
    photo = [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 90, "height": 90, "file_size": 1200}]
    await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "", photo=photo))
    await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "", photo=photo, caption="mijn meter"))
    texts = [message["text"] for message in await fake_telegram.wait_for(3)]
    assert texts[0].startswith("Sorry, ik kan alleen tekst lezen.") and texts[1] == texts[0] and texts[2] == agent.reply
    assert [message.text for message in agent.received] == ["mijn meter"]


async def test_a_voice_message_and_a_location_get_the_polite_reply(served, fake_telegram, agent):
    voice = {"file_id": "v", "file_unique_id": "v", "duration": 3}
    await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "", voice=voice))
    await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "", location={"latitude": 52.37, "longitude": 4.89}))
    assert all(m["text"].startswith("Sorry, ik kan alleen tekst lezen.") for m in await fake_telegram.wait_for(2))
    assert agent.received == []


@pytest.mark.parametrize(
    ("media", "line"),
    [
        ({"photo": [{"file_id": "klein", "width": 90}, {"file_id": "groot", "width": 1280}], "caption": "mijn meter"},
         "[Foto gestuurd] mijn meter (Telegram file_id groot)"),
        ({"document": {"file_id": "d1", "file_name": "factuur.pdf"}}, "[Document: factuur.pdf] (Telegram file_id d1)"),
        ({"voice": {"file_id": "v1", "duration": 3}}, "[Spraakbericht] (Telegram file_id v1)"),
        ({"location": {"latitude": 52.37, "longitude": 4.89}}, "[Locatie gedeeld: 52.37, 4.89]"),
    ],
)
async def test_during_a_hand_over_media_reaches_the_colleague_as_a_line(served, fake_telegram, agent, media, line):
    await agent.hand_over(str(CHAT_ID))
    status, _ = await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "", **media))
    assert status == 200
    assert [message.text for message in agent.received] == [line]
    assert fake_telegram.sent == [], "the customer gets no 'I can only read text': a colleague reads along"


async def test_a_button_press_reaches_the_bot_as_its_payload_and_is_acknowledged(served, fake_telegram, agent):
    update = fake_telegram.button_update(CHAT_ID, "/affirm")
    await fake_telegram.send_update(update)
    assert [message.text for message in agent.received] == ["/affirm"]
    assert fake_telegram.answered_callbacks == [update["callback_query"]["id"]]


async def test_group_messages_and_edits_are_ignored(served, fake_telegram, agent):
    group = fake_telegram.text_update(-100123, "hallo allemaal")
    group["message"]["chat"] = {"id": -100123, "title": "Buren", "type": "group"}
    edit = fake_telegram.text_update(CHAT_ID, "hallo")
    edit["edited_message"] = edit.pop("message")
    for update in (group, edit):
        assert (await fake_telegram.send_update(update))[0] == 200
    assert agent.received == [] and fake_telegram.sent == []


@pytest.mark.parametrize("body", [b"niet json", b"[]", b'{"message": {}}', b'{"update_id": "1"}'])
async def test_a_body_that_is_not_an_update_gets_400(served, fake_telegram, agent, body):
    import aiohttp

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async with session.post(served.webhook("telegram"), data=body, headers=headers) as reply:
            assert reply.status == 400
    assert agent.received == []


async def test_a_failing_turn_gets_503_and_telegrams_retry_is_handled(served, fake_telegram, agent):
    update = fake_telegram.text_update(CHAT_ID, "hallo")
    agent.failing = True
    status, body = await fake_telegram.send_update(update)
    assert status == 503 and "Traceback" not in body
    agent.failing = False
    assert (await fake_telegram.send_update(update))[0] == 200
    assert len(agent.received) == 1


async def test_when_the_customer_blocked_the_bot_the_turn_still_succeeds_and_is_logged(served, fake_telegram, agent, caplog):
    fake_telegram.mode = "blocked"
    with caplog.at_level(logging.ERROR):
        status, _ = await fake_telegram.send_update(fake_telegram.text_update(CHAT_ID, "hallo"))
    assert status == 200 and len(agent.received) == 1
    assert "did not reach the customer: Telegram refused the message: Forbidden: bot was blocked by the user" in caplog.text


@pytest.mark.filterwarnings("ignore:coroutine 'Bot.set_webhook' was never awaited")
async def test_rasas_own_channel_cannot_make_its_output_channel_inside_the_running_loop():
    """The defect this channel fixes (RasaHQ/rasa PR 13040): `output_channel=latest` asks for the
    output channel while Rasa's event loop runs, and Rasa's channel calls asyncio.run there."""
    channel = RasaTelegramInput(BOT_TOKEN, "PolderstroomBot", "https://bot.example.nl/webhooks/telegram/webhook")
    with pytest.raises(RuntimeError, match="cannot be called from a running event loop"):
        channel.get_output_channel()


async def test_one_output_channel_sends_pushed_agent_messages_with_the_name_in_bold(fake_telegram):
    channel = TelegramInput(settings_for(fake_telegram, 1))
    output = channel.get_output_channel()
    assert output is not None and output is channel.get_output_channel()
    try:
        await output.send_response(str(CHAT_ID), {"text": "Ik kijk het voor je na.", "agent": "Sanne"})
        await output.send_response(str(CHAT_ID), {"text": "Je staat in de wachtrij.", "livechat": "system"})
        await output.send_response(str(CHAT_ID), {"custom": {"data": {"handover": "waiting"}}})  # for the web page only
        first, second = await fake_telegram.wait_for(2)
        assert first["text"] == "Sanne (Polderstroom): Ik kijk het voor je na."
        assert first["entities"] == [{"type": "bold", "offset": 0, "length": len("Sanne (Polderstroom):")}]
        assert second["text"] == "Je staat in de wachtrij." and "entities" not in second
        assert len(fake_telegram.sent) == 2
        fake_telegram.mode = "error"
        with pytest.raises(ProviderError, match="Telegram refused the message"):
            await output.send_response(str(CHAT_ID), {"text": "Nog iets?", "agent": "Sanne"})
    finally:
        await output.close_session()


async def test_a_slow_or_unreachable_telegram_is_a_clear_error(fake_telegram):
    fake_telegram.mode = "slow"
    slow = TelegramInput(settings_for(fake_telegram, 1, timeout_seconds=0.3))  # type: ignore[arg-type]
    gone = TelegramInput(settings_for(fake_telegram, 1, api_url=f"http://127.0.0.1:{free_port()}"))
    outputs = [slow.get_output_channel(), gone.get_output_channel()]
    try:
        with pytest.raises(ProviderError, match="Telegram did not answer in time"):
            await outputs[0].send_response(str(CHAT_ID), {"text": "Hallo"})
        with pytest.raises(ProviderError, match="Telegram is not reachable .*ClientConnectorError"):
            await outputs[1].send_response(str(CHAT_ID), {"text": "Hallo"})
    finally:
        for output in outputs:
            await output.close_session()


async def test_long_button_payloads_become_a_reply_keyboard(fake_telegram):
    channel = TelegramInput(settings_for(fake_telegram, 1))
    output = channel.get_output_channel()
    try:
        await output.send_response(str(CHAT_ID), {"text": "Kies", "buttons": [{"title": "Ja", "payload": "/affirm"}]})
        long_payload = '/faq{"topic": "' + "x" * 60 + '"}'
        await output.send_response(str(CHAT_ID), {"text": "Bedoel je", "buttons": [{"title": "Dit", "payload": long_payload}]})
        inline, reply = await fake_telegram.wait_for(2)
        assert inline["reply_markup"]["inline_keyboard"] == [[{"text": "Ja", "callback_data": "/affirm"}]]
        assert reply["reply_markup"]["keyboard"] == [[{"text": "Dit"}]]
    finally:
        await output.close_session()


def test_entity_lengths_count_utf16_units():
    assert utf16_length("Zoë (Polderstroom):") == 19
    assert utf16_length("Sanne 🌷:") == 9  # the emoji takes two units


def test_settings_refuse_a_token_or_secret_telegram_would_not_accept(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "geen-token")
    with pytest.raises(SettingError, match="TELEGRAM_BOT_TOKEN"):
        TelegramSettings.from_environment()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "met spaties")
    with pytest.raises(SettingError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.from_environment()
    settings = TelegramSettings.from_environment({"secret_token": "uit_credentials"})
    assert settings.webhook_secret == "uit_credentials" and settings.api_url == "https://api.telegram.org"
    assert BOT_TOKEN not in repr(settings)


async def test_without_settings_the_channel_starts_and_answers_every_webhook_with_503(monkeypatch, fake_telegram, caplog):
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN_FILE", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    agent = StandInAgent()
    channel = TelegramInput.from_credentials(None)
    assert channel.get_output_channel() is None  # Rasa then collects pushed messages instead
    async with serving([channel], agent) as running:
        with caplog.at_level(logging.WARNING):
            update = fake_telegram.text_update(CHAT_ID, "hallo")
            status, body = await fake_telegram.send_update(update, url=running.webhook("telegram"))
    assert (status, json.loads(body)) == (503, {"error": "the Telegram channel is not configured"})
    assert "set TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET" in caplog.text and agent.received == []
    assert fake_telegram.webhook_calls == []
