"""At most one event per key and interval, the rest dropped: for signals that only say "still
happening" (typing), where a later one replaces an earlier one and nothing needs to be queued."""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable

# Above this many keys, the ones that are quiet for longer than the interval are forgotten, so a
# flood of new keys cannot grow the memory without bound.
PRUNE_ABOVE = 10_000


class Throttle:
    def __init__(self, interval_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval_seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}

    def allow(self, key: Hashable) -> bool:
        """True (and counted) when `key` had no allowed event in the last interval."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        if len(self._last) >= PRUNE_ABOVE:
            self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
        self._last[key] = now
        return True

    def forget(self, key: Hashable) -> None:
        self._last.pop(key, None)
