"""`Scope`: whether the nearest training examples back an intent, measured on plain vectors."""
from __future__ import annotations

import numpy as np
import pytest

from naadloos.nlu.example_index import ExampleIndex, Scope, Weights, base_intent

WEIGHTS = Weights(neighbours=3, out_of_scope_weight=0.5, unknown_word_weight=0.2)


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def scope(nearest: list[tuple[str, float]], intent_similarity: float | None = None, similarity: float = 0.6) -> Scope:
    return Scope(similarity=similarity, out_of_scope_similarity=0.1, nearest=nearest, unknown_words=0.0,
                 score=similarity, intent_similarity=intent_similarity)


def test_an_intent_among_the_nearest_examples_is_supported() -> None:
    assert scope([("faq/privacy", 0.65), ("complaint", 0.55), ("stop", 0.5)]).supports("complaint", margin=0.0)


def test_retrieval_topics_support_their_intent() -> None:
    assert scope([("faq/privacy", 0.65), ("greet", 0.55), ("stop", 0.5)]).supports("faq", margin=0.0)
    assert base_intent("faq/privacy") == "faq"


@pytest.mark.parametrize("intent_similarity, supported", [(0.62, True), (0.60, True), (0.59, False), (None, False)])
def test_an_intent_outside_the_nearest_is_supported_only_within_the_margin(intent_similarity, supported) -> None:
    nearby = scope([("faq/contact", 0.65), ("faq/login", 0.63), ("faq/contact", 0.61)], intent_similarity)
    assert nearby.supports("complaint", margin=0.05) is supported


def test_without_measurement_the_classifier_is_taken_at_its_word() -> None:
    assert scope([]).supports("crisis", margin=0.0)


def test_clearly_near_needs_the_nearest_the_majority_and_enough_similarity() -> None:
    nearest = [("complaint", 0.56), ("complaint", 0.54), ("faq/switch", 0.53)]
    assert scope(nearest).clearly_near("complaint", min_similarity=0.45)
    assert not scope(nearest, similarity=0.40).clearly_near("complaint", min_similarity=0.45)
    assert not scope(nearest).clearly_near("crisis", min_similarity=0.45)
    assert not scope([("faq/switch", 0.56), ("complaint", 0.54), ("complaint", 0.53)]).clearly_near("complaint", 0.45)


def test_the_index_measures_the_most_similar_example_of_the_asked_intent() -> None:
    vectors = np.stack([unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0), unit(0, 0, 1)])
    index = ExampleIndex(vectors, ["faq/a", "faq/b", "complaint", "out_of_scope"], {"woord"}, "out_of_scope")
    measured = index.scope(unit(1, 0.5, 0), "woord", WEIGHTS, intent="complaint")
    assert measured.intent_similarity == pytest.approx(float(unit(1, 0.5, 0) @ unit(0, 1, 0)))
    assert index.scope(unit(1, 0.5, 0), "woord", WEIGHTS).intent_similarity is None
    assert index.scope(unit(1, 0.5, 0), "woord", WEIGHTS, intent="faq").intent_similarity == pytest.approx(
        float(unit(1, 0.5, 0) @ unit(0.9, 0.1, 0)))
