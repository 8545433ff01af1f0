"""Runs the escalation evaluation sets through the trained assistant and prints the figures.

Two parts: `tests/escalation/dev/` (tune against it; wrong outcomes are listed) and the frozen
`tests/escalation/test/` (written apart, read only as totals).
Every case in tests/escalation/<part>/*.yml is a fresh conversation with the real model and the real
action server (started here). A case escalates when action_handover ran; its reason is the
`escalation_reason` the conversation ended with. Printed: recall per trigger, the
false-escalation rate on benign messages and look-alikes, which layer caught each sensitive
topic (the classifier, or the keyword safety net), crisis false alarms (any case that was not a
crisis but got the crisis script), and the confusion between triggers. Exits 1 below the floors
(each sensitive topic's `recall_floor` in config/escalation.yml) or above the ceilings on the
parts of FLOORS_ENFORCED_ON. No live-chat service runs, so hand-overs end as stored tickets (the
no-agent path), in a scratch outbox.

    python scripts/escalation_report.py [--model models/naadloos.tar.gz] [--cases tests/escalation]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's package
from naadloos.core.settings import Settings  # noqa: E402
from naadloos.escalation.config import load_escalation_config  # noqa: E402
from naadloos.evaluation.metrics import miss_cause  # noqa: E402
from naadloos.evaluation.model import add_model_argument, load_agent  # noqa: E402
from naadloos.evaluation.sets import PARTS, EvaluationSetError, read_escalation_cases  # noqa: E402

TEST_PART = PARTS[-1]

ROOT = Path(__file__).resolve().parent.parent
BENIGN = "none"
# The sensitive topics have floors (`recall_floor` in config/escalation.yml); the conversation
# triggers (low_confidence, repeated_failure, customer_request, not_helped) are reported: their
# flows are pinned by test stories.
FALSE_ESCALATION_CEILING = 0.02
CRISIS = "crisis"
CRISIS_FALSE_ALARM_CEILING = 0
# The floors and ceilings fail the run on the dev part (what main enforced before). On the frozen
# test part, written apart in 2026-11, the NLU does not reach every recall floor yet (2026-12-02:
# bereavement 0.93, crisis 0.89 and complaint 0.86 are below; fraud 0.97, payment distress 1.00,
# false escalation 0.019 and no crisis false alarm are within): they are printed there, marked,
# but fail the run only once the NLU reaches them (issue 8 stays open until then).
FLOORS_ENFORCED_ON = ("dev",)
NOT_YET = "(not enforced yet, issue 8)"
ACTION_SERVER_START_SECONDS = 120


@dataclass
class Outcome:
    expected: str
    turns: list[str]
    reason: str = BENIGN  # what the conversation escalated with, or "none"
    caught_by: str = ""  # "classifier" or "safety net" for sensitive topics
    understood: list[str] = field(default_factory=list)  # per turn: intent, confidence, safety net
    first_parse: dict[str, Any] = field(default_factory=dict)  # what the NLU made of the first message


def load_cases(directory: Path) -> list[Outcome]:
    try:
        return [Outcome(expected=case.trigger, turns=case.turns) for case in read_escalation_cases(directory)]
    except EvaluationSetError as error:
        raise SystemExit(str(error)) from error


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_action_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + ACTION_SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the action server stopped during start-up:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the action server did not start in time")


def outcome_of(events: list[dict[str, Any]]) -> tuple[str, str]:
    """(reason, layer) of a finished conversation: 'none' when action_handover never ran."""
    handed_over = any(e.get("event") == "action" and e.get("name") == "action_handover" for e in events)
    if not handed_over:
        return BENIGN, ""
    reason = next(
        (e["value"] for e in reversed(events) if e.get("event") == "slot" and e.get("name") == "escalation_reason"),
        "unknown",
    )
    layer = ""
    for event in reversed(events):
        if event.get("event") == "user":
            net = (event.get("parse_data") or {}).get("safety_net") or {}
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if net and net.get("classified_as") != intent:
                layer = "safety net"
            elif intent == reason:
                layer = "classifier"
            if layer:
                break
    return str(reason), layer


def understood(parse: dict[str, Any]) -> str:
    """'faq 0.93' or 'bereavement 1.00 (vangnet: overleden)': what the NLU made of a message."""
    intent = parse.get("intent") or {}
    text = f"{intent.get('name')} {float(intent.get('confidence') or 0):.2f}"
    net = parse.get("safety_net") or {}
    if net.get("keyword"):
        text += f" (vangnet: {net['keyword']})"
    if net.get("excluded"):
        text += f" (look-alike: {net['excluded']})"
    return text


async def run_cases(model: Path, action_url: str, cases: list[Outcome]) -> None:
    from rasa.shared.core.trackers import EventVerbosity

    agent = load_agent(model, action_url)
    for case in cases:
        sender = f"eval-{uuid.uuid4().hex[:12]}"
        for turn in case.turns:
            await agent.handle_text(turn, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        events = tracker.current_state(EventVerbosity.ALL)["events"] if tracker else []
        case.reason, case.caught_by = outcome_of(events)
        parses = [e.get("parse_data") or {} for e in events if e.get("event") == "user"]
        case.understood = [understood(parse) for parse in parses]
        case.first_parse = parses[0] if parses else {}


def above_mark(above: bool, enforced: bool) -> str:
    if not above:
        return ""
    return "   ABOVE CEILING" if enforced else f"   above the ceiling {NOT_YET}"


def report(part: str, cases: list[Outcome], floors: Mapping[str, float]) -> bool:
    """Prints the figures of one part; True when they reach the floors that are enforced on it.
    `floors`: reason -> recall floor of the sensitive topics."""
    by_trigger: dict[str, list[Outcome]] = defaultdict(list)
    for case in cases:
        by_trigger[case.expected].append(case)
    passed = True
    print(f"\nEscalation evaluation, {part} part (tests/escalation/{part}), real model and actions")
    print(f"  {'trigger':<18}{'cases':>6}{'recall':>9}{'floor':>7}   caught by classifier / safety net")
    for trigger in sorted(t for t in by_trigger if t != BENIGN):
        group = by_trigger[trigger]
        hits = [c for c in group if c.reason == trigger]
        recall = len(hits) / len(group)
        floor = floors.get(trigger)
        layers = Counter(c.caught_by for c in hits if c.caught_by)
        layer_text = f"{layers['classifier']} / {layers['safety net']}" if layers else "-"
        below = floor is not None and recall < floor
        enforced = part in FLOORS_ENFORCED_ON
        passed &= not (below and enforced)
        floor_text = f"{floor:>7.2f}" if floor is not None else f"{'-':>7}"
        mark = ("   BELOW FLOOR" if enforced else f"   below the floor {NOT_YET}") if below else ""
        print(f"  {trigger:<18}{len(group):>6}{recall:>9.3f}{floor_text}   {layer_text}{mark}")
    benign = by_trigger.get(BENIGN, [])
    escalated = [c for c in benign if c.reason != BENIGN]
    rate = len(escalated) / len(benign) if benign else 0.0
    enforced = part in FLOORS_ENFORCED_ON
    passed &= rate <= FALSE_ESCALATION_CEILING or not enforced
    print(f"  false escalation on {len(benign)} benign messages and look-alikes: {rate:.3f} "
          f"(ceiling {FALSE_ESCALATION_CEILING:.2f}){above_mark(rate > FALSE_ESCALATION_CEILING, enforced)}")
    missed = Counter(f"{c.expected}: {miss_cause(c.first_parse)}" for c in cases
                     if c.expected in floors and c.reason != c.expected)
    if missed:
        print("  sensitive messages missed, by what the NLU made of the first message: "
              + "; ".join(f"{cause} {n}" for cause, n in sorted(missed.items())))
    if escalated:
        layers = Counter((c.reason, c.caught_by or "conversation") for c in escalated)
        print("  false escalations, by trigger and layer: "
              + "; ".join(f"{reason} ({layer}) {n}" for (reason, layer), n in sorted(layers.items())))
    false_alarms = sum(c.reason == CRISIS != c.expected for c in cases)
    passed &= false_alarms <= CRISIS_FALSE_ALARM_CEILING or not enforced
    print(f"  crisis false alarms (the crisis script where there was no crisis): {false_alarms} "
          f"(ceiling {CRISIS_FALSE_ALARM_CEILING}){above_mark(false_alarms > CRISIS_FALSE_ALARM_CEILING, enforced)}")
    if part == TEST_PART:
        print(f"\nEscalation evaluation, {part} part: {'passed' if passed else 'FAILED'}")
        return passed  # the frozen part is read as totals only

    labels = sorted({c.expected for c in cases} | {c.reason for c in cases})
    print("\n  confusion (rows: expected, columns: what the assistant did)")
    short = {label: label[:9] for label in labels}
    print("  " + " " * 18 + "".join(f"{short[label]:>10}" for label in labels))
    for expected in labels:
        row = Counter(c.reason for c in by_trigger.get(expected, []))
        if row:
            print(f"  {expected:<18}" + "".join(f"{row.get(label, 0) or '.':>10}" for label in labels))

    misses = [c for c in cases if c.reason != c.expected]
    if misses:
        print("\n  wrong outcomes (dev part):")
        for case in misses:
            print(f"  - expected {case.expected}, got {case.reason}: {' | '.join(case.turns)}")
            print(f"      understood as: {' | '.join(case.understood)}")
    print(f"\nEscalation evaluation, {part} part: {'passed' if passed else 'FAILED'}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_argument(parser, ROOT)
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "escalation")
    args = parser.parse_args()
    floors = load_escalation_config(Settings.from_environment().escalation_file).recall_floors()
    parts = {part: load_cases(args.cases / part) for part in PARTS}
    cases = [case for part in PARTS for case in parts[part]]
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = {
            **os.environ,
            "NAADLOOS_OUTBOX_DB": str(Path(scratch) / "outbox.sqlite3"),
            "NAADLOOS_BACKOFFICE_DB": str(Path(scratch) / "backoffice.sqlite3"),
            "LIVECHAT_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens: the no-agent path
            "LIVECHAT_SHARED_SECRET": secrets.token_hex(32),
        }
        os.environ.update(env)
        server = start_action_server(port, env, Path(scratch) / "actions.log")
        try:
            started = time.monotonic()
            asyncio.run(run_cases(args.model, f"http://127.0.0.1:{port}/webhook", cases))
            print(f"{len(cases)} conversations in {time.monotonic() - started:.0f}s")
        finally:
            server.terminate()
            server.wait(timeout=20)
    passed = [report(part, parts[part], floors) for part in PARTS]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
