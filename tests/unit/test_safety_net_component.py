"""SensitiveTopicSafetyNet as Rasa runs it: on messages that already carry the classifier's
intent and ranking, with the real config/escalation.yml."""
from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from naadloos.nlu.safety_net import SensitiveTopicSafetyNet


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": text, "intent": intents[0], "intent_ranking": intents})


def run(message: Message) -> dict[str, Any]:
    SensitiveTopicSafetyNet().process([message])
    return {"intent": message.get("intent"), "ranking": message.get("intent_ranking"), "net": message.get("safety_net")}


def test_a_keyword_overrules_a_routine_intent() -> None:
    result = run(classified("mijn man is overleeden, hoe geef ik de meterstand door?", ("give_meter_reading", 0.9)))
    assert result["intent"] == {"name": "bereavement", "confidence": 1.0}
    assert [r["name"] for r in result["ranking"]] == ["bereavement", "give_meter_reading"]
    assert result["net"] == {"topic": "bereavement", "keyword": "overleden", "classified_as": "give_meter_reading"}


def test_the_classifier_keeps_a_crisis_that_the_keywords_call_something_else() -> None:
    result = run(classified("mijn vader is overleden en ik kan zo niet meer", ("crisis", 0.8), ("bereavement", 0.2)))
    assert result["intent"]["name"] == "crisis"


def test_keywords_win_over_an_equally_or_less_urgent_classification() -> None:
    result = run(classified("de deurwaarder stuurde een brief namens jullie", ("fraud", 0.7), ("faq", 0.2)))
    assert result["intent"]["name"] == "payment_distress"


def test_a_look_alike_the_classifier_took_for_a_topic_is_not_understood() -> None:
    """"Bedoel je ...?" follows, with buttons for the routine subjects in the ranking."""
    result = run(classified("mijn telefoon is overleden, hoe werkt de app", ("bereavement", 0.8), ("faq", 0.15)))
    assert result["intent"] == {"name": "nlu_fallback", "confidence": 0.8}
    assert [r["name"] for r in result["ranking"]] == ["nlu_fallback", "bereavement", "faq"]
    assert result["net"]["excluded"].startswith("$apparaat")


def test_an_unsure_classifier_alone_is_not_enough_for_a_complaint() -> None:
    unsure = run(classified("jullie zijn echt een stel prutsers", ("complaint", 0.7), ("chitchat", 0.2)))
    assert unsure["intent"]["name"] == "nlu_fallback" and unsure["net"]["unsure"] == 0.7
    sure = run(classified("jullie zijn echt een stel prutsers", ("complaint", 0.95), ("chitchat", 0.02)))
    assert sure["intent"]["name"] == "complaint"


@pytest.mark.parametrize("text", ["/affirm", ""])
def test_buttons_and_empty_messages_are_left_alone(text: str) -> None:
    result = run(classified(text, ("affirm", 1.0)))
    assert result["intent"]["name"] == "affirm" and result["net"] is None


def test_a_routine_message_is_left_alone() -> None:
    result = run(classified("wat zijn jullie openingstijden", ("faq", 0.97)))
    assert result["intent"] == {"name": "faq", "confidence": 0.97} and result["net"] is None
