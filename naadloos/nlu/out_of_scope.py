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
  before must still reach a person. Nor is a sensitive topic the classifier is sure of (at least
  `second_opinion_min_confidence`) while the meaning of the message, weighed over all training
  examples, leans to that topic with a probability of at least `second_opinion`
  (`naadloos.nlu.topic_model`): "ik zet dit hele gesprek op social media" is like no single
  complaint example, yet clearly a complaint. A sensitive topic *without* support from the nearest
  examples is taken away by the safety net. Support (`supported` in the parse data): one of the
  nearest examples is of the classifier's intent, or its most similar example is at most
  `support_margin` less similar than the nearest one. `near_sensitive_topic` names a sensitive
  topic that the nearest examples clearly share, for the safety net.
- A form answer that carries a recognised value ("huisnr 118a" as `inform`, or "9722bh": mostly
  the value itself) is data, never out of scope; a message that is mostly a value is an answer
  (`inform`) also when the classifier hesitated ("gisteren").

The measuring itself lives in `naadloos.nlu.example_index`. What it measured goes into the parse
data under `scope` (similarity, nearest intents, verdict, support),
for the safety net, the fallback and the colleague who reads the transcript. The threshold is
chosen on the dev part of the held-out in-scope sentences: `make test-nlu` prints the values that
reject 2, 3 and 5 % of them next to the configured one.
"""
from __future__ import annotations

import logging
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

from naadloos.core.parse_data import (
    NLU_FALLBACK,
    OUT_OF_SCOPE_INTENT,
    SCOPE_KEY,
    VERDICT_FAR,
    VERDICT_KNOWN,
    VERDICT_NO_WORDS,
    VERDICT_OUT_OF_SCOPE,
)
from naadloos.escalation.config import current_escalation_config
from naadloos.nlu.example_index import ExampleIndex, Scope, Weights, content_words, has_words
from naadloos.nlu.intent_result import classified_intent, classifier_choice, promote, supported_alternative
from naadloos.nlu.sentence_encoder import DEFAULT_ALIAS, SentenceEncoderFeaturizer, sentence_vector
from naadloos.nlu.topic_model import TopicModel

logger = logging.getLogger(__name__)

_VECTORS_FILE = "examples.npz"

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
            "support_margin": 0.05,
            "second_opinion": 0.5,
            "second_opinion_min_confidence": 0.9,
            "threshold": 0.3,
            "out_of_scope_intent": OUT_OF_SCOPE_INTENT,
            "value_intents": ["inform"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: ExampleIndex | None = None,
        topics: TopicModel | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        if not 0 < int(self._config["neighbours"]) or not -1 <= float(self._config["threshold"]) <= 1:
            raise InvalidConfigException("OutOfScopeDetector: neighbours must be 1 or more, threshold between -1 and 1")
        self._storage = model_storage
        self._resource = resource
        self._index = index
        self._topics = topics
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
        self._topics = TopicModel.train(self._index.vectors, intents)
        with self._storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / _VECTORS_FILE,
                vectors=self._index.vectors,
                intents=np.array(intents),
                vocabulary=np.array(sorted(vocabulary)),
                topic_weights=self._topics.weights,
                topic_bias=self._topics.bias,
                topics=np.array(self._topics.topics),
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
                topics = TopicModel(stored["topic_weights"], stored["topic_bias"], [str(t) for t in stored["topics"]])
        except (ValueError, FileNotFoundError, KeyError) as error:
            raise InvalidConfigException(f"OutOfScopeDetector: the model has no example vectors ({error}); retrain") from error
        return cls(config, model_storage, resource, index, topics)

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
            choice = classifier_choice(message)
            scope = self._index.scope(vector, text, self._weights, choice[INTENT_NAME_KEY])
            self._judge(message, scope, choice, vector)
        return messages

    def _judge(self, message: Message, scope: Scope, choice: dict[str, Any], vector: np.ndarray) -> None:
        verdict = scope.verdict(float(self._config["threshold"]))
        classified = classified_intent(message)
        if verdict != VERDICT_KNOWN and _is_value(message, self._config["value_intents"]):
            verdict = VERDICT_KNOWN  # an answer to a form question: data, not a question
        sensitive = current_escalation_config().sensitive_intents()
        min_similarity = float(self._config["protect_min_similarity"])
        if verdict != VERDICT_KNOWN and classified in sensitive and scope.clearly_near(classified, min_similarity):
            verdict = VERDICT_KNOWN  # missing a crisis or a death costs more than a question back
        leaning = self._topics.probability(vector, classified) if self._topics and classified in sensitive else None
        if verdict == VERDICT_FAR and leaning is not None and self._second_opinion_agrees(message, leaning):
            verdict = VERDICT_KNOWN  # worded like no single example, but its meaning is clearly the topic
        near_sensitive = next((name for name in sensitive if scope.clearly_near(name, min_similarity)), None)
        message.set(
            SCOPE_KEY,
            {
                **scope.as_output(verdict),
                "classified_as": choice,
                # whether the examples back the classifier's own choice (see Scope.supports)
                "supported": scope.supports(choice[INTENT_NAME_KEY], float(self._config["support_margin"])),
                "near_sensitive_topic": near_sensitive,
                **({"topic_probability": round(leaning, 3)} if leaning is not None else {}),
            },
            add_to_output=True,
        )
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

    def _second_opinion_agrees(self, message: Message, leaning: float) -> bool:
        """Whether the classifier is sure of its sensitive topic and the topic model backs it."""
        confidence = float((message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        return confidence >= float(self._config["second_opinion_min_confidence"]) and leaning >= float(
            self._config["second_opinion"]
        )
