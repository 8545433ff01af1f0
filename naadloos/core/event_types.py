"""Rasa's lookup of an event's class by its type name ("user", "bot", "slot", ...), from a table.

Rasa 3.6 turns every stored or received event into an object with `Event.resolve_by_type`, which
walks the whole tree of `Event` subclasses (and asks `inspect` whether each is abstract) for every
single event. Reading back a conversation of 150 events spent about 3 of its 4 ms there; the
action server's answers and the events posted to the HTTP API go the same way.

`install()` gives `Event.resolve_by_type` a table of the type names, built from the same walk, in
the same order (so the same class wins when two share a name). A name the table does not know
(an event class imported after it was built, or a name that does not exist) is looked up as Rasa
does it and the table is built again, so the answers, the `topic` exception and the error for an
unknown name stay Rasa's own. `naadloos.core.lean_rasa` installs it.
"""
from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_INSTALLED = "_naadloos_event_table"


def event_classes_by_type_name() -> dict[str, type[Event]]:
    """Every concrete `Event` subclass by its `type_name`; the first in Rasa's walk wins a shared name."""
    table: dict[str, type[Event]] = {}
    for event_class in all_subclasses(Event):
        table.setdefault(event_class.type_name, event_class)
    return table


def install() -> None:
    """Makes `Event.resolve_by_type` look known type names up in a table. Idempotent."""
    if getattr(Event.resolve_by_type, _INSTALLED, False):
        return
    rasas_lookup = Event.resolve_by_type
    table = event_classes_by_type_name()

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> Any:
        nonlocal table
        found = table.get(type_name)
        if found is not None:
            return found
        resolved = rasas_lookup(type_name, default)  # Rasa's answer: a new class, None, default or its error
        table = event_classes_by_type_name()
        return resolved

    setattr(resolve_by_type, _INSTALLED, True)
    resolve_by_type.__wrapped__ = rasas_lookup  # type: ignore[attr-defined]  # Rasa's own, for comparison
    Event.resolve_by_type = staticmethod(resolve_by_type)
