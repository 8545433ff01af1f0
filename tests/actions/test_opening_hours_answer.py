"""'Tot hoe laat kan ik vandaag chatten?': action_faq_check_repeat, which runs before every FAQ
answer, fills `org_opening_hours` with today's hours at this moment (a fixed clock here)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered

from actions.faq_repeat import ActionFaqCheckRepeat
from actions.session import ActionSessionStart
from tests.conftest import ROOT

AMS = ZoneInfo("Europe/Amsterdam")
OPEN = datetime(2026, 11, 17, 10, 0, tzinfo=AMS)  # Tuesday
KONINGSDAG = datetime(2026, 4, 27, 10, 0, tzinfo=AMS)  # a Monday, closed


def at(moment, action):
    action.now = lambda: moment
    return action


def opening_hours_question():
    message = {
        "text": "tot hoe laat kan ik vandaag chatten?",
        "intent": {"name": "faq", "confidence": 0.97},
        "entities": [],
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/opening_hours"}}},
    }
    events = [ActionExecuted("action_listen"), UserUttered(message["text"], parse_data=message)]
    return Tracker("test-conversation", {}, message, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(
    "moment, text",
    [
        (OPEN, "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur."),
        (KONINGSDAG, "Vandaag is het Koningsdag. Dan zijn we dicht. Morgen kun je ons weer bereiken van 8.00 tot 20.00 uur."),
    ],
)
async def test_the_faq_turn_fills_todays_opening_hours(run_action, moment, text):
    events = await run_action(at(moment, ActionFaqCheckRepeat()), opening_hours_question())
    assert events == [SlotSet("escalation_due", False), SlotSet("org_opening_hours", text)]


async def test_the_session_starts_with_todays_opening_hours(make_tracker, run_action):
    events = await run_action(at(OPEN, ActionSessionStart()), make_tracker())
    assert SlotSet("org_opening_hours", "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur.") in events


def test_the_answer_uses_the_slot_and_names_no_week():
    responses = yaml.safe_load((ROOT / "data" / "faq" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    text = responses["utter_faq/opening_hours"][0]["text"]
    assert text.startswith("{org_opening_hours} ")
    assert "bereikbaar {org_opening_hours}" not in text


async def test_other_faq_topics_leave_the_opening_hours_alone(make_tracker, run_action):
    events = await run_action(at(OPEN, ActionFaqCheckRepeat()), make_tracker("hoe lees ik mijn meter af", intent="faq"))
    assert events == [SlotSet("escalation_due", False)]
