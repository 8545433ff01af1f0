"""The channels' settings: every variable they read is in .env.example with a comment, and the
project's credentials.yml starts every channel on a laptop without any provider account."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from rasa.core.run import create_http_input_channels

from naadloos.channels.agent_prefix import agent_prefix, with_agent_prefix
from naadloos.channels.customer_notices import ChannelMessagesError, load_channel_messages, media_not_supported_text
from naadloos.channels.dedup import RecentIds
from naadloos.channels.telegram import TelegramInput, TelegramSettings
from naadloos.channels.twilio import TwilioInput
from naadloos.channels.twilio_api import TwilioSettings
from naadloos.channels.webchat_sites import EmbeddingSites
from tests.unit.test_env_example import ENV_EXAMPLE, RecordingEnviron, documented_settings

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_PREFIXES = ("TWILIO_", "TELEGRAM_")


def test_every_channel_setting_is_in_env_example_with_a_comment(monkeypatch):
    environ = RecordingEnviron({})
    monkeypatch.setattr(os, "environ", environ)
    TwilioSettings.from_environment()
    TelegramSettings.from_environment()
    EmbeddingSites.from_environment()
    assert {"TWILIO_AUTH_TOKEN_FILE", "TWILIO_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_URL"} <= environ.asked
    assert {"NAADLOOS_WEBCHAT_ORIGINS", "NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT"} <= environ.asked
    listed = documented_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))
    missing = sorted(environ.asked - set(listed))
    assert not missing, f"add these to .env.example, each with a comment: {missing}"
    assert sorted(name for name in environ.asked if not listed[name]) == []


def test_the_project_credentials_start_every_channel_without_any_provider_settings(monkeypatch):
    """What `make run` and the e2e tests do on a laptop: Rasa reads credentials.yml (it refuses an
    unset ${VAR}) and creates every channel in it."""
    for name in list(os.environ):
        if name.startswith(PROVIDER_PREFIXES):
            monkeypatch.delenv(name)
    channels = {channel.name(): channel for channel in create_http_input_channels(None, str(ROOT / "credentials.yml"))}
    assert {"rest", "socketio", "twilio", "telegram"} <= set(channels)
    assert isinstance(channels["twilio"], TwilioInput) and channels["twilio"].settings.missing_for_webhooks()
    assert isinstance(channels["telegram"], TelegramInput) and channels["telegram"].get_output_channel() is None


@pytest.mark.parametrize(
    "fields, bold, expected",
    [
        ({"agent": "Sanne"}, "*", "*Sanne (Polderstroom):* Hallo"),
        ({"agent": "  Sanne  de Vries "}, "", "Sanne de Vries (Polderstroom): Hallo"),
        ({"agent": ""}, "*", "Hallo"),  # a service message sent through send_system_message's fallback
        ({"livechat": "system"}, "*", "Hallo"),
        ({}, "*", "Hallo"),  # the bot's own words
        ({"agent": ["Sanne"]}, "*", "Hallo"),  # not a name
    ],
)
def test_the_agent_prefix(fields, bold, expected):
    assert with_agent_prefix("Hallo", fields, bold, organisation="Polderstroom") == expected


def test_the_prefix_names_the_organisation_from_its_file():
    assert agent_prefix({"agent": "Sanne"}) == "*Sanne (Polderstroom):* "


def test_the_media_reply_comes_from_the_designers_file(tmp_path):
    assert media_not_supported_text().startswith("Sorry, ik kan alleen tekst lezen.")
    broken = tmp_path / "channel_messages.yml"
    broken.write_text("andere_tekst: hoi\n", encoding="utf-8")
    with pytest.raises(ChannelMessagesError, match="add a text for media_not_supported"):
        load_channel_messages(broken)
    with pytest.raises(ChannelMessagesError, match="cannot read"):
        media_not_supported_text(tmp_path / "missing.yml")


def test_a_file_broken_after_start_keeps_the_texts_read_before(tmp_path, caplog):
    path = tmp_path / "channel_messages.yml"
    path.write_text('media_not_supported: "Alleen tekst, sorry."\nmessage_not_received: "Niet aangekomen."\n',
                    encoding="utf-8")
    assert media_not_supported_text(path) == "Alleen tekst, sorry."
    path.write_text("media_not_supported: [kapot\n", encoding="utf-8")
    assert media_not_supported_text(path) == "Alleen tekst, sorry."
    assert "not valid YAML" in caplog.text


def test_recent_ids_remember_within_the_window_and_capacity():
    now = [0.0]
    seen = RecentIds(capacity=2, window_seconds=60, clock=lambda: now[0])
    assert seen.first_time("a") and not seen.first_time("a")
    assert seen.first_time("b") and seen.first_time("c")  # "a" leaves: capacity 2
    assert seen.first_time("a")
    now[0] = 61.0
    assert seen.first_time("c")  # forgotten after the window
    seen.forget("c")
    assert seen.first_time("c")
