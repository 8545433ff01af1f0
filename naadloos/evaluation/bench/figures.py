"""The figures of a benchmark run: per concurrency level the latency percentiles of single messages
and the messages answered per second, and how our assistant compares with the plain bot
(ours / plain: above 1 is slower for latency, below 1 is fewer messages per second)."""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], share: int) -> float | None:
    """The `share`-th percentile (1-99) of `values`, interpolated between the two closest ranks (as
    numpy's default does); None without values."""
    if not 1 <= share <= 99:
        raise ValueError(f"a percentile is between 1 and 99, not {share}")
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


@dataclass(frozen=True)
class LevelFigures:
    """One bot at one concurrency level."""

    concurrency: int  # conversations open at the same time
    conversations: int
    answered: int  # messages with an answer (HTTP 200 and a list of bot messages)
    failed: int  # messages without one: an error status, a timeout, a refused connection
    skipped: int  # messages not sent because the level's time budget ran out
    seconds: float  # from the first message to the last answer
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    messages_per_second: float


def level_figures(
    concurrency: int, conversations: int, latencies: Sequence[float], failed: int, skipped: int, seconds: float
) -> LevelFigures:
    """The figures of one level from the latencies (seconds) of the answered messages."""
    p50, p95, p99 = (percentile(latencies, share) for share in PERCENTILES)
    return LevelFigures(
        concurrency=concurrency,
        conversations=conversations,
        answered=len(latencies),
        failed=failed,
        skipped=skipped,
        seconds=round(seconds, 3),
        p50_ms=_milliseconds(p50),
        p95_ms=_milliseconds(p95),
        p99_ms=_milliseconds(p99),
        messages_per_second=round(len(latencies) / seconds, 2) if seconds > 0 else 0.0,
    )


def _milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def ratio(ours: float | None, plain: float | None) -> float | None:
    """ours / plain, rounded; None when either is missing or the plain figure is 0."""
    if ours is None or not plain:
        return None
    return round(ours / plain, 2)


@dataclass(frozen=True)
class LevelRatios:
    """Ours / plain at one concurrency level."""

    concurrency: int
    p50: float | None
    p95: float | None
    p99: float | None
    messages_per_second: float | None


def level_ratios(ours: Sequence[LevelFigures], plain: Sequence[LevelFigures]) -> list[LevelRatios]:
    """Ours / plain for every concurrency level both bots ran, in the order of `ours`."""
    plain_by_level = {figures.concurrency: figures for figures in plain}
    return [
        LevelRatios(
            concurrency=mine.concurrency,
            p50=ratio(mine.p50_ms, theirs.p50_ms),
            p95=ratio(mine.p95_ms, theirs.p95_ms),
            p99=ratio(mine.p99_ms, theirs.p99_ms),
            messages_per_second=ratio(mine.messages_per_second, theirs.messages_per_second),
        )
        for mine in ours
        if (theirs := plain_by_level.get(mine.concurrency)) is not None
    ]
