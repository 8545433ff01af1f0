"""Reading and changing the intent that the classifiers gave a message: one home for what the
NLU components after the classifier (out-of-scope detector, safety net) do to it."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from naadloos.core.parse_data import NLU_FALLBACK


def classified_intent(message: Message) -> str | None:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def promote(message: Message, name: str, confidence: float) -> None:
    """Makes `name` the message's intent and puts it first in the ranking."""
    intent: dict[str, Any] = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)


def classifier_choice(message: Message) -> dict[str, Any]:
    """The intent the classifier itself ranked first (the FallbackClassifier puts `nlu_fallback`
    above it when unsure, but keeps the ranking)."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != NLU_FALLBACK]
    choice = ranking[0] if ranking else message.get(INTENT) or {}
    confidence = float(choice.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return {INTENT_NAME_KEY: choice.get(INTENT_NAME_KEY), PREDICTED_CONFIDENCE_KEY: confidence}


ALTERNATIVE_CHOICES = 3  # how far down the classifier's ranking an alternative may come from


def supported_alternative(message: Message, nearest: list[str], excluded: Collection[str]) -> dict[str, Any] | None:
    """The classifier's best-ranked intent among its top choices, apart from `excluded`, that one
    of the nearest training examples has (`faq/refund` supports `faq`): where the classifier and
    the distance agree. An intent the classifier ranked low is no alternative."""
    supported = {name.split("/", 1)[0] for name in nearest}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != NLU_FALLBACK]
    for ranked in ranking[:ALTERNATIVE_CHOICES]:
        name = ranked.get(INTENT_NAME_KEY)
        if name in supported and name not in excluded:
            return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(ranked.get(PREDICTED_CONFIDENCE_KEY) or 0.0)}
    return None
