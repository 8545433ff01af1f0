"""The web chat channel's pure helpers (the channel itself runs in tests/webchat/test_run_command.py)."""
from __future__ import annotations

import pytest

from naadloos.channels.webchat import WebChatInput, forwarded_metadata, valid_session_id


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
