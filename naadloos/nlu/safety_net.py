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
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from naadloos.core.parse_data import NLU_FALLBACK, OUT_OF_SCOPE_INTENT, VERDICT_OUT_OF_SCOPE, nearest_intents, scope_of
from naadloos.escalation.config import PRIORITIES, EscalationConfig, Trigger, current_escalation_config
from naadloos.nlu.intent_result import classified_intent, promote, supported_alternative

logger = logging.getLogger(__name__)

MOST_URGENT = PRIORITIES[0]

SAFETY_NET_KEY = "safety_net"
# How sure the classifier must be of a sensitive topic before the nearest examples may name
# another one: a hesitant guess ("is het contract toch al actief?") is no sign of either.
SURE_OF_A_SENSITIVE_TOPIC = 0.9


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
        """Gives the message the topic's intent, unless the classifier found an urgent topic (and
        the nearest training examples agree), or the message is about something the assistant
        does not answer at all. A crisis keyword always counts."""
        classified = classified_intent(message)
        message.set(SAFETY_NET_KEY, {"topic": trigger.reason, "keyword": keyword, "classified_as": classified},
                    add_to_output=True)
        # Another business's question: closer to what the assistant does not answer
        # ("overlijdensrisicoverzekering"), or the classifier is sure of it ("neppe designertas").
        if trigger.priority != MOST_URGENT and (
            scope_of(message.data).get("verdict") == VERDICT_OUT_OF_SCOPE or sure_it_is_out_of_scope(message)
        ):
            return
        classified_trigger = config.trigger_for_intent(classified)
        if classified_trigger and classified_trigger.priority == MOST_URGENT != trigger.priority and neighbours_agree(message):
            return  # the classifier heard a crisis: that goes first, whatever else the words say
        if trigger.intent and classified != trigger.intent:
            logger.debug("safety net: '%s' fired, intent %s instead of %s", keyword, trigger.intent, classified)
            promote(message, trigger.intent, 1.0)

    @staticmethod
    def _drop_look_alike(message: Message, config: EscalationConfig, text: str, lemmas: list[str]) -> None:
        """The classifier chose a sensitive topic that none of its keywords confirm, while the
        message matches one of the topic's exclusions (a look-alike) or the classifier is less
        sure than the topic's `classifier_min_confidence`, or the topic `needs_keyword` and none
        fired, or none of the training examples nearest to the message is of that topic (`scope`,
        from the out-of-scope detector): "not understood" instead, or the classifier's next
        routine choice that the nearest examples share. Unknown text never lands in a sensitive
        topic by default. When the nearest examples clearly share *another* sensitive topic (and
        none of them is of the classifier's), that topic is taken."""
        intent = message.get(INTENT) or {}
        trigger = config.trigger_for_intent(intent.get(INTENT_NAME_KEY))
        if not trigger or not trigger.safety_net:
            return
        look_alike = trigger.safety_net.look_alike(text, [lemmas] if lemmas else [])
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        nearby = config.trigger_for_intent(scope_of(message.data).get("near_sensitive_topic"))
        if (not look_alike and nearby and nearby is not trigger and not nearby.needs_keyword
                and confidence >= SURE_OF_A_SENSITIVE_TOPIC and trigger.intent not in nearest_intents(message.data)):
            # "ik ben er helemaal klaar mee met jullie" taken for a crisis with certainty, while the
            # nearest examples clearly say complaint: sensitive for sure, and the examples say which.
            message.set(SAFETY_NET_KEY, {"topic": nearby.reason, "classified_as": trigger.intent, "nearest_examples": True},
                        add_to_output=True)
            promote(message, str(nearby.intent), confidence)
            return
        unsure = trigger.classifier_min_confidence is not None and confidence < trigger.classifier_min_confidence
        unsupported = not neighbours_agree(message, nearest_only=False)
        if not look_alike and not unsure and not unsupported and not trigger.needs_keyword:
            return
        why = (
            {"excluded": look_alike} if look_alike
            else {"unsure": confidence} if unsure
            else {"unsupported": True} if unsupported
            else {"no_keyword": True}
        )
        message.set(SAFETY_NET_KEY, {"topic": None, "classified_as": trigger.intent, **why}, add_to_output=True)
        alternative = supported_alternative(message, nearest_intents(message.data), config.sensitive_intents())
        if alternative:  # "mijn termijn is verhoogd zonder dat ik iets vroeg": the instalment FAQ
            promote(message, alternative[INTENT_NAME_KEY], alternative[PREDICTED_CONFIDENCE_KEY])
        else:
            promote(message, NLU_FALLBACK, confidence)


def sure_it_is_out_of_scope(message: Message) -> bool:
    """Whether the classifier itself (before the steps after it) chose the out_of_scope intent, and
    was sure of it."""
    choice = scope_of(message.data).get("classified_as") or {}
    confidence = float(choice.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return choice.get(INTENT_NAME_KEY) == OUT_OF_SCOPE_INTENT and confidence >= SURE_OF_A_SENSITIVE_TOPIC


def neighbours_agree(message: Message, nearest_only: bool = True) -> bool:
    """Whether the training examples nearest to the message (`scope` from the out-of-scope
    detector) back the intent the classifier chose: the nearest one is of it or, with
    `nearest_only` False, one of the few nearest is, or the detector found its most similar
    example close enough (`supported`). Without that measurement (no detector in the pipeline)
    the classifier is taken at its word."""
    intents = nearest_intents(message.data)
    if not intents:
        return True
    intent = classified_intent(message)
    if nearest_only:
        return intents[0] == intent
    scope = scope_of(message.data)
    measured = (scope.get("classified_as") or {}).get(INTENT_NAME_KEY) == intent
    return intent in intents or (measured and bool(scope.get("supported")))
