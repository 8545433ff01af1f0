"""OutOfScopeDetector as Rasa trains, stores, loads and runs it, on real sentence vectors."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from naadloos.nlu.example_index import ExampleIndex, Weights, content_words, has_words
from naadloos.nlu.out_of_scope import OutOfScopeDetector
from naadloos.nlu.sentence_encoder import SentenceEncoderFeaturizer

TRAINING = {
    "give_meter_reading": ["ik wil mijn meterstand doorgeven", "meterstanden doorgeven",
                           "hoe geef ik de stand van mijn meter door", "ik kom mijn standen doorgeven",
                           "graag mijn meterstand doorgeven voor de jaarafrekening"],
    "faq/opening_hours": ["wanneer zijn jullie open", "hoe laat gaat de klantenservice dicht", "zijn jullie zaterdag bereikbaar",
                          "wat zijn jullie openingstijden", "tot hoe laat kan ik bellen"],
    "greet": ["hoi", "hallo", "goedemorgen", "hey daar", "goedendag"],
    "out_of_scope": ["ik wil een pizza bestellen", "boek een vlucht naar spanje", "geef me een recept voor soep",
                     "wie wint de wedstrijd vanavond", "wat is de hoofdstad van frankrijk"],
}
CONFIG = {"neighbours": 2, "out_of_scope_weight": 0.5, "threshold": 0.35}


def training_data() -> TrainingData:
    examples = []
    for intent, texts in TRAINING.items():
        base, _, topic = intent.partition("/")
        for text in texts:
            data: dict[str, Any] = {TEXT: text, "intent": base}
            if topic:
                data["intent_response_key"] = intent
            examples.append(Message(data=data))
    return TrainingData(training_examples=examples)


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("model_storage"))


@pytest.fixture(scope="module")
def featurizer():
    return SentenceEncoderFeaturizer.create({}, None, None, ExecutionContext(GraphSchema({}), "123"))


@pytest.fixture(scope="module")
def trained(storage, featurizer):
    """A detector trained as `rasa train` does, then loaded from the model storage as `rasa run` does."""
    context = ExecutionContext(GraphSchema({}), "123")
    resource = Resource("out_of_scope")
    detector = OutOfScopeDetector.create(CONFIG, storage, resource, context)
    detector.train(featurizer.process_training_data(training_data()))
    return OutOfScopeDetector.load({**OutOfScopeDetector.get_default_config(), **CONFIG}, storage, resource, context)


def run(detector: OutOfScopeDetector, featurizer, text: str, intent: str = "greet", confidence: float = 0.99,
        entities: list[dict[str, Any]] | None = None) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "give_meter_reading", "confidence": 1 - confidence}]
    message = Message(data={TEXT: text, "intent": ranking[0], "intent_ranking": ranking, "entities": entities or []})
    detector.process(featurizer.process([message]))
    return message


def test_a_message_like_the_training_examples_keeps_its_intent(trained, featurizer) -> None:
    message = run(trained, featurizer, "ik wil graag de meterstand doorgeven", intent="give_meter_reading")
    assert message.get("intent")["name"] == "give_meter_reading"
    scope = message.get("scope")
    assert scope["verdict"] == "known" and scope["nearest"][0][0] == "give_meter_reading"
    assert scope["classified_as"] == {"name": "give_meter_reading", "confidence": 0.99}


def test_retrieval_intents_are_remembered_with_their_topic(trained, featurizer) -> None:
    message = run(trained, featurizer, "wat zijn de openingstijden van de klantenservice", intent="faq")
    assert message.get("scope")["nearest"][0][0] == "faq/opening_hours"


def test_a_message_far_from_everything_is_not_understood(trained, featurizer) -> None:
    """The classifier's softmax is sure; the distance says it knows nothing like this."""
    message = run(trained, featurizer, "hoe repareer ik de ketting van mijn fiets", intent="give_meter_reading")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("scope")["verdict"] in ("far", "out_of_scope")
    assert message.get("intent_ranking")[1]["name"] == "give_meter_reading"  # kept for "Bedoel je ...?"


