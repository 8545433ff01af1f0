"""Backoff for password guessing on `POST /api/agents/login`, per username and per client address.

- A username may fail `USER_MAX_FAILURES` (5) times, a client address `ADDRESS_MAX_FAILURES` (20)
  times; the attempt that reaches the limit locks that counter for 1 minute, each further failure
  after the lock doubles it (2, 4, 8 minutes), capped at `MAX_LOCK` (15 minutes). While a counter is
  locked every login on it is answered 429 (even with the right password, so guessing there tells
  nothing) with ``Retry-After`` and a Dutch message for the desk.
- Failures are forgotten 15 minutes (`WINDOW`) after the last failure and the end of the last
  lock. A successful login resets the username's counter. An administrator's ``reset-password``
  or ``enable`` does too, which is how an agent who is locked out gets back in at once.
- Unknown usernames are counted like real ones, so the answers do not reveal which names exist.
- Counters live in the database (`livechat.storage.login_attempts`): they hold across workers and
  restarts, and the attempt is counted before the password is checked, so parallel guesses do not
  slip past the limit.
- The client address is the socket's peer address. Headers like ``X-Forwarded-For`` count only when
  Sanic is told to trust a proxy (``SANIC_PROXIES_COUNT``, ``SANIC_REAL_IP_HEADER`` or
  ``SANIC_FORWARDED_SECRET``); then `request.remote_addr` carries the proxied address.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from livechat.storage import login_attempts as store
from livechat.storage.db import Database
from naadloos.core.backoff import doubled

logger = logging.getLogger(__name__)

USER_MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 20
WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(minutes=15)
MAX_KEY_PART = 100


def lock_after(failures: int, max_failures: int) -> timedelta | None:
    """How long a counter is locked after `failures` failures: none below the limit, then 1, 2, 4, 8
    and at most 15 minutes."""
    if failures < max_failures:
        return None
    return timedelta(seconds=doubled(FIRST_LOCK.total_seconds(), failures - max_failures, MAX_LOCK.total_seconds()))


def user_key(username: str) -> str:
    return "user:" + username.strip().lower()[:MAX_KEY_PART]


def address_key(address: str) -> str:
    return "ip:" + address[:MAX_KEY_PART]


def client_address(request: Request) -> str:
    """The proxied client address when Sanic is configured to trust a proxy, else the socket's peer."""
    return request.remote_addr or request.ip or "unknown"


@dataclass(frozen=True)
class LoginAttempt:
    username_key: str
    recorded: store.Attempt
    now: datetime

    @property
    def retry_after_seconds(self) -> int | None:
        """Seconds to wait when the attempt was refused; None when it may go ahead."""
        until = self.recorded.refused_until
        return None if until is None else max(1, math.ceil((until - self.now).total_seconds()))


async def begin(db: Database, username: str, address: str, now: datetime) -> LoginAttempt:
    """Counts the attempt (as a failure until `succeeded`), or refuses it while locked."""
    username_key = user_key(username)
    counters = [store.Counter(username_key, USER_MAX_FAILURES), store.Counter(address_key(address), ADDRESS_MAX_FAILURES)]
    recorded = await db.run(store.begin_attempt, counters, now, WINDOW, lock_after)
    return LoginAttempt(username_key, recorded, now)


async def succeeded(db: Database, attempt: LoginAttempt) -> None:
    """The password was right: the username starts again from zero, the address gets its count back."""
    await db.run(store.attempt_succeeded, attempt.recorded, [attempt.username_key])
    try:
        await db.run(store.tidy, attempt.now, WINDOW)  # now and then is enough: after each good login
    except sa.exc.DBAPIError as error:  # e.g. two logins tidying at once on PostgreSQL
        logger.info("could not tidy old login counters: %s", error.__class__.__name__)


def too_many_attempts(seconds: int) -> HTTPResponse:
    """429 with Retry-After and a message the desk shows as it is."""
    minutes = math.ceil(seconds / 60)
    unit = "minuut" if minutes == 1 else "minuten"
    body = {
        "error": "too_many_attempts",
        "message": f"Te veel mislukte pogingen. Probeer het over {minutes} {unit} opnieuw.",
        "retry_after_seconds": seconds,
    }
    return json_response(body, status=429, headers={"Retry-After": str(seconds)})
