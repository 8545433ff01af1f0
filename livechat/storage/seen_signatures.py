"""Signatures of bot requests the service accepted, so that each one is accepted only once.

The unique constraint decides: of two requests with the same signature, on any worker and at the
same moment, exactly one insert succeeds. A row is needed only until the signature's timestamp
leaves the window (after that the timestamp check refuses it), so every `PURGE_EVERY`-th insert
deletes the expired rows.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import seen_signatures, to_db

PURGE_EVERY = 100


def remember(engine: Engine, signature: str, expires_at: datetime, now: datetime) -> bool:
    """True when `signature` is new (it is stored until `expires_at`), False when it was seen."""
    try:
        with engine.begin() as connection:
            result = connection.execute(
                sa.insert(seen_signatures).values(signature=signature, expires_at=to_db(expires_at))
            )
    except sa.exc.IntegrityError:
        return False
    row_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    if row_id is not None and row_id % PURGE_EVERY == 0:
        purge_expired(engine, now)
    return True


def purge_expired(engine: Engine, now: datetime) -> int:
    """Deletes the signatures whose window has passed; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(sa.delete(seen_signatures).where(seen_signatures.c.expires_at < to_db(now)))
    return result.rowcount or 0
