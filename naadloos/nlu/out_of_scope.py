"""`OutOfScopeDetector`: "not understood" by distance, where a softmax cannot say "none of these".

DIET's confidence is a softmax over the intents it knows, so it gives 1.00 to "Hoe repareer ik
een lekke band?" as readily as to a real energy question. This component looks at distance
instead: the sentence vector of a message (`naadloos.nlu.sentence_encoder`) against the vectors
of every training example, remembered at training time.

- **similarity**: the mean cosine similarity of the `neighbours` most similar training examples
  of known topics (every intent except `out_of_scope`); **out-of-scope similarity**: the same for
  the `out_of_scope` examples.
- **unknown words**: the share of the message's words (3 letters or more) that no training
  example of a known topic contains ("televoten", "designertas").
- **score** = similarity - `out_of_scope_weight` x out-of-scope similarity - `unknown_word_weight`
  x unknown words: how much closer the message is to what the assistant knows than to what it
  was taught not to answer, in meaning and in words.
- Below `threshold` the message is not understood: it becomes `out_of_scope` ("daar kan ik je niet
  mee helpen") when it is closer to the out_of_scope examples than to any topic, and
  `nlu_fallback` otherwise (the two-stage fallback runs).
- A message without letters or digits (only emoji, punctuation or HTML tags) is `nlu_fallback`
  at once, marked `no_words`: the fallback then answers kindly, without guessing subjects.
- Where the classifier and the distance meet: when the classifier says `out_of_scope` but the
  message is close to known topics, the classifier's next choice that the nearest examples share
  is taken ("wanneer komt de jaarnota"); when the FallbackClassifier found the classifier unsure,
  the intent of the nearest example decides among the classifier's top 3 ("daaag").
- A sensitive topic (a trigger's intent in config/escalation.yml) that the classifier chose, and
  that the nearest example and most of the nearest examples share with a similarity of at least
  `protect_min_similarity`, is not rejected for distance: a crisis said in words nobody wrote
  before must still reach a person. A sensitive topic *without* support from the nearest
  examples is taken away by the safety net.
- A form answer that carries a recognised value ("huisnr 118a" as `inform`, or "9722bh": mostly
  the value itself) is data, never out of scope; a message that is mostly a value is an answer
  (`inform`) also when the classifier hesitated ("gisteren").

What it measured goes into the parse data under `scope` (similarity, nearest intents, verdict),
for the safety net, the fallback and the colleague who reads the transcript. The threshold is
chosen on the dev part of the held-out in-scope sentences: `make test-nlu` prints the values that
reject 2, 3 and 5 % of them next to the configured one.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from naadloos.nlu.intent_result import classified_intent, classifier_choice, promote, supported_alternative
from naadloos.nlu.sentence_encoder import DEFAULT_ALIAS, SentenceEncoderFeaturizer, sentence_vector
from naadloos.parse_data import NLU_FALLBACK, SCOPE_KEY, VERDICT_FAR, VERDICT_KNOWN, VERDICT_NO_WORDS, VERDICT_OUT_OF_SCOPE
from naadloos.settings import current_escalation_config

logger = logging.getLogger(__name__)


_TAG = re.compile(r"<[^>]*>")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_VECTORS_FILE = "examples.npz"
_WORD = re.compile(r"[^\W\d_]{3,}")


def content_words(text: str) -> list[str]:
    """The words of 3 letters or more, lower case: what "unknown words" counts."""
    return _WORD.findall(text.casefold())


def has_words(text: str) -> bool:
    """Whether the text has a letter or digit outside HTML tags (emoji and symbols do not count)."""
    return bool(_LETTER_OR_DIGIT.search(_TAG.sub(" ", text)))


@dataclass(frozen=True)
class Scope:
    """How a message relates to the training examples."""

    similarity: float  # mean of the `neighbours` most similar examples of known topics
    out_of_scope_similarity: float  # the same for the out_of_scope examples
    nearest: list[tuple[str, float]]  # the most similar examples of known topics: (intent, cosine)
    unknown_words: float  # share of the words that no training example of a known topic has
    score: float  # similarity - weight x out_of_scope_similarity - weight x unknown_words

    def verdict(self, threshold: float) -> str:
        if self.score >= threshold:
            return VERDICT_KNOWN
        return VERDICT_OUT_OF_SCOPE if self.out_of_scope_similarity > self.similarity else VERDICT_FAR

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
    """How the score is made (see the module docstring); from the component's config."""

    neighbours: int
    out_of_scope_weight: float
    unknown_word_weight: float


