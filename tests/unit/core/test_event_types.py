"""`naadloos.core.event_types`: an event's class from a table gives Rasa's own answer for every name."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from naadloos.core import event_types


def rasas_lookup() -> Any:
    return getattr(Event.resolve_by_type, "__wrapped__", Event.resolve_by_type)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The table installed on Rasa's own lookup (put back after the test); yields Rasa's lookup."""
    original = rasas_lookup()
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(original))
    event_types.install()
    yield original


def outcome(lookup: Any, *arguments: Any) -> Any:
    try:
        return lookup(*arguments)
    except ValueError as error:
        return ("ValueError", str(error))


@pytest.mark.parametrize("type_name", sorted({cls.type_name for cls in all_subclasses(Event)}))
def test_every_known_type_name_gives_rasas_class(type_name: str, installed: Any) -> None:
    assert Event.resolve_by_type(type_name) is installed(type_name)


@pytest.mark.parametrize(
    "arguments",
    [("topic",), ("no_such_event",), ("no_such_event", UserUttered), ("user", BotUttered), ("",)],
)
def test_unknown_names_defaults_and_errors_stay_rasas(arguments: tuple[Any, ...], installed: Any) -> None:
    assert outcome(Event.resolve_by_type, *arguments) == outcome(installed, *arguments)


def test_an_event_class_defined_later_is_found(installed: Any) -> None:
    class LaterEvent(Event):
        type_name = "naadloos_later_test_event"

        def __eq__(self, other: Any) -> bool:
            return isinstance(other, LaterEvent)

        def __hash__(self) -> int:
            return hash(self.type_name)

        def as_story_string(self) -> str:
            return self.type_name

    assert Event.resolve_by_type("naadloos_later_test_event") is LaterEvent
    assert Event.resolve_by_type("naadloos_later_test_event") is LaterEvent  # now from the table


def test_events_read_back_are_the_same(installed: Any) -> None:
    events = [ActionExecuted("action_listen"), UserUttered("hoi", {"name": "greet"}), SlotSet("x", 1),
              BotUttered("Hallo!", metadata={"utter_action": "utter_greet"})]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events


def test_install_is_idempotent(installed: Any) -> None:
    table_lookup = Event.resolve_by_type
    event_types.install()
    assert Event.resolve_by_type is table_lookup
