"""Failed-login counters with a lock time, one row per key ("user:<name>", "ip:<address>").

Sync functions `fn(engine, ...)` (see `livechat.storage.db`); the policy (limits, backoff) is
`livechat.login_throttle`. An attempt is counted *before* the password is checked, in one
transaction per attempt with the rows locked, so guesses sent at the same moment, by one worker or
several, cannot slip past the limit; a successful login gives its count back.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from livechat.storage.schema import from_db, login_attempts, to_db

LockTime = Callable[[int, int], "timedelta | None"]  # (failures, max_failures) -> lock time or None


@dataclass(frozen=True)
class Counter:
    key: str
    max_failures: int


@dataclass(frozen=True)
class Attempt:
    """What `begin_attempt` decided: refused until a moment, or counted (with what to give back)."""

    refused_until: datetime | None = None
    # Per counted key: (lock before this attempt, lock this attempt set), to undo on success.
    locks: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)


def _insert_missing(connection: Connection, key: str, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(login_attempts)
        .values(key=key, failures=0, last_failure_at=to_db(now), locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _forgotten(row: Any, now: datetime, window: timedelta) -> bool:
    quiet_since = to_db(now) - window
    return row.last_failure_at <= quiet_since and (row.locked_until is None or row.locked_until <= quiet_since)


def begin_attempt(
    engine: Engine, counters: Sequence[Counter], now: datetime, window: timedelta, lock_time: LockTime
) -> Attempt:
    """Refuses the attempt while any counter is locked; otherwise counts it as a failure on every
    counter (locking those that reach their limit, as if it fails). Failures are forgotten once
    `window` has passed since the last failure and the end of the last lock."""
    ordered = sorted(counters, key=lambda counter: counter.key)  # one lock order: no deadlocks
    with engine.begin() as connection:
        rows = {}
        for counter in ordered:
            _insert_missing(connection, counter.key, now)
            rows[counter.key] = connection.execute(
                sa.select(login_attempts).where(login_attempts.c.key == counter.key).with_for_update()
            ).one()
        current: dict[str, tuple[int, datetime | None]] = {}
        for counter in ordered:
            row = rows[counter.key]
            current[counter.key] = (0, None) if _forgotten(row, now, window) else (row.failures, from_db(row.locked_until))
        refused = [until for _, until in current.values() if until is not None and until > now]
        if refused:
            return Attempt(refused_until=max(refused))
        locks = {}
        for counter in ordered:
            failures, previous = current[counter.key]
            failures += 1
            lock = lock_time(failures, counter.max_failures)
            locked_until = now + lock if lock is not None else previous
            connection.execute(
                login_attempts.update()
                .where(login_attempts.c.key == counter.key)
                .values(
                    failures=failures,
                    last_failure_at=to_db(now),
                    locked_until=to_db(locked_until) if locked_until is not None else None,
                )
            )
            locks[counter.key] = (previous, locked_until)
    return Attempt(locks=locks)


def attempt_succeeded(engine: Engine, attempt: Attempt, forget: Sequence[str]) -> None:
    """After a successful login: the counters in `forget` start again from zero; the others get
    this attempt's count back (and lose the lock it set)."""
    with engine.begin() as connection:
        for key, (previous, provisional) in sorted(attempt.locks.items()):
            if key in forget:
                connection.execute(login_attempts.delete().where(login_attempts.c.key == key))
                continue
            row = connection.execute(
                sa.select(login_attempts).where(login_attempts.c.key == key).with_for_update()
            ).first()
            if row is None:
                continue
            values: dict = {"failures": max(row.failures - 1, 0)}
            if from_db(row.locked_until) == provisional:
                values["locked_until"] = to_db(previous) if previous is not None else None
            connection.execute(login_attempts.update().where(login_attempts.c.key == key).values(**values))


def forget(engine: Engine, key: str) -> None:
    """Drops the counter (e.g. after an administrator set a new password)."""
    with engine.begin() as connection:
        connection.execute(login_attempts.delete().where(login_attempts.c.key == key))


def tidy(engine: Engine, now: datetime, window: timedelta) -> None:
    """Deletes the counters whose failures are forgotten anyway (see `begin_attempt`)."""
    quiet_since = to_db(now) - window
    with engine.begin() as connection:
        connection.execute(
            login_attempts.delete().where(
                login_attempts.c.last_failure_at <= quiet_since,
                sa.or_(login_attempts.c.locked_until.is_(None), login_attempts.c.locked_until <= quiet_since),
            )
        )
