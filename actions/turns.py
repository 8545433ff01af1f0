"""Tracker events by turn: what happened since the customer's latest message, and in the turn
before it. Rasa events are dicts; a turn starts with a `user` event."""
from __future__ import annotations

from typing import Any

Events = list[dict[str, Any]]


def _user_positions(events: Events) -> list[int]:
    return [index for index, event in enumerate(events) if event.get("event") == "user"]


def this_turn(events: Events) -> Events:
    """The events after the customer's latest message (all events when there is none)."""
    users = _user_positions(events)
    return events[users[-1] + 1 :] if users else list(events)


def previous_turn(events: Events) -> Events:
    """The events between the customer's previous message and the latest one."""
    users = _user_positions(events)
    return events[users[-2] + 1 : users[-1]] if len(users) >= 2 else []
