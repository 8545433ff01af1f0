"""A conversation's dialogue states worked out once per prediction, not once per policy.

To choose the next action Rasa 3.6 asks every policy, and each turns the whole conversation into
its list of dialogue states (`DialogueStateTracker.past_states`): it replays every event of the
session and builds the state before each action. Our three policies ask four times per prediction
(the RulePolicy twice, Memoization and TED once each), for the same events with two sets of
options, and that replay was more than half of a prediction's time (about 0.65 ms each on a
six-message conversation, growing with the conversation).

`install()` makes `past_states` remember its answer on the tracker, per set of options, for as long
as the tracker's events are the same ones (the same number, ending with the very same event
object). A changed conversation is worked out again. Every caller gets its own copy of the states,
since Rasa's featurizers change the last state in place. The states themselves are Rasa's:
nothing is computed differently. `naadloos.core.lean_rasa` installs it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

_INSTALLED = "_naadloos_remembered_states"
# Where a tracker keeps what it worked out (one attribute, dropped with the tracker).
MEMORY_ATTRIBUTE = "_naadloos_past_states"

StatesKey = tuple[int, bool, bool, str]


@dataclass
class RememberedStates:
    """The states of one tracker for the events it had then (`event_count`, ending with `last_event`)."""

    event_count: int
    last_event: Event | None
    states: dict[StatesKey, list[State]] = field(default_factory=dict)

    def describes(self, tracker: DialogueStateTracker) -> bool:
        events = tracker.events
        return len(events) == self.event_count and (events[-1] if events else None) is self.last_event


def copied(states: list[State]) -> list[State]:
    """A copy a caller may change: a state's parts are dicts of strings and tuples."""
    return [{name: dict(part) for name, part in state.items()} for state in states]


def _memory_of(tracker: DialogueStateTracker) -> RememberedStates:
    memory = tracker.__dict__.get(MEMORY_ATTRIBUTE)
    if memory is None or not memory.describes(tracker):
        events = tracker.events
        memory = RememberedStates(len(events), events[-1] if events else None)
        tracker.__dict__[MEMORY_ATTRIBUTE] = memory
    return memory


def _key(domain: Domain, omit_unset_slots: bool, ignore_rule_only_turns: bool, rule_only_data: Any) -> StatesKey:
    return (id(domain), omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))


def install() -> None:
    """Makes `DialogueStateTracker.past_states` work the states out once per tracker state. Idempotent."""
    if getattr(DialogueStateTracker.past_states, _INSTALLED, False):
        return
    rasas_past_states = DialogueStateTracker.past_states

    def past_states(
        self: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        memory = _memory_of(self)
        key = _key(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        states = memory.states.get(key)
        if states is None:
            states = rasas_past_states(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            memory.states[key] = states
        return copied(states)

    setattr(past_states, _INSTALLED, True)
    past_states.__wrapped__ = rasas_past_states  # type: ignore[attr-defined]  # Rasa's own, for comparison
    DialogueStateTracker.past_states = past_states
