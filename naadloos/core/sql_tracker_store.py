"""`LeanSQLTrackerStore`: Rasa's SQL tracker store (same table, same rows, same queries to read a
conversation back) with less work per saved message. `endpoints.yml` uses it for the laptop's
SQLite file; anything that reads that file as Rasa's `SQL` store (`make markers`, the insight page)
reads it as before.

What Rasa 3.6's `SQLTrackerStore.save` does per customer message, and what this one does instead:

- With an event broker (ours: the live chat's), it reads the whole conversation back first
  (every event of the session, decoded and replayed into a new tracker) only to learn how many
  events are stored, then asks the database the same number again with a count query. Here the
  one count query serves both: the events after that many are published and stored.
- On SQLite it opens a new database connection for every read and every save (SQLAlchemy's default
  for a file), and every commit waits for the disk several times (rollback journal,
  `synchronous=FULL`). Here the connections are kept in a pool and the file uses write-ahead logging
  (`journal_mode=WAL`, `synchronous=NORMAL`): a commit is one append to the log, without waiting for
  the disk. A stopped or killed Rasa loses nothing that was committed; only a power cut or a crash
  of the operating system may lose the last commits (SQLite's documented trade-off of WAL with
  `synchronous=NORMAL`). Readers (the insight page) do not block Rasa's writes, nor the other way
  round.

- Rasa builds its queries with SQLAlchemy's ORM for every read and save: building the query and
  its cache key, and making an ORM object of every row, cost more than the database itself. Here
  the same queries are fixed SQL text (`LATEST_SESSION_FILTER`: the events from the latest
  `session_started` on, as Rasa's `_event_query` selects them) and the rows are written in one
  insert.

PostgreSQL (`config/endpoints.production.yml`) keeps Rasa's own store. This class is written in plain SQL
that PostgreSQL runs too, but is tested on SQLite only.
"""
from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

# Set on every new SQLite connection. journal_mode is kept in the file; synchronous is per connection.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
# Rasa's `_event_query(..., fetch_events_from_all_sessions=False)`: a conversation's events from the
# time of its latest `session_started` on, or all of them before its first session.
LATEST_SESSION_FILTER = (
    "sender_id = :sender_id AND (timestamp >= ("
    "SELECT MAX(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :session_started"
    ") OR ("
    "SELECT MAX(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :session_started) IS NULL)"
)
LATEST_SESSION_EVENTS = sa.text(f"SELECT data FROM events WHERE {LATEST_SESSION_FILTER} ORDER BY id")
LATEST_SESSION_COUNT = sa.text(f"SELECT COUNT(*) FROM events WHERE {LATEST_SESSION_FILTER}")


class LeanSQLTrackerStore(SQLTrackerStore):
    """Rasa's `SQLTrackerStore` (same arguments in endpoints.yml) without the read-back on save and,
    on SQLite, with pooled connections in WAL mode."""

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, dialect, host, port, db, username, password, event_broker, login_db, query, **kwargs)
        rasas_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]  # Rasa's attribute, untyped
        if rasas_engine.dialect.name == "sqlite" and rasas_engine.url.database not in (None, "", ":memory:"):
            rasas_engine.dispose()
            self.engine = sqlite_engine(rasas_engine.url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            with self.engine.connect():
                pass  # the file is in WAL mode from the start, not from the first message

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's `_retrieve`; the latest session's events with `LATEST_SESSION_EVENTS`."""
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.engine.connect() as connection:
            rows = connection.execute(LATEST_SESSION_EVENTS, _latest_session(sender_id)).fetchall()
        events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        logger.debug("Can't retrieve tracker matching sender id '%s' from SQL storage.", sender_id)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Publishes and stores the tracker's events that are not stored yet (those after the
        number stored since the session's start, as Rasa's store counts them)."""
        with self.engine.begin() as connection:
            stored = connection.execute(LATEST_SESSION_COUNT, _latest_session(tracker.sender_id)).scalar_one()
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
            if new_events:
                connection.execute(self.SQLEvent.__table__.insert(), [_row(tracker.sender_id, event) for event in new_events])
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)


def _latest_session(sender_id: str) -> dict[str, str]:
    return {"sender_id": sender_id, "session_started": SessionStarted.type_name}


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    """The row of one event, with the columns Rasa's store fills."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine on the SQLite file `url` that keeps its connections (the event loop's thread and
    Rasa's worker threads take turns with them) and sets `SQLITE_PRAGMAS` on each."""
    engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _set_pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return engine
