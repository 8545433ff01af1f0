"""Webhooks handled once, also across a restart of Rasa (issue 12): the one store of every channel
(`naadloos.channels.dedup.SeenDeliveries`), a SQLite file bounded by age."""
from __future__ import annotations

import logging
from pathlib import Path

from naadloos.channels.dedup import SeenDeliveries
from naadloos.channels.telegram import TelegramInput
from naadloos.channels.twilio import TwilioInput
from tests.channels.conftest import StandInAgent, serving
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.test_telegram_channel import CHAT_ID, SECRET
from tests.channels.test_telegram_channel import settings_for as telegram_settings
from tests.channels.test_twilio_channel import CUSTOMER
from tests.channels.test_twilio_channel import settings_for as twilio_settings
from tests.processes import free_port

DAY = 24 * 3600.0


def test_an_id_is_new_once_per_channel_and_again_after_forget(tmp_path: Path):
    twilio, telegram = SeenDeliveries(tmp_path / "seen.sqlite3", "twilio"), SeenDeliveries(tmp_path / "seen.sqlite3", "telegram")
    assert twilio.first_time("42") and not twilio.first_time("42")
    assert telegram.first_time("42"), "each channel has its own ids"
    twilio.forget("42")  # its handling failed: the provider's retry is handled
    assert twilio.first_time("42")


def test_a_restart_remembers_what_was_handled(tmp_path: Path):
    assert SeenDeliveries(tmp_path / "seen.sqlite3", "whatsapp").first_time("wamid.HBgL1")
    after_restart = SeenDeliveries(tmp_path / "seen.sqlite3", "whatsapp")
    assert not after_restart.first_time("wamid.HBgL1")


def test_ids_older_than_the_window_are_deleted(tmp_path: Path):
    now = [1_000_000.0]
    seen = SeenDeliveries(tmp_path / "seen.sqlite3", "twilio", clock=lambda: now[0])
    assert seen.first_time("SM1")
    now[0] += DAY + 1
    restarted = SeenDeliveries(tmp_path / "seen.sqlite3", "twilio", clock=lambda: now[0])
    assert restarted.first_time("SM2")  # and SM1 is gone from the file
    assert restarted.first_time("SM1")


def test_an_unusable_file_is_logged_and_ids_are_kept_in_memory(tmp_path: Path, caplog):
    folder = tmp_path / "a-folder"
    folder.mkdir()  # not a database file
    seen = SeenDeliveries(folder, "telegram")
    with caplog.at_level(logging.ERROR):
        assert seen.first_time("7") and not seen.first_time("7")
    assert "cannot be used; handled deliveries are kept in memory" in caplog.text


async def test_twilios_retry_after_a_restart_gets_no_second_answer(fake_twilio: FakeTwilio):
    agent = StandInAgent()
    params = fake_twilio.incoming(CUSTOMER, "hallo")
    for _run in range(2):  # Rasa, then Rasa started again (new channel, same file); Twilio retries
        port = free_port()
        async with serving([TwilioInput(twilio_settings(fake_twilio, port))], agent, port) as served:
            status, _ = await fake_twilio.webhook(served.webhook("twilio"), params)
            assert status == 200
    assert len(agent.received) == 1
    assert len(await fake_twilio.wait_for(1)) == 1


async def test_telegrams_repeated_update_after_a_restart_gets_no_second_answer(fake_telegram: FakeTelegram):
    agent = StandInAgent()
    update = fake_telegram.text_update(CHAT_ID, "hallo")
    for _run in range(2):
        port = free_port()
        async with serving([TelegramInput(telegram_settings(fake_telegram, port))], agent, port) as served:
            status, _ = await fake_telegram.send_update(update, secret=SECRET, url=served.webhook("telegram"))
            assert status == 200
    assert len(agent.received) == 1
