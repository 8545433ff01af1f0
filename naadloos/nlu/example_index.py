"""The training examples as sentence vectors: how close a message is to what the assistant knows.

`ExampleIndex` holds the unit vectors, intents and words of every training example (remembered by
`naadloos.nlu.out_of_scope.OutOfScopeDetector` at training time) and measures a message against
them (`Scope`). No Rasa import: the measurement is plain numpy and is tested on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from naadloos.core.parse_data import VERDICT_FAR, VERDICT_KNOWN, VERDICT_OUT_OF_SCOPE

_TAG = re.compile(r"<[^>]*>")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W\d_]{3,}")


def content_words(text: str) -> list[str]:
    """The words of 3 letters or more, lower case: what "unknown words" counts."""
    return _WORD.findall(text.casefold())


def has_words(text: str) -> bool:
    """Whether the text has a letter or digit outside HTML tags (emoji and symbols do not count)."""
    return bool(_LETTER_OR_DIGIT.search(_TAG.sub(" ", text)))


def base_intent(name: str) -> str:
    """`faq/opening_hours` -> `faq`: the intent the classifier names."""
    return name.split("/", 1)[0]


@dataclass(frozen=True)
class Scope:
    """How a message relates to the training examples."""

    similarity: float  # mean of the `neighbours` most similar examples of known topics
    out_of_scope_similarity: float  # the same for the out_of_scope examples
    nearest: list[tuple[str, float]]  # the most similar examples of known topics: (intent, cosine)
    unknown_words: float  # share of the words that no training example of a known topic has
    score: float  # similarity - weight x out_of_scope_similarity - weight x unknown_words
    # The cosine of the most similar example of the intent asked about (the classifier's), if any.
    intent_similarity: float | None = None

    def verdict(self, threshold: float) -> str:
        if self.score >= threshold:
            return VERDICT_KNOWN
        return VERDICT_OUT_OF_SCOPE if self.out_of_scope_similarity > self.similarity else VERDICT_FAR

    def nearest_intents(self) -> list[str]:
        return [base_intent(intent) for intent, _ in self.nearest]

    def supports(self, intent: str, margin: float) -> bool:
        """Whether the examples back the classifier's `intent`: one of the nearest examples is of
        it, or its most similar example is at most `margin` less similar than the nearest one
        (a topic with many ways to say it need not win the top places to be close)."""
        if not self.nearest or intent in self.nearest_intents():
            return True
        return self.intent_similarity is not None and self.intent_similarity >= self.nearest[0][1] - margin

    def clearly_near(self, intent: str, min_similarity: float) -> bool:
        """Whether the nearest example and most of the nearest examples are of `intent`, and the
        message is at least `min_similarity` similar to them."""
        intents = self.nearest_intents()
        return (
            bool(intents)
            and intents[0] == intent
            and intents.count(intent) * 2 > len(intents)
            and self.similarity >= min_similarity
        )

    def as_output(self, verdict: str) -> dict[str, Any]:
        return {
            "verdict": verdict,
            "score": round(self.score, 3),
            "similarity": round(self.similarity, 3),
            "out_of_scope_similarity": round(self.out_of_scope_similarity, 3),
            "unknown_words": round(self.unknown_words, 3),
            "nearest": [[intent, round(cosine, 3)] for intent, cosine in self.nearest],
        }


@dataclass(frozen=True)
class Weights:
    """How the score is made (see `naadloos.nlu.out_of_scope`); from the component's config."""

    neighbours: int
    out_of_scope_weight: float
    unknown_word_weight: float


class ExampleIndex:
    """The training examples' unit vectors, intents and words; answers "how close is this message"."""

    def __init__(self, vectors: np.ndarray, intents: list[str], vocabulary: set[str], out_of_scope_intent: str) -> None:
        self.vectors = vectors.astype(np.float32)
        self.intents = np.array(intents, dtype=object)
        self.base_intents = np.array([base_intent(name) for name in intents], dtype=object)
        self.vocabulary = frozenset(vocabulary)
        self.known = self.intents != out_of_scope_intent

    def scope(self, vector: np.ndarray, text: str, weights: Weights, intent: str | None = None) -> Scope:
        """How close `vector` (of `text`) is; `intent`: also measure its most similar example."""
        cosines = self.vectors @ vector
        known, unknown = cosines[self.known], cosines[~self.known]
        order = np.argsort(-known)[: weights.neighbours]
        nearest = zip(self.intents[self.known][order], known[order], strict=True)
        similarity = _top_mean(known, weights.neighbours)
        out_of_scope_similarity = _top_mean(unknown, weights.neighbours)
        words = content_words(text)
        unknown_words = sum(word not in self.vocabulary for word in words) / len(words) if words else 0.0
        of_intent = cosines[self.base_intents == intent] if intent else cosines[:0]
        return Scope(
            similarity=similarity,
            out_of_scope_similarity=out_of_scope_similarity,
            nearest=[(str(name), float(cosine)) for name, cosine in nearest],
            unknown_words=unknown_words,
            score=similarity
            - weights.out_of_scope_weight * max(out_of_scope_similarity, 0.0)
            - weights.unknown_word_weight * unknown_words,
            intent_similarity=float(of_intent.max()) if len(of_intent) else None,
        )


def _top_mean(cosines: np.ndarray, count: int) -> float:
    if not len(cosines):
        return -1.0
    return float(np.sort(cosines)[::-1][:count].mean())
