"""`naadloos.core.past_states`: the dialogue states are Rasa's own, worked out once per tracker state
and options, and every caller gets a copy it may change."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from naadloos.core import past_states

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, faq, give_meter_reading, affirm]
entities: [meter_number]
slots:
  escalation_due:
    type: bool
    influence_conversation: true
    mappings: [{type: custom}]
  meter_number:
    type: text
    influence_conversation: true
    mappings: [{type: from_entity, entity: meter_number}]
  feedback_subject:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
forms:
  meterstand_form:
    required_slots: [meter_number]
responses:
  utter_greet: [{text: "Hallo!"}]
  utter_feedback_ask: [{text: "Heb ik je hiermee geholpen?"}]
  utter_ask_meter_number: [{text: "Wat is je meternummer?"}]
actions: [action_faq_check_repeat]
""")
RULE_ONLY_DATA = {"slots": ["escalation_due"], "loops": []}
OPTIONS = [
    {},
    {"omit_unset_slots": True},
    {"ignore_rule_only_turns": True, "rule_only_data": RULE_ONLY_DATA},
    {"ignore_rule_only_turns": True, "rule_only_data": None},
]


def says(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> list[Event]:
    return [ActionExecuted("action_listen"),
            UserUttered(text, {"name": intent, "confidence": 0.9}, entities or [])]


CONVERSATION: list[Event] = [
    ActionExecuted("action_session_start"),
    *says("hoi", "greet"), ActionExecuted("utter_greet"), BotUttered("Hallo!"),
    *says("openingstijden?", "faq"), ActionExecuted("action_faq_check_repeat"), SlotSet("escalation_due", False),
    ActionExecuted("utter_feedback_ask", hide_rule_turn=True), BotUttered("Heb ik je hiermee geholpen?"),
    *says("meterstand doorgeven", "give_meter_reading"), ActionExecuted("meterstand_form"),
    ActiveLoop("meterstand_form"), BotUttered("Wat is je meternummer?"),
    *says("12345", "give_meter_reading", [{"entity": "meter_number", "value": "12345", "start": 0, "end": 5}]),
    SlotSet("meter_number", "12345"), ActionExecuted("meterstand_form"), ActiveLoop(None),
    SlotSet("feedback_subject", "meterstand"),
]


def rasas_states(tracker: DialogueStateTracker, **options: Any) -> Any:
    return DOMAIN.states_for_tracker_history(tracker, **options)


def tracker_with(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("test", events, DOMAIN.slots)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The memory installed on Rasa's own `past_states` (put back after the test); yields a list
    that grows by one for every time the states are really worked out."""
    original = getattr(DialogueStateTracker.past_states, "__wrapped__", DialogueStateTracker.past_states)
    monkeypatch.setattr(DialogueStateTracker, "past_states", original)
    computed: list[int] = []
    rasas_history = Domain.states_for_tracker_history

    def counted(self: Domain, *arguments: Any, **options: Any) -> Any:
        computed.append(1)
        return rasas_history(self, *arguments, **options)

    monkeypatch.setattr(Domain, "states_for_tracker_history", counted)
    past_states.install()
    yield computed


@pytest.mark.parametrize("length", [0, 1, 5, 12, len(CONVERSATION)])
@pytest.mark.parametrize("options", OPTIONS)
def test_the_states_are_rasas_own(length: int, options: dict[str, Any], installed: list[int]) -> None:
    tracker = tracker_with(CONVERSATION[:length])
    expected = rasas_states(tracker, **options)
    assert tracker.past_states(DOMAIN, **options) == expected
    assert tracker.past_states(DOMAIN, **options) == expected  # from memory


def test_worked_out_once_per_tracker_state_and_options(installed: list[int]) -> None:
    tracker = tracker_with(CONVERSATION[:12])
    for _ in range(3):
        for options in OPTIONS[:3]:
            tracker.past_states(DOMAIN, **options)
    assert len(installed) == 3
    tracker.update(ActionExecuted("action_listen"))
    assert tracker.past_states(DOMAIN) == rasas_states(tracker)
    assert len(installed) == 4 + 1  # worked out again, plus the reference


def test_a_different_last_event_of_the_same_count_is_worked_out_again(installed: list[int]) -> None:
    tracker = tracker_with(CONVERSATION[:12])
    tracker.past_states(DOMAIN)
    tracker.events.pop()
    tracker.update(UserUttered("ja", {"name": "affirm", "confidence": 0.9}))
    assert tracker.past_states(DOMAIN) == rasas_states(tracker)


def test_a_caller_that_changes_its_states_does_not_change_the_next_answer(installed: list[int]) -> None:
    tracker = tracker_with(CONVERSATION)
    first = tracker.past_states(DOMAIN)
    expected = rasas_states(tracker)
    first[-1].clear()
    for state in first:
        for part in state.values():
            part.clear()
    assert tracker.past_states(DOMAIN) == expected


def test_trackers_do_not_share_memory(installed: list[int]) -> None:
    short, long = tracker_with(CONVERSATION[:5]), tracker_with(CONVERSATION)
    assert short.past_states(DOMAIN) == rasas_states(short)
    assert long.past_states(DOMAIN) == rasas_states(long)


def test_install_is_idempotent(installed: list[int]) -> None:
    remembering = DialogueStateTracker.past_states
    past_states.install()
    assert DialogueStateTracker.past_states is remembering
