"""NLU quality on the held-out and out-of-scope sets, dev and frozen test part; fails below the floors.

Runs every sentence of `tests/nlu/heldout/{dev,test}.yml` and `tests/oos/{dev,test}.yml` through
the trained model's NLU and prints, per part:

- intent macro-F1 of the classifier's own intent (before the out-of-scope step; retrieval intents
  such as `faq` count as one intent) and FAQ/chitchat response selection macro-F1;
- how many in-scope sentences become "not understood" (`nlu_fallback` or `out_of_scope`);
- how many out-of-scope messages do (all, and the near-misses around energy), and how many land
  in a sensitive topic, and in crisis;
- for the dev part only: the detector thresholds that reject 2, 3 and 5 % of its in-scope
  sentences, next to the configured one, and the dev messages that went wrong. The test part is read only as
  totals: nobody tunes against its single messages.

It writes `results/calibration/reliability.png` (classifier confidence against accuracy) and
`results/calibration/confidence_histogram.png` (classifier confidence and the out-of-scope
detector's score, in-scope against out-of-scope), both on the test parts.

    python scripts/nlu_report.py [--model models/naadloos.tar.gz] [--out results/calibration]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the model's own NLU components live in the project's package

from naadloos.core.settings import Settings  # noqa: E402
from naadloos.escalation.config import load_escalation_config  # noqa: E402
from naadloos.evaluation.metrics import (  # noqa: E402
    NOT_UNDERSTOOD_INTENTS,
    OUT_OF_SCOPE_INTENT,
    base_intent,
    expected_calibration_error,
    macro_f1,
    not_understood_cause,
    rate,
    reliability_bins,
)
from naadloos.evaluation.model import add_model_argument, load_agent  # noqa: E402
from naadloos.evaluation.sets import (  # noqa: E402
    NEAR_MISS_PREFIX,
    PARTS,
    Example,
    heldout_path,
    out_of_scope_path,
    read_nlu_examples,
    read_out_of_scope,
)

FLOORS = {
    "intent macro-F1": (0.93, "min"),
    "response selection macro-F1": (0.95, "min"),
    "in-scope not understood": (0.05, "max"),
    "out-of-scope not understood": (0.90, "min"),
    "out-of-scope in a sensitive topic": (0.02, "max"),  # as the false-escalation ceiling
    "out-of-scope in crisis": (0.0, "max"),  # a crisis script for a PayPal question: never
}
CRISIS_INTENT = "crisis"
# The detector's threshold is chosen on the dev part; the FallbackClassifier and the safety net
# reject some in-scope sentences too, so the detector alone gets less than the 5 % in total.
DETECTOR_SHARES = (0.02, 0.03, 0.05)
# The rule the configured threshold follows: the whole NLU rejects at most this share of the dev
# in-scope sentences; the floor is 5 %, one point is kept for wording nobody has seen yet.
DEV_REJECTION_TARGET = 0.04
DETECTOR_CAUSES = ("far from every training example", "closer to the out_of_scope examples")
RETRIEVAL_INTENTS = ("faq", "chitchat")


@dataclass
class Parsed:
    example: Example
    intent: str  # what the assistant acts on
    classifier_intent: str  # the classifier's own choice, before the out-of-scope step
    classifier_confidence: float
    topic: str | None  # the response selector's `faq/<topic>` for a retrieval intent
    score: float | None  # the out-of-scope detector's score (nearest-example similarity)
    cause: str = ""  # why the message was not understood, if it was

    @property
    def not_understood(self) -> bool:
        return self.intent in NOT_UNDERSTOOD_INTENTS


def parsed(example: Example, result: dict[str, Any]) -> Parsed:
    scope = result.get("scope") or {}
    classified = scope.get("classified_as") or result.get("intent") or {}
    retrieval = base_intent(example.label)
    selector = ((result.get("response_selector") or {}).get(retrieval) or {}).get("response") or {}
    return Parsed(
        example=example,
        intent=str((result.get("intent") or {}).get("name")),
        classifier_intent=str(classified.get("name")),
        classifier_confidence=float(classified.get("confidence") or 0.0),
        topic=selector.get("intent_response_key"),
        score=scope.get("score"),
        cause=not_understood_cause(result),
    )


async def parse_all(model: Path, examples: list[Example]) -> list[Parsed]:
    agent = load_agent(model)
    return [parsed(example, await agent.parse_message(example.text)) for example in examples]


def figures(in_scope: list[Parsed], out_of_scope: list[Parsed], sensitive_intents: Collection[str]) -> dict[str, float]:
    """The figures of one part. `sensitive_intents`: the intents of the sensitive topics
    (config/escalation.yml)."""
    known = [p for p in in_scope if p.example.label != OUT_OF_SCOPE_INTENT]
    topics = [p for p in in_scope if base_intent(p.example.label) in RETRIEVAL_INTENTS]
    near = [p for p in out_of_scope if p.example.label.startswith(NEAR_MISS_PREFIX)]
    return {
        "intent macro-F1": macro_f1([base_intent(p.example.label) for p in in_scope], [p.classifier_intent for p in in_scope]),
        "response selection macro-F1": macro_f1([p.example.label for p in topics], [str(p.topic) for p in topics]),
        "in-scope not understood": rate(p.not_understood for p in known),
        "out-of-scope not understood": rate(p.not_understood for p in out_of_scope),
        "near-misses not understood": rate(p.not_understood for p in near),
        "out-of-scope in a sensitive topic": rate(p.intent in sensitive_intents for p in out_of_scope),
        "out-of-scope in crisis": rate(p.intent == CRISIS_INTENT for p in out_of_scope),
    }


def print_causes(in_scope: list[Parsed]) -> None:
    """Totals per cause of the in-scope sentences that were not understood."""
    causes = Counter(p.cause for p in in_scope if p.example.label != OUT_OF_SCOPE_INTENT and p.cause)
    if causes:
        print("  in-scope not understood, by cause: " + ", ".join(f"{cause} {n}" for cause, n in causes.most_common()))


def print_figures(part: str, values: dict[str, float], counts: tuple[int, int]) -> bool:
    passed = True
    print(f"\nNLU {part} part ({counts[0]} held-out sentences, {counts[1]} out-of-scope messages)")
    for name, value in values.items():
        floor = FLOORS.get(name)
        verdict = ""
        if floor and part == "test":
            limit, kind = floor
            ok = value >= limit if kind == "min" else value <= limit
            passed &= ok
            verdict = f"   ({'at least' if kind == 'min' else 'at most'} {limit:.2f}){'' if ok else '   FAILED'}"
        print(f"  {name:<36}{value:>7.3f}{verdict}")
    return passed


def print_dev_details(in_scope: list[Parsed], out_of_scope: list[Parsed], configured: float | None) -> None:
    scores = sorted(p.score for p in in_scope if p.score is not None and p.example.label != OUT_OF_SCOPE_INTENT)
    if scores:
        supported = ", ".join(f"{share:.0%}: {scores[int(share * len(scores))]:.3f}" for share in DETECTOR_SHARES)
        print(f"  detector threshold that alone rejects this share of dev in-scope sentences: {supported} "
              f"(configured: {configured})")
    threshold = threshold_for_total_rejection(in_scope, DEV_REJECTION_TARGET)
    if threshold is not None:
        print(f"  detector threshold at which the whole NLU rejects {DEV_REJECTION_TARGET:.0%} of dev in-scope "
              f"sentences (the rule for the configured one): {threshold:.3f}")
    wrong = [p for p in in_scope if p.example.label != OUT_OF_SCOPE_INTENT and p.not_understood]
    wrong += [p for p in out_of_scope if not p.not_understood]
    wrong += [p for p in in_scope if base_intent(p.example.label) != p.classifier_intent]
    if wrong:
        print("  dev messages that went wrong (expected -> classifier / final intent, detector score):")
        for p in wrong:
            score = f"{p.score:.2f}" if p.score is not None else "-"
            print(f"  - {p.example.label} -> {p.classifier_intent} {p.classifier_confidence:.2f} / {p.intent}, "
                  f"{score}: {p.example.text}")


def threshold_for_total_rejection(in_scope: list[Parsed], target: float) -> float | None:
    """The highest detector threshold at which the in-scope sentences rejected for another cause
    plus those scoring below it stay within `target` of all in-scope sentences."""
    known = [p for p in in_scope if p.example.label != OUT_OF_SCOPE_INTENT]
    rejected_otherwise = sum(1 for p in known if p.cause and p.cause not in DETECTOR_CAUSES)
    allowed = int(target * len(known)) - rejected_otherwise
    scores = sorted(p.score for p in known if p.score is not None and not (p.cause and p.cause not in DETECTOR_CAUSES))
    if not scores or allowed < 0:
        return None
    return scores[min(allowed, len(scores) - 1)]


def configured_threshold() -> float | None:
    import yaml

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    return next((step.get("threshold") for step in pipeline if step["name"].endswith("OutOfScopeDetector")), None)


def plot(in_scope: list[Parsed], out_of_scope: list[Parsed], out: Path) -> None:
    """The reliability diagram and the confidence histograms, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    everything = in_scope + out_of_scope
    confidences = [p.classifier_confidence for p in everything]
    correct = [base_intent(p.example.label) == p.classifier_intent for p in in_scope]
    correct += [p.classifier_intent == OUT_OF_SCOPE_INTENT for p in out_of_scope]
    rows = reliability_bins(confidences, correct)
    figure, axis = plt.subplots(figsize=(6, 5))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axis.plot([r[0] for r in rows], [r[1] for r in rows], marker="o", label="classifier (DIET)")
    for confidence, accuracy, count in rows:
        axis.annotate(str(count), (confidence, accuracy), textcoords="offset points", xytext=(4, -10), fontsize=7)
    axis.set(xlabel="confidence of the classifier", ylabel="share correct", xlim=(0, 1), ylim=(0, 1.02),
             title=f"Reliability on the test parts (ECE {expected_calibration_error(confidences, correct):.2f})")
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(out / "reliability.png", dpi=110)
    plt.close(figure)

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    known = [p for p in in_scope if p.example.label != OUT_OF_SCOPE_INTENT]
    for axis, value, title in [
        (left, lambda p: p.classifier_confidence, "confidence of the classifier"),
        (right, lambda p: p.score, "out-of-scope detector score (nearest examples)"),
    ]:
        inside = [value(p) for p in known if value(p) is not None]
        outside = [value(p) for p in out_of_scope if value(p) is not None]
        axis.hist([inside, outside], bins=20, range=(-0.2, 1) if axis is right else (0, 1),
                  label=["in scope (held-out)", "out of scope"], color=["tab:blue", "tab:red"])
        axis.set(xlabel=title, ylabel="messages")
        axis.legend(loc="upper left")
    threshold = configured_threshold()
    if threshold is not None:
        right.axvline(threshold, color="black", linestyle="--")
        right.annotate("threshold", (threshold, right.get_ylim()[1] * 0.9), xytext=(4, 0), textcoords="offset points")
    figure.suptitle("In scope against out of scope, test parts")
    figure.tight_layout()
    figure.savefig(out / "confidence_histogram.png", dpi=110)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_argument(parser, ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "calibration")
    args = parser.parse_args()
    sensitive_intents = load_escalation_config(Settings.from_environment().escalation_file).sensitive_intents()
    sets = {
        part: (read_nlu_examples([heldout_path(ROOT, part)]), read_out_of_scope(out_of_scope_path(ROOT, part)))
        for part in PARTS
    }
    everything = [example for part in PARTS for examples in sets[part] for example in examples]
    results = iter(asyncio.run(parse_all(args.model, everything)))
    passed = True
    for part in PARTS:
        in_scope = [next(results) for _ in sets[part][0]]
        out_of_scope = [next(results) for _ in sets[part][1]]
        passed &= print_figures(part, figures(in_scope, out_of_scope, sensitive_intents), (len(in_scope), len(out_of_scope)))
        print_causes(in_scope)
        if part == "dev":
            print_dev_details(in_scope, out_of_scope, configured_threshold())
        else:
            plot(in_scope, out_of_scope, args.out)
            print(f"  plots: {args.out / 'reliability.png'}, {args.out / 'confidence_histogram.png'}")
    print(f"\nNLU evaluation: {'passed' if passed else 'FAILED (floors on the test part)'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
