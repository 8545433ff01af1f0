"""`make bench`: how fast our assistant answers next to a plain Rasa bot of the same version, on this
machine. It is a benchmark, not a test: it prints figures and keeps them, it does not judge them.

Both bots run at the same time on loopback ports: ours as `make run` starts it (scripts/run.sh:
action server, Rasa with our model, the live chat, with a scratch var folder and an organisation
that is always open), the plain one as `rasa init --no-prompt` creates it (trained once per Rasa
version, kept in the var folder). Then, for 1, 10 and 50 conversations at once, both get the same
number of conversations of 6 messages through the REST channel (`/webhooks/rest/webhook`), one
bot after the other, each once the machine is quiet again: ours a mix of a greeting, FAQ
questions (the held-out dev sentences), the meter-reading form and, in one conversation in five, a
request for a colleague; the plain bot its own greetings and moods. Every message has a timeout and every level a time budget.

It prints p50, p95 and p99 latency per message and messages per second for both bots and ours /
plain, and the CPU seconds each process used per level and per answered message (ours: Rasa, the
action server, the live chat, each with what it started), so it is clear where the time goes. It
writes `results/bench.json` and `results/bench.png` (latency and throughput against conversations
at once), and the logs of both bots to `results/bench-logs/`. Everything it started is stopped
when it ends, also after Ctrl-C or an error.

    python scripts/bench.py                   # 1, 10 and 50 at once (about 10 minutes; the first run trains the plain bot)
    python scripts/bench.py --quick           # a smoke run: 1 and 5 at once, 5 conversations, short budgets
    python scripts/bench.py --levels 1,20 --messages 8 --conversations 40

Exit status: 0 when every message was answered, 1 when messages failed or a bot did not start,
2 without a trained model (`make train`), 130 after Ctrl-C.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from naadloos.core.settings import Settings  # noqa: E402
from naadloos.evaluation.bench import baseline, report  # noqa: E402
from naadloos.evaluation.bench.cpu import CpuMeter, LevelCpu, cpu_text, named_children  # noqa: E402
from naadloos.evaluation.bench.figures import LevelFigures, level_figures, level_ratios  # noqa: E402
from naadloos.evaluation.bench.load import drive, wait_until_quiet  # noqa: E402
from naadloos.evaluation.bench.mix import (  # noqa: E402
    HANDOVER_EVERY,
    check_messages,
    conversation_count,
    our_conversation,
    plain_conversation,
)
from naadloos.evaluation.processes import (  # noqa: E402
    MODEL,
    StartupError,
    always_open_organisation,
    free_port,
    run_env,
    start_system,
    stop_process,
    stop_run_script,
    wait_for_url,
)
from naadloos.evaluation.sets import heldout_path, read_nlu_examples  # noqa: E402

LEVELS = (1, 10, 50)
MESSAGES = 6
CONVERSATIONS = 20  # at least this many per level: 120 messages, enough for a p99 one at a time
LEVEL_SECONDS = 180.0  # per bot and level; what is not sent by then is skipped
TIMEOUT_SECONDS = 60.0  # per message
QUICK = {"levels": (1, 5), "conversations": 5, "level_seconds": 30.0, "timeout": 20.0}
BASELINE_STARTUP_SECONDS = 240.0
WARM_UP_CONVERSATIONS = HANDOVER_EVERY  # one of every kind of our conversations, before measuring
QUIET_SECONDS = 20.0  # before each measured run, wait at most this long for the machine to be quiet


def levels(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"levels are whole numbers separated by commas, not {text!r}") from None
    if not values or values[0] < 1 or values[-1] > 200:
        raise argparse.ArgumentTypeError("levels are between 1 and 200 conversations at once")
    return values


def messages(text: str) -> int:
    try:
        return check_messages(int(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: levels 1,5, 5 conversations, short budgets")
    parser.add_argument("--levels", type=levels, help=f"conversations at once (default {','.join(map(str, LEVELS))})")
    parser.add_argument("--messages", type=messages, default=MESSAGES, help=f"messages per conversation (default {MESSAGES})")
    parser.add_argument("--conversations", type=int, help=f"conversations per level, at least (default {CONVERSATIONS})")
    parser.add_argument("--level-seconds", type=float, help=f"time budget per bot and level (default {LEVEL_SECONDS:.0f})")
    parser.add_argument("--timeout", type=float, help=f"seconds per message (default {TIMEOUT_SECONDS:.0f})")
    parser.add_argument("--retrain-baseline", action="store_true", help="train the plain bot again, not the kept model")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="where bench.json, bench.png and bench-logs/ go")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else {
        "levels": LEVELS, "conversations": CONVERSATIONS, "level_seconds": LEVEL_SECONDS, "timeout": TIMEOUT_SECONDS,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.conversations < 1 or args.level_seconds <= 0 or args.timeout <= 0:
        parser.error("--conversations, --level-seconds and --timeout must be positive")
    return args


def faq_questions() -> list[str]:
    """The FAQ sentences of the held-out dev set: customers' words the model did not train on."""
    return [example.text for example in read_nlu_examples([heldout_path(ROOT, "dev")]) if example.label.startswith("faq/")]


