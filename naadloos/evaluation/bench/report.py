"""How a benchmark run is shown and kept: a table in the terminal, `bench.json` with the figures,
the settings and a note on the machine, and `bench.png` with latency and throughput against the
number of conversations at once."""
from __future__ import annotations

import json
import os
import platform
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from naadloos.evaluation.bench.cpu import LevelCpu
from naadloos.evaluation.bench.figures import LevelFigures, LevelRatios

OURS = "naadloos"
PLAIN = "plain_rasa"
LABELS = {OURS: "Naadloos (make run)", PLAIN: "plain rasa init"}


def machine() -> dict[str, Any]:
    """What the figures depend on: processor, cores, memory, Python, and the load before the run
    (the machine may be shared)."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def ms_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def times_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def progress(bot: str, figures: LevelFigures) -> str:
    """One line while the benchmark runs: a bot at one level."""
    return (
        f"{figures.concurrency:>3} at once, {LABELS[bot]:<20} p50 {ms_text(figures.p50_ms):>5} ms, "
        f"p95 {ms_text(figures.p95_ms):>5} ms, {figures.messages_per_second:6.1f} msg/s"
        + (f", {figures.failed} failed" if figures.failed else "")
        + (f", {figures.skipped} skipped (time budget)" if figures.skipped else "")
    )


def _row(first: str, label: str, counts: tuple[str, str, str], figures: tuple[str, str, str, str]) -> str:
    answered, failed, skipped = counts
    p50, p95, p99, per_second = figures
    return (f"{first:>7}  {label:<20} {answered:>8} {failed:>6} {skipped:>7} "
            f"{p50:>7} {p95:>7} {p99:>7} {per_second:>7}")


def table(results: Mapping[str, Sequence[LevelFigures]], ratios: Sequence[LevelRatios]) -> str:
    """The figures per level, both bots and ours / plain under each other."""
    lines = [_row("at once", "bot", ("answered", "failed", "skipped"), ("p50 ms", "p95 ms", "p99 ms", "msg/s"))]
    ratio_by_level = {ratio.concurrency: ratio for ratio in ratios}
    for plain in results.get(PLAIN, ()):
        ours = next((figures for figures in results.get(OURS, ()) if figures.concurrency == plain.concurrency), None)
        for name, figures in ((PLAIN, plain), (OURS, ours)):
            if figures is not None:
                lines.append(_row(
                    str(figures.concurrency), LABELS[name],
                    (str(figures.answered), str(figures.failed), str(figures.skipped)),
                    (ms_text(figures.p50_ms), ms_text(figures.p95_ms), ms_text(figures.p99_ms),
                     f"{figures.messages_per_second:.1f}"),
                ))
        ratio = ratio_by_level.get(plain.concurrency)
        if ratio is not None:
            lines.append(_row(
                "", "ours / plain", ("", "", ""),
                (times_text(ratio.p50), times_text(ratio.p95), times_text(ratio.p99), times_text(ratio.messages_per_second)),
            ))
    return "\n".join(lines)


def cpu_table(cpu: Mapping[str, Sequence[LevelCpu]]) -> str:
    """CPU seconds per process and level, and CPU ms per answered message: where the time goes."""
    lines = [f"{'at once':>7}  {'bot':<20} {'process':<9} {'CPU s':>7} {'ms/msg':>7}"]
    levels = sorted({level.concurrency for found in cpu.values() for level in found})
    for concurrency in levels:
        for name in (PLAIN, OURS):
            for level in (found for found in cpu.get(name, ()) if found.concurrency == concurrency):
                per_message = level.ms_per_message
                for process, seconds in level.seconds.items():
                    shown = per_message[process]
                    lines.append(f"{concurrency:>7}  {LABELS[name]:<20} {process:<9} {seconds:>7.1f} "
                                 f"{'-' if shown is None else f'{shown:.0f}':>7}")
    return "\n".join(lines)


def failure_summary(failures: Mapping[str, Sequence[str]]) -> str:
    """"plain rasa init: 3 x timeout" lines; empty when nothing failed."""
    return "\n".join(
        f"{LABELS[name]}: " + ", ".join(f"{count} x {what}" for what, count in Counter(found).most_common())
        for name, found in failures.items()
        if found
    )


def error_lines(logs: Path) -> dict[str, list[str]]:
    """The ERROR lines of every log under `logs`, per log (relative name), logs without one left
    out: a message can be answered while an action behind it failed."""
    found = {}
    for log in sorted(logs.rglob("*.log")):
        lines = [line.strip() for line in _read(str(log)).splitlines() if " ERROR " in line]
        if lines:
            found[str(log.relative_to(logs))] = lines
    return found


def error_summary(errors: Mapping[str, Sequence[str]]) -> str:
    """"naadloos/rasa.log: 3 ERROR lines, the first: ..." lines; empty without errors."""
    return "\n".join(f"{log}: {len(lines)} ERROR lines, the first: {lines[0]}" for log, lines in errors.items())


def write_json(
    path: Path,
    results: Mapping[str, Sequence[LevelFigures]],
    ratios: Sequence[LevelRatios],
    settings: Mapping[str, Any],
    about: Mapping[str, Any],
    cpu: Mapping[str, Sequence[LevelCpu]] | None = None,
) -> None:
    document = {
        "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        **about,
        "settings": dict(settings),
        "results": {name: [asdict(figures) for figures in levels] for name, levels in results.items()},
        "ratios_ours_to_plain": [asdict(ratio) for ratio in ratios],
        "cpu_per_process": {name: [level.as_dict() for level in levels] for name, levels in (cpu or {}).items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def plot(path: Path, results: Mapping[str, Sequence[LevelFigures]], title: str) -> None:
    """Latency (p50, p95, p99) and messages per second against conversations at once, both bots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, colour in ((PLAIN, "tab:gray"), (OURS, "tab:blue")):
        levels = [figures for figures in results.get(name, ()) if figures.answered]
        if not levels:
            continue
        at_once = [figures.concurrency for figures in levels]
        for attribute, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
            latency.plot(at_once, [getattr(figures, attribute) for figures in levels], style, marker="o", color=colour,
                         label=f"{LABELS[name]} {attribute.split('_')[0]}")
        throughput.plot(at_once, [figures.messages_per_second for figures in levels], "-", marker="o", color=colour,
                        label=LABELS[name])
    ticks = sorted({figures.concurrency for levels in results.values() for figures in levels})
    for axis in (latency, throughput):
        axis.set_xscale("log")
        axis.set_xticks(ticks)
        axis.set_xticklabels([str(tick) for tick in ticks])
        axis.set_xlabel("conversations at once")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    latency.set_yscale("log")
    latency.set_ylabel("latency per message (ms)")
    throughput.set_ylabel("messages per second")
    throughput.set_ylim(bottom=0)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
