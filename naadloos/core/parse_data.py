"""What the project's NLU components add to a message's parse data, for the actions, the reports
and the colleague's transcript. Plain names, no Rasa import, so the action server stays light."""
from __future__ import annotations

from typing import Any

NLU_FALLBACK = "nlu_fallback"  # Rasa's intent for "not understood"
SCOPE_KEY = "scope"  # naadloos.nlu.out_of_scope.OutOfScopeDetector
VERDICT_KNOWN = "known"  # close enough to what the assistant was taught
VERDICT_FAR = "far"  # far from every training example: not understood
VERDICT_OUT_OF_SCOPE = "out_of_scope"  # closer to the out_of_scope examples than to any topic
OUT_OF_SCOPE_INTENT = "out_of_scope"  # the training intent of questions for other businesses (data/basics/nlu.yml)
VERDICT_NO_WORDS = "no_words"  # only emoji, symbols or HTML tags


def scope_of(parse_data: dict[str, Any]) -> dict[str, Any]:
    return parse_data.get(SCOPE_KEY) or {}


def nearest_intents(parse_data: dict[str, Any]) -> list[str]:
    """The intents of the training examples nearest to the message, nearest first."""
    return [str(intent) for intent, _ in scope_of(parse_data).get("nearest") or []]