class Bench:
    """Both bots' addresses and the run's settings; measures level by level."""

    def __init__(self, args: argparse.Namespace, urls: dict[str, str], questions: list[str],
                 meters: dict[str, CpuMeter]) -> None:
        self.args = args
        self.urls = urls
        self.questions = questions
        self.meters = meters
        self.run_id = uuid.uuid4().hex[:8]
        self.cpu: dict[str, list[LevelCpu]] = {bot: [] for bot in urls}

    def conversations(self, bot: str, count: int) -> list[list[str]]:
        if bot == report.OURS:
            return [our_conversation(index, self.args.messages, self.questions) for index in range(count)]
        return [plain_conversation(index, self.args.messages) for index in range(count)]

    async def measure(self) -> tuple[dict[str, list[LevelFigures]], dict[str, list[str]]]:
        results: dict[str, list[LevelFigures]] = {bot: [] for bot in self.urls}
        failures: dict[str, list[str]] = {bot: [] for bot in self.urls}
        for bot, url in self.urls.items():  # the first messages load what the bots load lazily
            await drive(url, self.conversations(bot, WARM_UP_CONVERSATIONS), 1, f"bench-{self.run_id}-warm-up",
                        self.args.level_seconds, self.args.timeout)
        for level in self.args.levels:
            count = conversation_count(level, self.args.conversations)
            for bot, url in self.urls.items():
                await wait_until_quiet(QUIET_SECONDS)
                self.meters[bot].start()
                samples = await drive(url, self.conversations(bot, count), level, f"bench-{self.run_id}-{level}",
                                      self.args.level_seconds, self.args.timeout)
                cpu = self.meters[bot].stop(level, len(samples.latencies))
                figures = level_figures(level, count, samples.latencies, len(samples.failures), samples.skipped, samples.seconds)
                results[bot].append(figures)
                failures[bot].extend(samples.failures)
                self.cpu[bot].append(cpu)
                print(f"bench: {report.progress(bot, figures)}; {cpu_text(cpu)}", flush=True)
        return results, failures


def plain_model(var_dir: Path, project: Path, env: dict[str, str], log: Path, retrain: bool) -> Path:
    model = baseline.cached_model(var_dir)
    if retrain or not model.exists():
        print(f"bench: training the plain rasa init bot once for Rasa {baseline.rasa_version()} (a few minutes; "
              f"kept in {model})...", flush=True)
        baseline.train(project, model, env, log)
    return model


Measured = tuple[dict[str, list[LevelFigures]], dict[str, list[str]], dict[str, list[LevelCpu]]]


