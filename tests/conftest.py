"""Shared fixtures: the project's own domain and organisation file, and trackers built from real
rasa-sdk events (as in rasa-sdk's tests/test_forms.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import REQUESTED_SLOT
from naadloos.core.organisation import Organisation, load_organisation
from tests.live_stack import channel_providers, live_system  # noqa: F401 - one live stack for tests/e2e and tests/channels

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def org_slots(domain: dict[str, Any]) -> list[str]:
    """The `org_*` slots that domain.yml declares."""
    return [name for name in domain["slots"] if name.startswith("org_")]


@pytest.fixture(scope="session")
def organisation_file() -> Path:
    return ROOT / "config" / "organisation.yml"


@pytest.fixture(scope="session")
def organisation_data(organisation_file: Path) -> dict[str, Any]:
    """config/organisation.yml as plain YAML, to check the code against the file itself."""
    return yaml.safe_load(organisation_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def organisation(organisation_file: Path) -> Organisation:
    return load_organisation(organisation_file)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def _user_message(text: str, intent: str | None, entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities,
    }


@pytest.fixture
def make_tracker():
    """Builds a tracker whose latest event is a user message, as an action server receives it.

    `history` holds the events before this turn; `candidates` are the slot values Rasa extracted
    from the message: they follow the user event as SlotSet events (that is how a form hands
    them to its validation action) and are part of the slots.
    """

    def build(
        text: str = "",
        intent: str | None = "inform",
        entities: list[dict[str, Any]] | None = None,
        slots: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
        candidates: dict[str, Any] | None = None,
        active_loop: str | None = None,
        requested_slot: str | None = None,
    ) -> Tracker:
        message = _user_message(text, intent, entities or [])
        candidates = candidates or {}
        events = [
            *(history or []),
            ActionExecuted("action_listen"),
            UserUttered(text, parse_data=message),
            *(SlotSet(name, value) for name, value in candidates.items()),
        ]
        all_slots = {**(slots or {}), **candidates}
        if requested_slot:
            all_slots[REQUESTED_SLOT] = requested_slot
        return Tracker(
            "test-conversation",
            all_slots,
            message,
            events,
            False,
            None,
            {"name": active_loop} if active_loop else {},
            "action_listen",
        )

    return build


@pytest.fixture
def response_names(dispatcher: CollectingDispatcher):
    """The responses (`utter_*` names) the dispatcher was asked to send, in order."""
    return lambda: [message["response"] for message in dispatcher.messages if message["response"]]


@pytest.fixture
def texts(dispatcher: CollectingDispatcher):
    """The literal texts the dispatcher was asked to send, in order."""
    return lambda: [message["text"] for message in dispatcher.messages if message["text"]]
