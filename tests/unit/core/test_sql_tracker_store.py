"""`LeanSQLTrackerStore` against Rasa's own `SQLTrackerStore`, on real SQLite files: the same rows,
the same events published to the event broker, conversations back after a restart (a new store on
the same file, also one of Rasa's), a new session, and the WAL journal on the file."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from naadloos.core.environment import PROJECT_ROOT
from naadloos.core.sql_tracker_store import LeanSQLTrackerStore


class RecordingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def session_start(at: float) -> list[Event]:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at)]


def turn(text: str, intent: str, at: float) -> list[Event]:
    parse_data = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
                  "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    return [UserUttered(text, intent=parse_data["intent"], parse_data=parse_data, timestamp=at),
            ActionExecuted(f"utter_{intent}", timestamp=at + 0.1), BotUttered(f"antwoord op {text}", timestamp=at + 0.1),
            SlotSet("last_intent", intent, timestamp=at + 0.2), ActionExecuted("action_listen", timestamp=at + 0.3)]


def conversation_saves() -> list[list[Event]]:
    """The events of one conversation as Rasa saves it message by message, with a new session in
    the middle."""
    saves, events = [], session_start(1.0)
    for number, (text, intent) in enumerate([("hoi", "greet"), ("wat kost het", "faq"), ("dank je", "thank")]):
        events = events + turn(text, intent, 2.0 + number)
        saves.append(events)
    events = events + session_start(10.0) + turn("nog een vraag", "faq", 11.0)
    saves.append(events)
    return saves


async def save_all(store: TrackerStore, domain: Domain, sender: str) -> None:
    for events in conversation_saves():
        await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))


def stored_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id").fetchall()


async def test_the_rows_and_the_published_events_are_those_of_rasas_store(tmp_path: Path, domain: Domain) -> None:
    rasa_broker, lean_broker = RecordingBroker(), RecordingBroker()
    rasa_store = SQLTrackerStore(domain, db=str(tmp_path / "rasa.sqlite3"), event_broker=rasa_broker)
    lean_store = LeanSQLTrackerStore(domain, db=str(tmp_path / "lean.sqlite3"), event_broker=lean_broker)
    for store in (rasa_store, lean_store):
        await save_all(store, domain, "klant-1")
        await save_all(store, domain, "klant-2")
    assert stored_rows(tmp_path / "lean.sqlite3") == stored_rows(tmp_path / "rasa.sqlite3")
    assert lean_broker.published == rasa_broker.published
    assert len(lean_broker.published) == 2 * len(conversation_saves()[-1])  # every event once


async def test_a_conversation_survives_a_restart(tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "conversations.sqlite3"
    await save_all(LeanSQLTrackerStore(domain, db=str(path)), domain, "klant-1")
    expected = conversation_saves()[-1]

    restarted = LeanSQLTrackerStore(domain, db=str(path))  # a new Rasa process builds its own
    kept = await restarted.retrieve("klant-1")  # the latest session
    assert kept is not None
    assert [e.text for e in kept.events if isinstance(e, UserUttered)] == ["nog een vraag"]
    full = await restarted.retrieve_full_tracker("klant-1")
    assert full is not None and list(full.events) == expected
    assert list((await SQLTrackerStore(domain, db=str(path)).retrieve_full_tracker("klant-1")).events) == expected  # type: ignore[union-attr]
    assert list(await restarted.keys()) == ["klant-1"]


async def test_saving_again_adds_only_the_new_events(tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "conversations.sqlite3"
    store = LeanSQLTrackerStore(domain, db=str(path))
    events = conversation_saves()[0]
    await store.save(DialogueStateTracker.from_events("klant-1", events, domain.slots))
    await store.save(DialogueStateTracker.from_events("klant-1", events, domain.slots))  # nothing new
    tracker = await store.retrieve("klant-1")
    assert tracker is not None and list(tracker.events) == events
    assert len(stored_rows(path)) == len(events)


def test_the_sqlite_file_uses_write_ahead_logging(tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "conversations.sqlite3"
    LeanSQLTrackerStore(domain, db=str(path))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_the_laptop_endpoints_use_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, domain: Domain) -> None:
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path))
    for name in ("ACTION_ENDPOINT_URL", "LIVECHAT_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    config = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml")).tracker_store
    store = TrackerStore.create(config, domain=domain)
    assert isinstance(store, LeanSQLTrackerStore)
    assert Path(store.engine.url.database) == tmp_path / "conversations.sqlite3"


async def test_the_latest_session_read_back_is_that_of_rasas_store(tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "conversations.sqlite3"
    lean_store, rasa_store = LeanSQLTrackerStore(domain, db=str(path)), SQLTrackerStore(domain, db=str(path))
    assert await lean_store.retrieve("klant-1") is None
    for events in conversation_saves():  # before, at and after the start of a new session
        await lean_store.save(DialogueStateTracker.from_events("klant-1", events, domain.slots))
        lean, rasa = await lean_store.retrieve("klant-1"), await rasa_store.retrieve("klant-1")
        assert lean is not None and rasa is not None
        assert list(lean.events) == list(rasa.events)
        assert lean.current_state() == rasa.current_state()
