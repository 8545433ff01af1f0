"""`SensitiveTopicSafetyNet`: the lexical second layer behind the intent classifier.

Runs on every message, after the classifier and before the FallbackClassifier. When a keyword of a
sensitive topic in `config/escalation.yml` fires (on the words or on spaCy's lemmas), the message
gets that topic's intent, so "mijn man is overleden, hoe geef ik de meterstand door?" is treated
as a death and not as a meter reading, in or outside a form. What fired is kept in the parse
data under `safety_net`, so the colleague who takes over can see why.

The file is read when a message comes in (and re-read when it changes), so a designer's change
takes effect without retraining.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from naadloos.escalation_config import PRIORITIES, EscalationConfig, Trigger
from naadloos.settings import current_escalation_config

logger = logging.getLogger(__name__)

MOST_URGENT = PRIORITIES[0]
NLU_FALLBACK = "nlu_fallback"  # Rasa's intent for "not understood"

SAFETY_NET_KEY = "safety_net"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SensitiveTopicSafetyNet(GraphComponent, IntentClassifier):
    """Sets the intent of a sensitive topic when its keywords fire, and takes it away from a
    look-alike (or a too unsure guess) of the classifier."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SensitiveTopicSafetyNet:
        current_escalation_config()  # a mistake in the file stops training, not a conversation
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        config = current_escalation_config()
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):  # buttons send /intent: the customer chose
                continue
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            lemmas = [token.lemma for token in tokens if getattr(token, "lemma", None)]
            found = config.detect(text, lemmas)
            if found:
                self._set_topic(message, config, *found)
            else:
                self._drop_look_alike(message, config, text, lemmas)
        return messages

    @staticmethod
    def _set_topic(message: Message, config: EscalationConfig, trigger: Trigger, keyword: str) -> None:
        """Gives the message the topic's intent, unless the classifier found an urgent topic."""
        classified = _classified(message)
        message.set(SAFETY_NET_KEY, {"topic": trigger.reason, "keyword": keyword, "classified_as": classified},
                    add_to_output=True)
        classified_trigger = config.trigger_for_intent(classified)
        if classified_trigger and classified_trigger.priority == MOST_URGENT != trigger.priority:
            return  # the classifier heard a crisis: that goes first, whatever else the words say
        if classified != trigger.intent:
            logger.debug("safety net: '%s' fired, intent %s instead of %s", keyword, trigger.intent, classified)
            _promote(message, {INTENT_NAME_KEY: trigger.intent, PREDICTED_CONFIDENCE_KEY: 1.0})

    @staticmethod
    def _drop_look_alike(message: Message, config: EscalationConfig, text: str, lemmas: list[str]) -> None:
        """The classifier chose a sensitive topic that none of its keywords confirm, while the
        message matches one of the topic's exclusions (a look-alike) or the classifier is less
        sure than the topic's `classifier_min_confidence`: "not understood" instead."""
        intent = message.get(INTENT) or {}
        trigger = config.trigger_for_intent(intent.get(INTENT_NAME_KEY))
        if not trigger or not trigger.safety_net:
            return
        look_alike = trigger.safety_net.look_alike(text, [lemmas] if lemmas else [])
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        unsure = trigger.classifier_min_confidence is not None and confidence < trigger.classifier_min_confidence
        if not look_alike and not unsure:
            return
        why = {"excluded": look_alike} if look_alike else {"unsure": confidence}
        message.set(SAFETY_NET_KEY, {"topic": None, "classified_as": trigger.intent, **why}, add_to_output=True)
        _promote(message, {INTENT_NAME_KEY: NLU_FALLBACK, PREDICTED_CONFIDENCE_KEY: confidence})


def _classified(message: Message) -> str | None:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def _promote(message: Message, intent: dict[str, Any]) -> None:
    """Makes `intent` the message's intent and puts it first in the ranking."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