def test_a_message_closer_to_the_out_of_scope_examples_is_out_of_scope(trained, featurizer) -> None:
    message = run(trained, featurizer, "kun je een pizza margherita voor me bestellen", intent="faq")
    assert message.get("scope")["verdict"] == "out_of_scope"
    assert message.get("intent")["name"] == "out_of_scope"


@pytest.mark.parametrize("text", ["😀😀", "👍", "<b></b>", "?!", "<img src=x>"])
def test_a_message_without_words_is_not_understood_at_once(trained, featurizer, text) -> None:
    message = run(trained, featurizer, text)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.0}
    assert message.get("scope")["verdict"] == "no_words"


@pytest.mark.parametrize("text, expected", [("😀 hoi", True), ("<b>hallo</b>", True), ("1234AB", True), ("🙂🙂", False),
                                            ("<p> </p>", False), ("", False), ("___", False)])
def test_has_words(text, expected) -> None:
    assert has_words(text) is expected


def test_a_form_answer_with_a_recognised_value_is_never_out_of_scope(trained, featurizer) -> None:
    postcode = [{"entity": "postcode", "value": "9722 BH", "start": 0, "end": 6}]
    message = run(trained, featurizer, "9722bh", intent="greet", entities=postcode)
    assert message.get("intent")["name"] == "greet"
    assert message.get("scope")["verdict"] == "known"


def test_buttons_are_left_alone(trained, featurizer) -> None:
    message = run(trained, featurizer, "/give_meter_reading", intent="give_meter_reading")
    assert message.get("intent")["name"] == "give_meter_reading" and message.get("scope") is None


def test_a_fallback_of_the_classifier_stays_a_fallback(trained, featurizer) -> None:
    message = run(trained, featurizer, "hoe repareer ik de ketting van mijn fiets", intent="nlu_fallback", confidence=0.5)
    assert message.get("intent")["name"] in ("nlu_fallback", "out_of_scope")


def test_training_without_the_sentence_encoder_says_what_to_add(tmp_path) -> None:
    detector = OutOfScopeDetector.create({}, LocalModelStorage(tmp_path), Resource("x"), ExecutionContext(GraphSchema({}), "1"))
    with pytest.raises(InvalidConfigException, match="SentenceEncoderFeaturizer before it"):
        detector.train(training_data())


def test_loading_a_model_without_vectors_asks_for_a_retrain(tmp_path) -> None:
    with pytest.raises(InvalidConfigException, match="retrain"):
        OutOfScopeDetector.load(OutOfScopeDetector.get_default_config(), LocalModelStorage(tmp_path), Resource("none"),
                                ExecutionContext(GraphSchema({}), "1"))


@pytest.mark.parametrize("config", [{"neighbours": 0}, {"threshold": 2}])
def test_impossible_settings_are_refused(tmp_path, config) -> None:
    with pytest.raises(InvalidConfigException):
        OutOfScopeDetector.create(config, LocalModelStorage(tmp_path), Resource("x"), ExecutionContext(GraphSchema({}), "1"))


def test_a_known_message_the_classifier_called_out_of_scope_gets_the_next_supported_intent(trained, featurizer) -> None:
    message = run(trained, featurizer, "ik wil graag de meterstand doorgeven", intent="out_of_scope", confidence=0.9)
    assert message.get("intent") == {"name": "give_meter_reading", "confidence": pytest.approx(0.1)}


def test_where_the_classifier_hesitated_the_nearest_example_decides(trained, featurizer) -> None:
    """The FallbackClassifier found the classifier unsure; the nearest example is one of its top choices."""
    message = run(trained, featurizer, "ik wil graag de meterstand doorgeven", intent="nlu_fallback", confidence=0.55)
    assert message.get("intent") == {"name": "give_meter_reading", "confidence": pytest.approx(0.45)}


