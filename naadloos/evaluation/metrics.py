"""The figures the report scripts compute on the evaluation sets (`naadloos.evaluation.sets`): why a
message was not understood, macro F1, rates and calibration."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from naadloos.core.parse_data import (
    NLU_FALLBACK,
    OUT_OF_SCOPE_INTENT,
    VERDICT_FAR,
    VERDICT_NO_WORDS,
    VERDICT_OUT_OF_SCOPE,
    scope_of,
)

NOT_UNDERSTOOD_INTENTS = frozenset({NLU_FALLBACK, OUT_OF_SCOPE_INTENT})


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
