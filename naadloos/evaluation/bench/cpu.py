"""Where the time goes during a benchmark level: the CPU seconds (user + system) each bot's
processes used, read from Linux's /proc before and after the level, with everything each process
started counted in. Next to the latency it shows whether Rasa, the action server or the live chat
is the one that works, and how much CPU one answered message costs (ms per message)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from naadloos.evaluation.processes import children_of

# How `scripts/run.sh` starts each of our processes: a piece of its command line -> our name.
OUR_PROCESSES = {"naadloos.core.rasa_server": "rasa", "run actions": "actions", "-m livechat": "livechat"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (0 when it is gone or not on Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def tree(pid: int) -> list[int]:
    """`pid` and every live process below it."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        waiting.extend(children_of(current))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def named_children(pid: int, names: Mapping[str, str] = OUR_PROCESSES) -> dict[str, int]:
    """Our name -> pid, for the processes below `pid` (run.sh) whose command line has a piece of `names`."""
    found = {}
    for child in tree(pid)[1:]:
        line = command_line(child)
        for piece, name in names.items():
            if piece in line and name not in found:
                found[name] = child
    return found


def tree_seconds(pid: int) -> float:
    return sum(cpu_seconds(member) for member in tree(pid))


@dataclass(frozen=True)
class LevelCpu:
    """One bot at one concurrency level: CPU seconds per process, and per answered message."""

    concurrency: int
    answered: int
    seconds: dict[str, float] = field(default_factory=dict)  # process name -> CPU seconds

    @property
    def ms_per_message(self) -> dict[str, float | None]:
        return {name: round(value * 1000 / self.answered, 1) if self.answered else None for name, value in self.seconds.items()}

    def as_dict(self) -> dict[str, object]:
        return {"concurrency": self.concurrency, "answered": self.answered, "cpu_seconds": self.seconds,
                "cpu_ms_per_message": self.ms_per_message}


class CpuMeter:
    """CPU seconds of named processes (each with what it started) between `start()` and `stop()`."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self.pids = dict(pids)
        self._before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {name: tree_seconds(pid) for name, pid in self.pids.items()}

    def start(self) -> None:
        self._before = self._now()

    def stop(self, concurrency: int, answered: int) -> LevelCpu:
        after = self._now()
        used = {name: round(max(0.0, after[name] - self._before.get(name, 0.0)), 2) for name in self.pids}
        return LevelCpu(concurrency, answered, used)


def cpu_text(level: LevelCpu) -> str:
    """"CPU rasa 3.2 s (27 ms/msg), actions 0.8 s (7 ms/msg)" for the progress lines."""
    per_message = level.ms_per_message
    return "CPU " + ", ".join(
        f"{name} {seconds:.1f} s" + (f" ({per_message[name]:.0f} ms/msg)" if per_message[name] is not None else "")
        for name, seconds in level.seconds.items()
    )
