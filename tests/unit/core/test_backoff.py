"""The one doubling rhythm shared by background retries (`Backoff`) and login locks (`lock_after`)."""
from __future__ import annotations

from datetime import timedelta

from livechat.login_throttle import lock_after
from naadloos.core.backoff import Backoff, doubled


def test_doubled_starts_at_first_and_stops_at_the_ceiling() -> None:
    assert [doubled(1, step, 10) for step in range(6)] == [1, 2, 4, 8, 10, 10]


def test_doubled_survives_absurd_step_counts() -> None:
    assert doubled(2, -5, 100) == 2
    assert doubled(2, 10**9, 100) == 100


def test_backoff_doubles_per_failure_and_resets() -> None:
    backoff = Backoff(first_seconds=0.5, maximum_seconds=3)
    assert backoff.delay() == 0.5
    assert [backoff.failed() for _ in range(5)] == [0.5, 1, 2, 3, 3]
    assert backoff.succeeded() is True
    assert backoff.delay() == 0.5
    assert backoff.succeeded() is False


def test_login_lock_doubles_from_one_minute_to_fifteen() -> None:
    assert lock_after(4, max_failures=5) is None
    minutes = [lock_after(failures, max_failures=5) for failures in range(5, 11)]
    assert minutes == [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15)]
    assert lock_after(10**6, max_failures=5) == timedelta(minutes=15)
