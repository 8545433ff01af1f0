"""Fixtures for running actions the way the action server does."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet

from naadloos.core.parsing import find_entities
from tests.domain_wording import rendered

TODAY = date(2026, 11, 18)  # a Wednesday
# Slots whose mapping is `custom` in domain.yml: Rasa puts no candidate in the tracker for them.
CUSTOM_MAPPED = {"meter_type", "solar_panels", "form_confirmed", "form_change"}
DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@lru_cache(maxsize=1)
def _from_text_exclusions() -> dict[str, set[str]]:
    """Per slot, the intents its `from_text` mapping in domain.yml ignores (`not_intent`)."""
    slots = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["slots"]
    return {
        name: set(mapping.get("not_intent") or [])
        for name, slot in slots.items()
        for mapping in slot.get("mappings") or []
        if mapping.get("type") == "from_text"
    }


def from_text_fills(slot: str, intent: str) -> bool:
    """Whether Rasa's from_text mapping puts the message in `slot` as a candidate."""
    return slot not in CUSTOM_MAPPED and intent not in _from_text_exclusions().get(slot, set())


@pytest.fixture(autouse=True)
def backoffice_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, organisation_file: Path) -> Path:
    """Every action test reads the repository's organisation file and writes to its own back office."""
    database = tmp_path / "backoffice.sqlite3"
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", str(organisation_file))
    monkeypatch.setenv("NAADLOOS_BACKOFFICE_DB", str(database))
    return database


@pytest.fixture
def said(dispatcher):
    """What the customer reads, in order: texts, and responses as Rasa renders them."""
    return lambda: [text for text in map(rendered, dispatcher.messages) if text]


@pytest.fixture
def first_failure() -> list[SlotSet]:
    """What a first fallback or a repeated FAQ question adds: one failure, no hand-over yet."""
    return [SlotSet("failed_turns", 1.0), SlotSet("escalation_due", False)]


@pytest.fixture
def run_action(dispatcher, domain):
    """Runs an action's `run()` with the test dispatcher and the real domain."""

    async def run(action, tracker):
        return await action.run(dispatcher, tracker, domain)

    return run


@pytest.fixture
def make_form():
    """A form validation action whose `today()` is fixed at TODAY."""

    def build(form_class):
        form = form_class()
        form.today = lambda: TODAY
        return form

    return build


@pytest.fixture
def entities_in():
    """The entities the NLU pipeline's pattern extractor finds in `text`, as in parse data."""
    return lambda text: [
        {"entity": f.entity, "start": f.start, "end": f.end, "value": f.value, "extractor": "DutchPatternEntityExtractor"}
        for f in find_entities(text)
    ]


@pytest.fixture
def form_turn(make_tracker, run_action, entities_in):
    """One customer answer inside `form`, validated by the form's `run()` as Rasa calls it.

    The answer fills the asked slot (the from_text mapping; a slot with a custom mapping is
    extracted by the form itself) and `extracted` holds what the from_entity mappings took from
    it; `before` holds the answers given in earlier turns and `earlier` any events of earlier
    turns. The returned events leave out the next question (`requested_slot`) unless `with_next`.
    """

    async def turn(form, asked, text, extracted=None, before=None, earlier=None, intent="inform", with_next=False):
        before = before or {}
        tracker = make_tracker(
            text,
            intent=intent,
            entities=entities_in(text),
            candidates={**(extracted or {}), **({asked: text} if from_text_fills(asked, intent) else {})},
            slots=dict(before),
            history=[
                *(earlier or []),
                *(SlotSet(name, value) for name, value in before.items()),
                SlotSet("requested_slot", asked),
            ],
            active_loop=form.form,
            requested_slot=asked,
        )
        events = await run_action(form, tracker)
        if not with_next and events and events[-1]["name"] == "requested_slot" and events[-1]["value"] is not None:
            return events[:-1]  # the next question; tests that look at it pass with_next=True
        return events

    return turn
