"""TopicModel: which topic a sentence vector leans to, over all training examples."""
from __future__ import annotations

import numpy as np
import pytest

from naadloos.nlu.topic_model import TopicModel


def clusters(*centres: int, per_topic: int = 15, dimensions: int = 8) -> np.ndarray:
    """Unit vectors scattered around one axis per topic."""
    rng = np.random.default_rng(7)
    vectors = []
    for axis in centres:
        points = rng.normal(scale=0.3, size=(per_topic, dimensions))
        points[:, axis] += 2.0
        vectors.append(points)
    stacked = np.vstack(vectors)
    return stacked / np.linalg.norm(stacked, axis=1, keepdims=True)


def axis(index: int, dimensions: int = 8) -> np.ndarray:
    vector = np.zeros(dimensions)
    vector[index] = 1.0
    return vector


def test_a_vector_leans_to_the_topic_whose_examples_surround_it() -> None:
    model = TopicModel.train(clusters(0, 1, 2), ["faq/tariffs"] * 15 + ["complaint"] * 15 + ["greet"] * 15)
    assert model.probability(axis(1), "complaint") > 0.9
    assert model.probability(axis(0), "complaint") < 0.1


def test_retrieval_intents_count_as_their_base_intent() -> None:
    model = TopicModel.train(clusters(0, 1), ["faq/tariffs"] * 8 + ["faq/refund"] * 7 + ["complaint"] * 15)
    assert model.topics == ["complaint", "faq"]
    assert model.probability(axis(0), "faq/opening_hours") == pytest.approx(model.probability(axis(0), "faq"))
    assert model.probability(axis(0), "faq") > 0.9


def test_two_topics_give_probabilities_that_add_up_to_one() -> None:
    model = TopicModel.train(clusters(0, 1), ["greet"] * 15 + ["crisis"] * 15)
    vector = axis(1) * 0.6 + axis(0) * 0.4
    assert model.probability(vector, "greet") + model.probability(vector, "crisis") == pytest.approx(1.0, abs=1e-5)
    assert model.probability(axis(1), "crisis") > 0.9


def test_a_topic_it_never_saw_has_no_probability() -> None:
    model = TopicModel.train(clusters(0, 1), ["greet"] * 15 + ["crisis"] * 15)
    assert model.probability(axis(1), "fraud") == 0.0


def test_one_topic_is_always_certain() -> None:
    model = TopicModel.train(clusters(0), ["greet"] * 15)
    assert model.probability(axis(3), "greet") == 1.0


def test_training_is_deterministic() -> None:
    vectors, intents = clusters(0, 1, 2), ["a"] * 15 + ["b"] * 15 + ["c"] * 15
    first, second = TopicModel.train(vectors, intents), TopicModel.train(vectors, intents)
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.bias, second.bias)


def test_weights_that_do_not_match_the_topics_are_refused() -> None:
    with pytest.raises(ValueError):
        TopicModel(np.zeros((2, 8)), np.zeros(3), ["a", "b", "c"])
