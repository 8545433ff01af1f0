"""Evaluation sets and the figures computed on them: one home for the report scripts and tests.

Every evaluation set has a *dev* part (tune against it, read single messages) and a frozen *test*
part (written apart, read only as totals; the floors are enforced on it):

- `tests/nlu/heldout/{dev,test}.yml`: in-scope sentences per intent (Rasa NLU format);
- `tests/oos/{dev,test}.yml`: messages the assistant cannot answer, per category;
- `tests/escalation/{dev,test}/<trigger>.yml`: conversations per escalation trigger.
"""
from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from naadloos.parse_data import NLU_FALLBACK, VERDICT_FAR, VERDICT_NO_WORDS, VERDICT_OUT_OF_SCOPE, scope_of

PARTS = ("dev", "test")
OUT_OF_SCOPE_INTENT = "out_of_scope"
NOT_UNDERSTOOD_INTENTS = frozenset({NLU_FALLBACK, OUT_OF_SCOPE_INTENT})
NEAR_MISS_PREFIX = "near_miss_"

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class EvaluationSetError(ValueError):
    """An evaluation file that does not have the expected shape; the message names the file."""


@dataclass(frozen=True)
class Example:
    label: str  # the intent (`faq/tariffs` for a retrieval intent), or the category of an OOS message
    text: str


def plain_text(example: str) -> str:
    """The example as a customer types it: `[1234 AB](postcode)` becomes `1234 AB`."""
    return _ANNOTATION.sub(r"\1", example).strip()


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EvaluationSetError(f"{path}: {error}") from error


def read_nlu_examples(paths: Iterable[Path]) -> list[Example]:
    """The intent examples of Rasa NLU files, in file order, annotations removed."""
    examples = []
    for path in paths:
        data = _load(path)
        if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
            raise EvaluationSetError(f"{path}: needs a list under 'nlu'")
        for block in data["nlu"]:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and line[2:].strip():
                    examples.append(Example(str(block["intent"]), plain_text(line[2:])))
    return examples


def read_out_of_scope(path: Path) -> list[Example]:
    """The messages of an out-of-scope file (`categories: {name: [message, ...]}`)."""
    data = _load(path)
    categories = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(categories, dict):
        raise EvaluationSetError(f"{path}: needs a mapping 'categories' of lists of messages")
    return [Example(str(name), str(text)) for name, texts in categories.items() for text in texts or []]


@dataclass(frozen=True)
class EscalationCase:
    trigger: str  # what the conversation should escalate with, or "none"
    turns: list[str]  # the customer's messages, in order


def read_escalation_cases(directory: Path) -> list[EscalationCase]:
    """The conversations of every `<trigger>.yml` in one part of the escalation set."""
    cases = []
    for path in sorted(directory.glob("*.yml")):
        data = _load(path)
        if not isinstance(data, dict) or set(data) != {"trigger", "cases"}:
            raise EvaluationSetError(f"{path}: needs exactly the keys 'trigger' and 'cases'")
        for case in data["cases"] or []:
            turns = [str(turn) for turn in case] if isinstance(case, list) else [str(case)]
            cases.append(EscalationCase(str(data["trigger"]), turns))
    return cases


def heldout_path(root: Path, part: str) -> Path:
    return root / "tests" / "nlu" / "heldout" / f"{part}.yml"


def out_of_scope_path(root: Path, part: str) -> Path:
    return root / "tests" / "oos" / f"{part}.yml"


def escalation_dir(root: Path, part: str) -> Path:
    return root / "tests" / "escalation" / part


def not_understood_cause(parse: dict[str, Any]) -> str:
    """Which step made a message "not understood" (empty when it was understood)."""
    intent = (parse.get("intent") or {}).get("name")
    if intent not in NOT_UNDERSTOOD_INTENTS:
        return ""
    verdict = scope_of(parse).get("verdict")
    net = parse.get("safety_net") or {}
    if verdict in (VERDICT_FAR, VERDICT_NO_WORDS):
        return "far from every training example"
    if verdict == VERDICT_OUT_OF_SCOPE:
        return "closer to the out_of_scope examples"
    if net and not net.get("topic"):
        return "a sensitive topic without support"
    if intent == OUT_OF_SCOPE_INTENT:
        return "the classifier said out_of_scope"
    return "the classifier was unsure"


def miss_cause(parse: dict[str, Any]) -> str:
    """Why a sensitive message did not reach its topic, from what the NLU made of it."""
    return not_understood_cause(parse) or f"understood as {(parse.get('intent') or {}).get('name')}"


def base_intent(label: str) -> str:
    """`faq/tariffs` -> `faq`: the classifier knows the retrieval intent, the selector the topic."""
    return label.split("/", 1)[0]


def macro_f1(expected: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over the expected labels (a label only predicted counts as a false positive
    for nothing but the precision of the labels it was confused with)."""
    if not expected:
        return 0.0
    scores = []
    for label in sorted(set(expected)):
        true_positive = sum(e == p == label for e, p in zip(expected, predicted, strict=True))
        predicted_count = sum(p == label for p in predicted)
        expected_count = sum(e == label for e in expected)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / expected_count
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def rate(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def reliability_bins(confidences: list[float], correct: list[bool], bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) per confidence bin with at least one message."""
    rows = []
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [
            (c, ok) for c, ok in zip(confidences, correct, strict=True) if low <= c < high or (index == bins - 1 and c == 1.0)
        ]
        if members:
            rows.append((sum(c for c, _ in members) / len(members), rate(ok for _, ok in members), len(members)))
    return rows


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """How far confidence is from accuracy, weighted by how many messages each bin holds."""
    total = len(confidences)
    if not total:
        return 0.0
    rows = reliability_bins(confidences, correct, bins)
    return sum(count / total * abs(confidence - accuracy) for confidence, accuracy, count in rows)


def add_model_argument(parser: argparse.ArgumentParser, root: Path) -> None:
    parser.add_argument("--model", type=Path, default=root / "models" / "naadloos.tar.gz")


def load_agent(model: Path, action_url: str | None = None) -> Any:
    """The trained assistant as the report scripts use it, with Rasa's logging quiet. Exits with
    a clear message when there is no model yet."""
    if not model.exists():
        raise SystemExit(f"no trained model at {model}: run `make train` first")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    return Agent.load(str(model), action_endpoint=EndpointConfig(action_url) if action_url else None)
