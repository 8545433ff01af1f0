"""Remembering which webhook deliveries were handled, so a delivery that comes twice (a provider's
retry after a timeout, a replay) is processed once.

Kept in memory, per process: enough for a provider's retries, which come within minutes to the
same server. Behind several Rasa processes, pin a provider's webhooks to one of them.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_CAPACITY = 10_000
DEFAULT_WINDOW_SECONDS = 24 * 3600.0


class RecentIds:
    """The ids seen in the last `window_seconds`, at most `capacity` of them (the oldest go first).
    For one event loop: no locking."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.window_seconds = window_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # id -> when it was first seen, oldest first

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (and remembers it); False when it was seen before."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - self.window_seconds:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        if len(self._seen) >= self.capacity:
            self._seen.popitem(last=False)
        self._seen[key] = now
        return True

    def forget(self, key: str) -> None:
        """Lets `key` through again (its processing failed, so a retry should be handled)."""
        self._seen.pop(key, None)
