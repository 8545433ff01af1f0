"""The no-agent path: tickets and callback requests. Sync functions `fn(engine, ...)`.

Both are idempotent on their `idempotency_key`, so the bot's outbox can safely deliver twice
(a key reused for another request: `livechat.storage.idempotency`). Both belong to a team; an
agent reads only their own teams' rows, and rows from before teams (team NULL) belong to the
default team.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.idempotency import ensure_same_request, request_hash
from livechat.storage.schema import PRIORITIES, callback_requests, from_db, iso, tickets, to_db

HIDDEN = ("idempotency_key", "request_hash")


def row_json(row: Any) -> dict[str, Any]:
    """A row as JSON: times as ISO UTC strings, without the idempotency columns."""
    data = dict(row._mapping)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = iso(from_db(value))
    for key in HIDDEN:
        data.pop(key, None)
    return data


def _insert_once(
    engine: Engine, table: sa.Table, values: dict[str, Any], now: datetime, **stored_as: Any
) -> tuple[dict[str, Any], bool]:
    """(row, created) for the validated request `values` (`stored_as`: columns stored in another
    form); 409 for a key of another request."""
    key, fingerprint = values["idempotency_key"], request_hash(values)
    stored_values = {**values, **stored_as, "request_hash": fingerprint, "created_at": to_db(now)}
    for _attempt in range(3):
        try:
            with engine.begin() as connection:
                row = connection.execute(sa.select(table).where(table.c.idempotency_key == key)).first()
                if row:
                    ensure_same_request(row, values["conversation_id"], fingerprint)
                    return row_json(row), False
                result = connection.execute(table.insert().values(**stored_values))
                row = connection.execute(sa.select(table).where(table.c.id == result.inserted_primary_key[0])).one()
                return row_json(row), True
        except sa.exc.IntegrityError:
            continue  # a concurrent call with the same key won: the next attempt reads (and checks) theirs
    raise RuntimeError(f"{table.name}: row could neither be stored nor found")


def create_ticket(engine: Engine, values: dict[str, Any], now: datetime) -> tuple[dict[str, Any], bool]:
    """(ticket, created). `values`: conversation_id, idempotency_key, channel, reason, summary,
    customer, transcript, contact_preference, priority, team."""
    return _insert_once(engine, tickets, values, now)


def create_callback(engine: Engine, values: dict[str, Any], now: datetime) -> tuple[dict[str, Any], bool]:
    """(callback request, created). `values`: conversation_id, idempotency_key, name, phone,
    preferred_moment, preferred_at (aware datetime or None), team."""
    preferred_at = values.get("preferred_at")
    return _insert_once(engine, callback_requests, values, now, preferred_at=to_db(preferred_at) if preferred_at else None)


def find_callback(engine: Engine, idempotency_key: str) -> dict[str, Any] | None:
    """The callback request stored under `idempotency_key`, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(callback_requests).where(callback_requests.c.idempotency_key == idempotency_key)
        ).first()
    return row_json(row) if row else None


def _of_teams(table: sa.Table, teams: Sequence[str], default_team: str) -> Any:
    """Rows of `teams`; rows without a team count as the default team's."""
    condition = table.c.team.in_(list(teams))
    return sa.or_(condition, table.c.team.is_(None)) if default_team in teams else condition


def list_tickets(engine: Engine, teams: Sequence[str], default_team: str, limit: int = 100) -> list[dict[str, Any]]:
    """The tickets of `teams`, the most urgent first, then the newest."""
    with engine.connect() as connection:
        urgency = sa.case({priority: rank for rank, priority in enumerate(PRIORITIES)}, value=tickets.c.priority)
        rows = connection.execute(
            sa.select(tickets).where(_of_teams(tickets, teams, default_team))
            .order_by(urgency, tickets.c.id.desc()).limit(limit)
        )
        return [row_json(r) for r in rows]


def list_callbacks(engine: Engine, teams: Sequence[str], default_team: str, limit: int = 100) -> list[dict[str, Any]]:
    """The callback requests of `teams`, the newest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(callback_requests).where(_of_teams(callback_requests, teams, default_team))
            .order_by(callback_requests.c.id.desc()).limit(limit)
        )
        return [row_json(r) for r in rows]
