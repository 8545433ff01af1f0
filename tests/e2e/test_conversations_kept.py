"""The laptop endpoints (endpoints.yml): Rasa keeps conversations in conversations.sqlite3 in
NAADLOOS_VAR_DIR, so a restart loses nothing (production, PostgreSQL, with a real restart:
test_production_stores.py). Here the shared assistant of the e2e tests writes the conversation, and
Rasa's own SQL tracker store, opened anew on that file, reads it back as a restarted Rasa would."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import requests
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain


async def kept_events(database: Path, sender: str) -> list[dict]:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))  # the events, as stored
    tracker = await store.retrieve_full_tracker(sender)
    assert tracker is not None, f"no conversation {sender} in {database}"
    return [event.as_dict() for event in tracker.events]


def test_the_conversation_is_kept_in_the_var_folder_for_the_next_start(assistant_url: str, assistant_var_dir: Path) -> None:
    sender = f"kept-{uuid.uuid4().hex[:8]}"
    reply = requests.post(f"{assistant_url}/webhooks/rest/webhook", json={"sender": sender, "message": "hallo"}, timeout=60)
    assert "Polderstroom" in reply.json()[0]["text"]
    served = requests.get(f"{assistant_url}/conversations/{sender}/tracker", timeout=30).json()["events"]

    kept = asyncio.run(kept_events(assistant_var_dir / "conversations.sqlite3", sender))

    assert [e["text"] for e in kept if e["event"] == "user"] == ["hallo"]
    assert [(e["event"], e.get("text"), e.get("name")) for e in kept] == [
        (e["event"], e.get("text"), e.get("name")) for e in served
    ]