class ExampleIndex:
    """The training examples' unit vectors, intents and words; answers "how close is this message"."""

    def __init__(self, vectors: np.ndarray, intents: list[str], vocabulary: set[str], out_of_scope_intent: str) -> None:
        self.vectors = vectors.astype(np.float32)
        self.intents = np.array(intents, dtype=object)
        self.vocabulary = frozenset(vocabulary)
        self.known = self.intents != out_of_scope_intent

    def scope(self, vector: np.ndarray, text: str, weights: Weights) -> Scope:
        cosines = self.vectors @ vector
        known, unknown = cosines[self.known], cosines[~self.known]
        order = np.argsort(-known)[: weights.neighbours]
        nearest = zip(self.intents[self.known][order], known[order], strict=True)
        similarity = _top_mean(known, weights.neighbours)
        out_of_scope_similarity = _top_mean(unknown, weights.neighbours)
        words = content_words(text)
        unknown_words = sum(word not in self.vocabulary for word in words) / len(words) if words else 0.0
        return Scope(
            similarity=similarity,
            out_of_scope_similarity=out_of_scope_similarity,
            nearest=[(str(intent), float(cosine)) for intent, cosine in nearest],
            unknown_words=unknown_words,
            score=similarity
            - weights.out_of_scope_weight * max(out_of_scope_similarity, 0.0)
            - weights.unknown_word_weight * unknown_words,
        )


def _is_value(message: Message, value_intents: list[str]) -> bool:
    """Whether the message carries a recognised value (postcode, date, customer number, ...) and
    is an answer: classified as one, or mostly the value itself ("9722bh")."""
    if not message.get(ENTITIES):
        return False
    return classified_intent(message) in value_intents or _mostly_value(message)


def _mostly_value(message: Message) -> bool:
    """Whether recognised values (entities) make up at least half of the message ("gisteren")."""
    covered = sum(int(e.get("end", 0)) - int(e.get("start", 0)) for e in message.get(ENTITIES) or [])
    return covered > 0 and covered * 2 >= len((message.get(TEXT) or "").strip())


