"""The no-agent path: tickets and callback requests. Sync functions `fn(engine, ...)`.

Both are idempotent on their `idempotency_key`, so the bot's outbox can safely deliver twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import PRIORITIES, callback_requests, from_db, iso, tickets, to_db


def _as_json(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = iso(from_db(value))
    data.pop("idempotency_key", None)
    return data


def _insert_once(engine: Engine, table: sa.Table, values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    key = values["idempotency_key"]
    for _attempt in range(3):
        try:
            with engine.begin() as connection:
                row = connection.execute(sa.select(table).where(table.c.idempotency_key == key)).first()
                if row:
                    return _as_json(row), False
                result = connection.execute(table.insert().values(**values))
                row = connection.execute(sa.select(table).where(table.c.id == result.inserted_primary_key[0])).one()
                return _as_json(row), True
        except sa.exc.IntegrityError:
            continue
    raise RuntimeError(f"{table.name}: row could neither be stored nor found")


def create_ticket(engine: Engine, values: dict[str, Any], now: datetime) -> tuple[dict[str, Any], bool]:
    """(ticket, created). `values`: conversation_id, idempotency_key, channel, reason, summary,
    customer, transcript, contact_preference, priority, team."""
    return _insert_once(engine, tickets, {**values, "created_at": to_db(now)})


def create_callback(engine: Engine, values: dict[str, Any], now: datetime) -> tuple[dict[str, Any], bool]:
    """(callback request, created). `values`: conversation_id, idempotency_key, name, phone,
    preferred_moment, preferred_at (aware datetime or None)."""
    preferred_at = values.get("preferred_at")
    return _insert_once(
        engine,
        callback_requests,
        {**values, "preferred_at": to_db(preferred_at) if preferred_at else None, "created_at": to_db(now)},
    )


def list_tickets(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        urgency = sa.case({priority: rank for rank, priority in enumerate(PRIORITIES)}, value=tickets.c.priority)
        rows = connection.execute(sa.select(tickets).order_by(urgency, tickets.c.id.desc()).limit(limit))
        return [_as_json(r) for r in rows]


def list_callbacks(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(callback_requests).order_by(callback_requests.c.id.desc()).limit(limit))
        return [_as_json(r) for r in rows]