def test_words_no_known_example_has_lower_the_score() -> None:
    vectors = np.eye(3, dtype=np.float32)
    index = ExampleIndex(vectors, ["greet", "faq/app", "out_of_scope"], {"hallo", "app"}, "out_of_scope")
    weights = Weights(neighbours=1, out_of_scope_weight=0.5, unknown_word_weight=0.2)
    known = index.scope(vectors[0], "hallo app", weights)
    strange = index.scope(vectors[0], "hallo designertas televoten", weights)
    assert (known.unknown_words, strange.unknown_words) == (0.0, pytest.approx(2 / 3))
    assert known.score == pytest.approx(1.0) and strange.score == pytest.approx(1.0 - 0.2 * 2 / 3)
    assert index.scope(vectors[2], "hallo", weights).verdict(0.6) == "out_of_scope"


@pytest.mark.parametrize("text, words", [("Hé, ik wil 2 KWh!", ["wil", "kwh"]), ("één café", ["één", "café"]), ("a b 12", [])])
def test_content_words(text, words) -> None:
    assert content_words(text) == words


def test_a_message_that_is_mostly_a_value_is_an_answer_when_the_classifier_hesitated(trained, featurizer) -> None:
    yesterday = [{"entity": "date", "value": "2026-11-29", "start": 0, "end": 8}]
    message = run(trained, featurizer, "gisteren", intent="nlu_fallback", confidence=0.55, entities=yesterday)
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}


COMPLAINTS = ["ik wil een klacht indienen", "ik ben heel ontevreden over jullie klantenservice",
              "dit is schandalig, niemand helpt me", "ik ben boos over de manier waarop ik behandeld ben",
              "jullie service is echt waardeloos", "ik wil mijn beklag doen over de monteur"]
# Every message is far (threshold 0.95) and no topic is clearly near (protect_min_similarity 1.0), so
# only the topic model's second opinion can keep a sensitive topic.
SECOND_OPINION_CONFIG = {"neighbours": 2, "threshold": 0.95, "protect_min_similarity": 1.0, "second_opinion": 0.5}


@pytest.fixture(scope="module")
def with_complaints(storage, featurizer):
    context = ExecutionContext(GraphSchema({}), "123")
    resource = Resource("out_of_scope_with_complaints")
    data = training_data().merge(TrainingData([Message(data={TEXT: text, "intent": "complaint"}) for text in COMPLAINTS]))
    OutOfScopeDetector.create(SECOND_OPINION_CONFIG, storage, resource, context).train(featurizer.process_training_data(data))
    config = {**OutOfScopeDetector.get_default_config(), **SECOND_OPINION_CONFIG}
    return OutOfScopeDetector.load(config, storage, resource, context)


def test_a_sensitive_topic_far_from_every_example_stays_when_its_meaning_leans_to_it(with_complaints, featurizer) -> None:
    message = run(with_complaints, featurizer, "wat een waardeloze behandeling, ik ben er woedend over", intent="complaint")
    assert message.get("intent")["name"] == "complaint"
    assert message.get("scope")["verdict"] == "known" and message.get("scope")["topic_probability"] >= 0.5


def test_the_second_opinion_needs_a_classifier_that_is_sure(with_complaints, featurizer) -> None:
    message = run(with_complaints, featurizer, "wat een waardeloze behandeling, ik ben er woedend over", intent="complaint",
                  confidence=0.6)
    assert message.get("intent")["name"] == "nlu_fallback"


def test_a_sensitive_topic_the_meaning_does_not_lean_to_is_not_understood(with_complaints, featurizer) -> None:
    """The classifier is sure of a complaint; the meaning is a meter reading: no second opinion."""
    message = run(with_complaints, featurizer, "ik wil mijn meterstand doorgeven", intent="complaint")
    assert message.get("scope")["topic_probability"] < 0.5
    assert message.get("intent")["name"] == "nlu_fallback"


def test_routine_intents_get_no_second_opinion(with_complaints, featurizer) -> None:
    message = run(with_complaints, featurizer, "hoe repareer ik de ketting van mijn fiets", intent="give_meter_reading")
    assert "topic_probability" not in message.get("scope")
    assert message.get("intent")["name"] == "nlu_fallback"
