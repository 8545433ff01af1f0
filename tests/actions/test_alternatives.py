"""action_contact_alternatives lists every channel of the organisation file."""
from __future__ import annotations

import pytest

from actions.alternatives import INTRO_NOT_HELPED, INTRO_REQUEST_HUMAN, ActionContactAlternatives


@pytest.mark.parametrize("intent, intro", [("request_human", INTRO_REQUEST_HUMAN), ("deny", INTRO_NOT_HELPED)])
async def test_every_channel_is_offered(make_tracker, run_action, texts, organisation_data, intent, intro):
    events = await run_action(ActionContactAlternatives(), make_tracker("nee", intent=intent))

    assert events == []
    [text] = texts()
    intro_line, *channel_lines = text.split("\n")
    assert intro_line == intro
    assert len(channel_lines) == len(organisation_data["channels"])
    for channel in organisation_data["channels"].values():
        assert any(line.startswith(f"- {channel['label']}: {channel['address']}") for line in channel_lines)
