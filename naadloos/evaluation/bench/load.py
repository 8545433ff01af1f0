"""The load: conversations through Rasa's REST channel (`POST /webhooks/rest/webhook`), at most
`concurrency` open at the same time, each sending its messages one after the other and waiting
for the answer before the next (as a customer does). Bounded: every message has a timeout, and a
level stops sending when its time budget runs out (the messages not sent are counted as skipped)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

REST_WEBHOOK = "/webhooks/rest/webhook"
QUIET_SHARE = 0.25  # the machine counts as quiet below this share of busy CPU time
QUIET_WINDOW_SECONDS = 0.5


@dataclass
class Samples:
    """What one level measured."""

    latencies: list[float] = field(default_factory=list)  # seconds per answered message
    failures: list[str] = field(default_factory=list)  # what went wrong, one entry per failed message
    skipped: int = 0
    seconds: float = 0.0  # wall time of the level


async def _send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> str:
    """Posts one message; "" when it was answered, otherwise what went wrong."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
            if response.status != 200:
                return f"HTTP {response.status}"
            return "" if isinstance(body, list) else "an answer that is not a list of bot messages"
    except asyncio.TimeoutError:
        return "timeout"
    except (aiohttp.ClientError, ValueError) as error:
        return f"{type(error).__name__}"


async def drive(
    base_url: str,
    conversations: Sequence[Sequence[str]],
    concurrency: int,
    sender_prefix: str,
    budget_seconds: float,
    timeout_seconds: float,
) -> Samples:
    """Runs `conversations` against the bot at `base_url`, `concurrency` at a time; conversation `i`
    is the sender `<sender_prefix>-<i>`."""
    samples = Samples()
    url = base_url.rstrip("/") + REST_WEBHOOK
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    deadline = started + budget_seconds

    async def converse(session: aiohttp.ClientSession, sender: str, messages: Sequence[str]) -> None:
        async with gate:
            for sent, text in enumerate(messages):
                if time.perf_counter() > deadline:
                    samples.skipped += len(messages) - sent
                    return
                before = time.perf_counter()
                failure = await _send(session, url, sender, text)
                if failure:
                    samples.failures.append(failure)
                else:
                    samples.latencies.append(time.perf_counter() - before)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(converse(session, f"{sender_prefix}-{index}", messages) for index, messages in enumerate(conversations))
        )
    samples.seconds = time.perf_counter() - started
    return samples


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (Linux /proc/stat); (0, 0) elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of CPU time that was busy between two `_cpu_times` readings (0 when none passed)."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0


async def wait_until_quiet(max_seconds: float) -> float:
    """Waits until the machine is quiet (below `QUIET_SHARE` busy over half a second), at most
    `max_seconds`, so that work a bot still does after its last answer (an event broker's posts,
    for one) is not measured as the next bot's. The last busy share seen."""
    deadline = time.monotonic() + max_seconds
    while True:
        before = _cpu_times()
        await asyncio.sleep(QUIET_WINDOW_SECONDS)
        share = busy_share(before, _cpu_times())
        if share < QUIET_SHARE or time.monotonic() >= deadline:
            return share