def _top_mean(cosines: np.ndarray, count: int) -> float:
    if not len(cosines):
        return -1.0
    return float(np.sort(cosines)[::-1][:count].mean())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OutOfScopeDetector(GraphComponent, IntentClassifier):
    """Turns the intent into "not understood" (or `out_of_scope`) when the message is far from
    every training example of a known topic. Place it after the FallbackClassifier."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEncoderFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "featurizer": DEFAULT_ALIAS,
            "neighbours": 3,
            "out_of_scope_weight": 0.5,
            "unknown_word_weight": 0.2,
            "protect_min_similarity": 0.45,
            "threshold": 0.3,
            "out_of_scope_intent": "out_of_scope",
            "value_intents": ["inform"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: ExampleIndex | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        if not 0 < int(self._config["neighbours"]) or not -1 <= float(self._config["threshold"]) <= 1:
            raise InvalidConfigException("OutOfScopeDetector: neighbours must be 1 or more, threshold between -1 and 1")
        self._storage = model_storage
        self._resource = resource
        self._index = index
        self._weights = Weights(
            neighbours=int(self._config["neighbours"]),
            out_of_scope_weight=float(self._config["out_of_scope_weight"]),
            unknown_word_weight=float(self._config["unknown_word_weight"]),
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OutOfScopeDetector:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        vectors, intents = [], []
        vocabulary: set[str] = set()
        for example in training_data.intent_examples:
            vector = sentence_vector(example, self._config["featurizer"])
            if vector is None:
                raise InvalidConfigException(
                    f"OutOfScopeDetector needs the sentence vectors of '{self._config['featurizer']}': "
                    "put naadloos.nlu.sentence_encoder.SentenceEncoderFeaturizer before it in config.yml"
                )
            vectors.append(vector)
            intents.append(example.get_full_intent())
            if example.get(INTENT) != self._config["out_of_scope_intent"]:
                vocabulary.update(content_words(example.get(TEXT)))
        self._index = ExampleIndex(np.stack(vectors), intents, vocabulary, self._config["out_of_scope_intent"])
        with self._storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / _VECTORS_FILE,
                vectors=self._index.vectors,
                intents=np.array(intents),
                vocabulary=np.array(sorted(vocabulary)),
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OutOfScopeDetector:
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                stored = np.load(directory / _VECTORS_FILE, allow_pickle=False)
                index = ExampleIndex(
                    stored["vectors"],
                    [str(i) for i in stored["intents"]],
                    {str(word) for word in stored["vocabulary"]},
                    config["out_of_scope_intent"],
                )
        except (ValueError, FileNotFoundError, KeyError) as error:
            raise InvalidConfigException(f"OutOfScopeDetector: the model has no example vectors ({error}); retrain") from error
        return cls(config, model_storage, resource, index)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):  # buttons send /intent: the customer chose
                continue
            if not has_words(text):
                message.set(SCOPE_KEY, {"verdict": VERDICT_NO_WORDS, "classified_as": classifier_choice(message)},
                            add_to_output=True)
                promote(message, NLU_FALLBACK, 0.0)
                continue
            vector = sentence_vector(message, self._config["featurizer"])
            if vector is None or self._index is None:
                continue
            scope = self._index.scope(vector, text, self._weights)
            self._judge(message, scope)
        return messages

    def _clearly_near(self, scope: Scope, intent: str) -> bool:
        """Whether the nearest example and most of the nearest examples are of `intent`, and the
        message is at least `protect_min_similarity` similar to them."""
        intents = [name for name, _ in scope.nearest]
        return (
            bool(intents)
            and intents[0] == intent
            and intents.count(intent) * 2 > len(intents)
            and scope.similarity >= float(self._config["protect_min_similarity"])
        )

    def _judge(self, message: Message, scope: Scope) -> None:
        verdict = scope.verdict(float(self._config["threshold"]))
        classified = classified_intent(message)
        if verdict != VERDICT_KNOWN and _is_value(message, self._config["value_intents"]):
            verdict = VERDICT_KNOWN  # an answer to a form question: data, not a question
        sensitive = current_escalation_config().sensitive_intents()
        if verdict != VERDICT_KNOWN and classified in sensitive and self._clearly_near(scope, classified):
            verdict = VERDICT_KNOWN  # missing a crisis or a death costs more than a question back
        message.set(SCOPE_KEY, {**scope.as_output(verdict), "classified_as": classifier_choice(message)}, add_to_output=True)
        out_of_scope_intent = self._config["out_of_scope_intent"]
        if verdict == VERDICT_KNOWN and classified == NLU_FALLBACK:
            # The classifier hesitated between a few intents; the nearest example decides among them.
            chosen = supported_alternative(message, [scope.nearest[0][0]], ())
            if chosen:
                promote(message, chosen[INTENT_NAME_KEY], chosen[PREDICTED_CONFIDENCE_KEY])
            elif _mostly_value(message) and self._config["value_intents"]:
                promote(message, self._config["value_intents"][0], 1.0)  # "gisteren" in a form: an answer
        elif verdict == VERDICT_KNOWN and classified == out_of_scope_intent:
            # Close to known topics: the classifier's next choice that the nearest examples share.
            alternative = supported_alternative(message, [intent for intent, _ in scope.nearest], {out_of_scope_intent})
            if alternative:
                promote(message, alternative[INTENT_NAME_KEY], alternative[PREDICTED_CONFIDENCE_KEY])
        elif verdict == VERDICT_FAR and classified != NLU_FALLBACK:
            logger.debug("not understood: score %.2f, was %s", scope.score, classified)
            promote(message, NLU_FALLBACK, max(scope.score, 0.0))
        elif verdict == VERDICT_OUT_OF_SCOPE and classified != out_of_scope_intent:
            promote(message, out_of_scope_intent, scope.out_of_scope_similarity)