def run(args: argparse.Namespace, work: Path, logs: Path) -> Measured:
    """Starts both bots, measures, stops them (also after an error or Ctrl-C)."""
    questions = faq_questions()
    plain_env = {**os.environ, "PYTHONUNBUFFERED": "1", "RASA_TELEMETRY_ENABLED": "false"}
    plain_log = logs / "plain-rasa.log"
    project = baseline.create_project(work / "plain-rasa")
    model = plain_model(Settings.from_environment().var_dir, project, plain_env, plain_log, args.retrain_baseline)
    with ExitStack() as running:
        plain_port = free_port()
        print("bench: starting the plain bot and Naadloos (scripts/run.sh; loading the models takes a minute or two)...",
              flush=True)
        plain = baseline.start(project, model, plain_port, plain_env, plain_log)
        running.callback(stop_process, plain)
        ours_work = work / "naadloos"
        ours_work.mkdir()
        ports = {"actions": free_port(), "rasa": free_port(), "livechat": free_port()}
        env = run_env(ours_work, ports, NAADLOOS_ORGANISATION_FILE=str(always_open_organisation(ours_work)))
        running.callback(copy_logs, ours_work / "var", logs / "naadloos")
        system = start_system(ours_work, env, ports)
        running.callback(stop_run_script, system.process)
        wait_for_url(f"http://127.0.0.1:{plain_port}/status", plain, plain_log, BASELINE_STARTUP_SECONDS)
        urls = {report.PLAIN: f"http://127.0.0.1:{plain_port}", report.OURS: system.rasa}
        meters = {report.PLAIN: CpuMeter({"rasa": plain.pid}), report.OURS: CpuMeter(named_children(system.process.pid))}
        print(f"bench: both run; levels {', '.join(map(str, args.levels))}, {args.messages} messages per conversation",
              flush=True)
        bench = Bench(args, urls, questions, meters)
        results, failures = asyncio.run(bench.measure())
        return results, failures, bench.cpu


def copy_logs(var: Path, target: Path) -> None:
    """The services' logs of our stack's scratch var folder, kept after the run."""
    if var.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for log in var.glob("*.log"):
            shutil.copy2(log, target / log.name)


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "levels": list(args.levels),
        "messages_per_conversation": args.messages,
        "conversations_per_level_at_least": args.conversations,
        "level_seconds": args.level_seconds,
        "timeout_seconds": args.timeout,
        "handover_every": HANDOVER_EVERY,
        "quick": args.quick,
        "channel": "rest",
        "model": str(MODEL.relative_to(ROOT)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not MODEL.exists():
        print(f"bench: no trained model at {MODEL.relative_to(ROOT)}: run `make train` first.", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as after Ctrl-C: everything started is stopped
    about = {"rasa_version": baseline.rasa_version(), "machine": report.machine()}
    logs = args.out / "bench-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix="naadloos-bench-") as scratch:
            results, failures, cpu = run(args, Path(scratch), logs)
    except KeyboardInterrupt:
        print("\nbench: stopped; everything it started is stopped too.", file=sys.stderr)
        return 130
    except (StartupError, RuntimeError, OSError) as error:
        print(f"bench: {error}\nbench: the logs are in {shown(logs)}", file=sys.stderr)
        return 1
    ratios = level_ratios(results[report.OURS], results[report.PLAIN])
    errors = report.error_lines(logs)
    about["log_errors"] = {log: len(lines) for log, lines in errors.items()}
    print()
    print(report.table(results, ratios))
    print()
    print(report.cpu_table(cpu))
    json_path, png_path = args.out / "bench.json", args.out / "bench.png"
    report.write_json(json_path, results, ratios, settings_of(args), about, cpu)
    report.plot(png_path, results, f"REST channel, {args.messages} messages per conversation, Rasa {about['rasa_version']}, "
                f"{about['machine']['cores']} cores")
    print(f"\nbench: written {shown(json_path)} and {shown(png_path)}; logs in {shown(logs)}")
    if errors:
        print(f"bench: errors in the bots' logs (answered messages may hide a failed action):\n{report.error_summary(errors)}",
              file=sys.stderr)
    failed = report.failure_summary(failures)
    if failed:
        print(f"bench: messages failed (the figures count only answered ones):\n{failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
