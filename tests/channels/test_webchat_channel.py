"""The web chat channel's pure helpers and settings (the channel itself runs with a socket.io client
in test_webchat_socket.py, and with the real Rasa in tests/webchat/test_run_command.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.run import create_http_input_channels

from naadloos.channels.webchat import WebChatInput, forwarded_metadata, valid_session_id
from naadloos.channels.webchat_sites import EmbeddingSites
from naadloos.core.environment import SettingError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("session_id", ["3f2b9c0e4a5d4e6f8a9b0c1d2e3f4a5b", "klant_123-abc"])
def test_a_well_formed_session_id_is_kept(session_id):
    assert valid_session_id({"session_id": session_id}) == session_id


@pytest.mark.parametrize(
    "data", [None, {}, {"session_id": None}, {"session_id": ""}, {"session_id": "kort"}, {"session_id": "a" * 65},
             {"session_id": "../../etc"}, {"session_id": {"$ne": 1}}, ["session_id"]],
)
def test_anything_else_gets_a_new_session_id(data):
    new = valid_session_id(data)
    assert len(new) == 32 and new != valid_session_id(data)


def test_only_the_agent_name_and_service_notices_reach_the_page():
    fields = {"agent": "Sanne", "livechat": "system", "timestamp": 1.0, "utter_action": "utter_greet", "secret": "x"}
    assert forwarded_metadata(fields) == {"agent": "Sanne", "livechat": "system"}
    assert forwarded_metadata({"agent": "", "timestamp": 1.0}) == {}


def test_channel_keeps_rasas_name_and_settings():
    channel = WebChatInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    assert WebChatInput.name() == "socketio"
    assert channel.session_persistence is True
    with pytest.warns(UserWarning, match="cannot be recreated"):
        assert channel.get_output_channel() is None  # no socket server before Rasa starts the channel


def test_the_embedding_sites_are_read_when_rasa_creates_the_channel(monkeypatch):
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", "https://www.example.nl,https://Klant.example.nl:443/")
    monkeypatch.setenv("NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT", "nee")
    channel = WebChatInput.from_credentials({"metadata_key": "customData"})
    assert channel.sites == EmbeddingSites(("https://www.example.nl", "https://klant.example.nl"), agent_name_in_text=False)
    assert channel.metadata_key == "customData"


@pytest.mark.parametrize("value", ["www.example.nl", "https://www.example.nl/chat", "*"])
def test_a_site_that_is_not_an_origin_stops_rasa_at_start_up(monkeypatch, value):
    """What `rasa run` does first: create the channels in credentials.yml."""
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", f"https://www.example.nl, {value}")
    with pytest.raises(SettingError, match=r"^NAADLOOS_WEBCHAT_ORIGINS: '.+' is not a web origin; write it like https://www.example.nl"):
        create_http_input_channels(None, str(ROOT / "credentials.yml"))


@pytest.mark.parametrize(
    "sites, origin, expected",
    [
        (EmbeddingSites(("https://www.example.nl",)), "https://www.example.nl", True),
        (EmbeddingSites(("https://www.example.nl",)), "HTTPS://WWW.EXAMPLE.NL", True),
        (EmbeddingSites(("https://www.example.nl",)), "http://127.0.0.1:5056", False),  # our own chat page
        (EmbeddingSites(("https://www.example.nl",)), "", False),  # no Origin header
        (EmbeddingSites(("https://www.example.nl",), agent_name_in_text=False), "https://www.example.nl", False),
    ],
)
def test_who_gets_the_agents_name_in_the_text(sites, origin, expected):
    assert sites.wants_agent_name_in_text(origin) is expected
