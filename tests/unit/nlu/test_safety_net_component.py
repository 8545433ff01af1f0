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


def with_scope(message: Message, verdict: str, *nearest: str) -> Message:
    """What the out-of-scope detector adds before the safety net runs."""
    message.set("scope", {"verdict": verdict, "nearest": [[intent, 0.6] for intent in nearest]})
    return message


def test_a_crisis_the_nearest_examples_do_not_confirm_gives_way_to_a_bereavement_keyword() -> None:
    """"mn pa is dood" is a death, not a crisis, even when the classifier heard a crisis."""
    message = with_scope(classified("mn pa is dood en ik weet niet wat ik met zn rekeningen moet", ("crisis", 0.9)),
                         "known", "payment_distress", "crisis", "bereavement")
    assert run(message)["intent"]["name"] == "bereavement"


def test_a_crisis_the_nearest_examples_confirm_still_goes_first() -> None:
    message = with_scope(classified("mijn vader is overleden en ik kan zo niet meer", ("crisis", 0.8)),
                         "known", "crisis", "bereavement")
    assert run(message)["intent"]["name"] == "crisis"


def test_a_sensitive_topic_no_nearest_example_supports_becomes_the_routine_intent_they_share() -> None:
    """"ik moet nog geld terugkrijgen" is no fraud: the classifier's next choice, which the
    nearest examples share, is taken."""
    message = with_scope(classified("ik moet nog geld terugkrijgen van jullie", ("fraud", 0.94), ("faq", 0.05)),
                         "known", "faq/refund", "faq/refund", "faq/annual_statement")
    result = run(message)
    assert result["intent"] == {"name": "faq", "confidence": 0.05} and result["net"]["unsupported"] is True


def test_a_sensitive_topic_without_support_or_alternative_is_not_understood() -> None:
    """Unknown text never lands in a sensitive topic by default."""
    message = with_scope(classified("vergeet het maar, hoeft niet meer", ("crisis", 0.91), ("greet", 0.05)),
                         "known", "stop", "deny", "stop")
    assert run(message)["intent"]["name"] == "nlu_fallback"


def test_a_sure_sensitive_guess_takes_the_sensitive_topic_the_nearest_examples_clearly_share() -> None:
    """Sure that it is sensitive, wrong about which: the examples say complaint, not crisis."""
    message = with_scope(classified("het is nu echt genoeg geweest zo", ("crisis", 0.99)),
                         "known", "complaint", "complaint", "faq/switch_supplier")
    message.get("scope")["near_sensitive_topic"] = "complaint"
    result = run(message)
    assert result["intent"] == {"name": "complaint", "confidence": 0.99}
    assert result["net"] == {"topic": "complaint", "classified_as": "crisis", "nearest_examples": True}


def test_a_hesitant_sensitive_guess_does_not_borrow_the_nearest_examples_topic() -> None:
    message = with_scope(classified("is het contract toch al actief", ("complaint", 0.73), ("faq", 0.2)),
                         "known", "fraud", "fraud", "faq/contract")
    message.get("scope")["near_sensitive_topic"] = "fraud"
    assert run(message)["intent"]["name"] != "fraud"


def test_a_topic_within_the_margin_of_the_nearest_examples_is_supported() -> None:
    """The detector measured the classifier's own choice as close enough (`supported`)."""
    message = with_scope(classified("waarom reageert er niemand op mijn mails", ("complaint", 0.99)),
                         "known", "faq/contact_details_change", "faq/login_password", "faq/contact_details_change")
    message.get("scope").update(supported=True, classified_as={"name": "complaint", "confidence": 0.99})
    assert run(message)["intent"]["name"] == "complaint"


def test_a_keyword_does_not_turn_an_out_of_scope_question_into_a_sensitive_topic() -> None:
    message = with_scope(classified("is er ooit fraude gepleegd bij het televoten", ("out_of_scope", 0.9)),
                         "out_of_scope", "fraud")
    assert run(message)["intent"]["name"] == "out_of_scope"


@pytest.mark.parametrize(("classified_as", "confidence", "expected"), [
    ("out_of_scope", 0.99, "nlu_fallback"),  # the classifier is sure: another business's question
    ("out_of_scope", 0.6, "fraud"),  # a hesitant classifier does not outweigh the keyword
    ("faq", 0.99, "fraud"),
])
def test_a_keyword_in_a_question_the_classifier_is_sure_is_out_of_scope(classified_as: str, confidence: float,
                                                                       expected: str) -> None:
    """"Hoe herken ik een neppe designertas?": far from every example, so "not understood" already."""
    message = with_scope(classified("hoe herken ik een neppe designertas", ("nlu_fallback", 0.1), (classified_as, confidence)),
                         "far", "faq/app")
    message.get("scope")["classified_as"] = {"name": classified_as, "confidence": confidence}
    assert run(message)["intent"]["name"] == expected


def test_a_crisis_keyword_counts_even_in_an_out_of_scope_message() -> None:
    message = with_scope(classified("ik wil niet meer leven, kun je een film aanraden", ("out_of_scope", 0.9)),
                         "out_of_scope", "faq/app")
    assert run(message)["intent"]["name"] == "crisis"


def test_the_insurance_against_death_is_no_bereavement() -> None:
    result = run(classified("ik heb een vraag over mijn overlijdensrisicoverzekering", ("faq", 0.9)))
    assert result["intent"]["name"] == "faq"


def test_a_death_needs_a_word_that_says_so() -> None:
    """"mijn vader is met pensioen" is no bereavement, however sure the classifier is."""
    message = with_scope(classified("mijn vader is met pensioen en wil zijn termijnbedrag verlagen", ("bereavement", 1.0),
                                    ("faq", 0.0)), "known", "faq/instalment_change", "bereavement", "bereavement")
    result = run(message)
    assert result["intent"]["name"] == "faq" and result["net"]["no_keyword"] is True


@pytest.mark.parametrize("text", ["mijn moeder is ons ontvallen, wie regelt haar energie", "mijn man leeft niet meer"])
def test_indirect_words_for_a_death_are_keywords(text: str) -> None:
    assert run(classified(text, ("faq", 0.9)))["intent"]["name"] == "bereavement"
