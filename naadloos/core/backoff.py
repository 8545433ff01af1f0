"""How long to wait before trying a service again that did not answer: doubling, with a ceiling.

One home for the retry rhythm of every background delivery (the event broker's outbox, the live
chat's deliveries to Rasa, the waiting customers' alternatives), so none of them hammers a service
that is down and each finds it again soon after it is back.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

MAX_DOUBLINGS = 32  # beyond this every ceiling we use is reached; keeps 2**n small


def doubled(first: float, steps: int, ceiling: float) -> float:
    """`first`, doubled `steps` times, at most `ceiling`: the rhythm of every retry and lock."""
    return min(first * 2 ** min(max(steps, 0), MAX_DOUBLINGS), ceiling)


class Backoff:
    def __init__(self, first_seconds: float, maximum_seconds: float) -> None:
        self.first = first_seconds
        self.maximum = max(maximum_seconds, first_seconds)
        self.failures = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self) -> float:
        """Counts a failed attempt; returns how long to wait before the next one."""
        self.failures += 1
        return self.delay()

    def delay(self) -> float:
        """The wait now: `first` while all is well, doubled per failure up to `maximum`."""
        return doubled(self.first, self.failures - 1, self.maximum)

    def succeeded(self) -> bool:
        """Resets the rhythm; returns whether this ended a run of failures."""
        ended = self.failures > 0
        self.failures = 0
        return ended


async def repeat(one_round: Callable[[], Awaitable[bool]], backoff: Backoff, what: str) -> None:
    """Runs `one_round` forever, `backoff.delay()` apart. A round that returns False (something
    still waits) or raises counts as a failure and stretches the next wait; cancel to stop."""
    while True:
        await asyncio.sleep(backoff.delay())
        try:
            done = await one_round()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            logger.exception("%s failed", what)
            done = False
        if done:
            backoff.succeeded()
        else:
            backoff.failed()
