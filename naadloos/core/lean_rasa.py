"""Rasa 3.6 with less work per message: the places where Rasa repeats work whose answer cannot have
changed, each made to do it once. What Rasa computes stays the same; only repeated work goes.

- `naadloos.core.action_responses`: the JSON-schema validator of the action server's answers is
  built once, not on every action call (about 20 ms per call).
- `naadloos.core.event_types`: an event's class is found in a table, not by walking all of Rasa's
  event classes for every event read back or received.
- `naadloos.core.past_states`: a conversation's dialogue states are worked out once per
  prediction, not once for every policy that asks.

`install()` is called before Rasa handles a message: by the launcher `naadloos.core.rasa_server`
(`make run`, the cluster, the tests' live stack) and by the report scripts (`load_agent`).
README, "Speed", has the figures.
"""
from __future__ import annotations


def install() -> None:
    """Installs every change of this module's list. Idempotent."""
    from naadloos.core import action_responses, event_types, past_states

    action_responses.install()
    event_types.install()
    past_states.install()
