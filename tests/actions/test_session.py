"""action_session_start copies the organisation file (from the settings) into the org_* slots."""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.session import ActionSessionStart
from naadloos.core.organisation import OrganisationConfigError
from naadloos.core.settings import current_organisation


async def test_session_start_sets_every_org_slot(make_tracker, run_action, org_slots, organisation):
    action = ActionSessionStart()
    moment = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    action.now = lambda: moment
    events = await run_action(action, make_tracker())

    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    slots = {event["name"]: event["value"] for event in events[1:-1] if event["event"] == "slot"}
    assert len(slots) == len(events) - 2
    assert sorted(slots) == sorted(org_slots)
    assert slots == organisation.response_slots(moment)
    assert slots["org_name"] == "Polderstroom"


async def test_another_organisation_file_is_used_and_reread(
    tmp_path, monkeypatch, organisation_data, make_tracker, run_action
):
    path = tmp_path / "organisation.yml"
    path.write_text(yaml.safe_dump({**organisation_data, "name": "Dijkgas"}), encoding="utf-8")
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", str(path))
    assert current_organisation().name == "Dijkgas"

    path.write_text(yaml.safe_dump({**organisation_data, "name": "Veenwarmte"}), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))  # a later edit, whatever the clock resolution
    events = await run_action(ActionSessionStart(), make_tracker())
    assert SlotSet("org_name", "Veenwarmte") in events


def test_relative_organisation_file_is_found_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", "config/organisation.yml")
    assert current_organisation().name == "Polderstroom"


def test_missing_organisation_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", str(tmp_path / "gone.yml"))
    with pytest.raises(OrganisationConfigError, match="cannot read organisation file .*gone.yml"):
        current_organisation()
