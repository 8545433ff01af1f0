"""LikelyIntentResponseSelector: Rasa's selection for a message that may be about its retrieval
intent, nothing but the list of retrieval intents for the others. A small selector is trained here
(one epoch: the test is about which messages get a selection, not about what it learns)."""
from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.importers.utils import training_data_from_paths
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from naadloos.nlu.likely_intent_selector import LikelyIntentResponseSelector, may_be_about

NLU = """
version: "3.1"
nlu:
- intent: faq/opening_hours
  examples: |
    - wanneer zijn jullie open
    - hoe laat gaan jullie dicht
- intent: faq/meter_reading
  examples: |
    - hoe geef ik mijn meterstand door
    - meterstand doorgeven
- intent: greet
  examples: |
    - hoi
    - goedemorgen
responses:
  utter_faq/opening_hours: [{text: "We zijn er van 8 tot 18 uur."}]
  utter_faq/meter_reading: [{text: "Dat kan in de app."}]
"""


def ranked(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "confidence": 0.5 / (place + 1)} for place, name in enumerate(names)]


def message(text: str, intent: str, ranking: list[dict[str, Any]]) -> Message:
    found = Message(data={TEXT: text})
    found.set(INTENT, {"name": intent, "confidence": 0.9})
    found.set(INTENT_RANKING_KEY, ranking)
    return found


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    folder = tmp_path_factory.mktemp("selector")
    (folder / "nlu.yml").write_text(NLU, encoding="utf-8")
    data = training_data_from_paths([str(folder / "nlu.yml")], language="nl")
    (folder / "storage").mkdir()
    storage = LocalModelStorage(folder / "storage")
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), context)
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = {**ResponseSelector.get_default_config(), "retrieval_intent": "faq", "epochs": 1, "random_seed": 42}
    selectors = []
    for name, selector_class in (("likely", LikelyIntentResponseSelector), ("rasa", ResponseSelector)):
        selector = selector_class.create(config, storage, Resource(name), context)
        selector.train(data)
        selectors.append(selector)
    return tokenizer, featurizer, *selectors


def processed(pipeline: tuple[Any, ...], selector: Any, *messages: Message) -> list[Message]:
    tokenizer, featurizer = pipeline[:2]
    tokenizer.process(list(messages))
    featurizer.process(list(messages))
    return selector.process(list(messages))


@pytest.mark.parametrize(
    ("intent", "ranking", "expected"),
    [
        ("faq", ranked("faq", "greet"), True),
        ("nlu_fallback", ranked("nlu_fallback", "greet", "faq", "thank"), True),  # a top alternative
        ("greet", ranked("greet", "thank", "affirm", "faq"), False),  # fourth: never an alternative
        ("greet", ranked("greet"), False),
        ("faq", [], True),
    ],
)
def test_which_messages_may_be_about_the_retrieval_intent(intent: str, ranking: list[dict[str, Any]], expected: bool) -> None:
    assert may_be_about(message("x", intent, ranking), "faq") is expected


def test_a_likely_message_gets_rasas_own_selection(pipeline: tuple[Any, ...]) -> None:
    likely, rasa_selector = pipeline[2:]
    ours = processed(pipeline, likely, message("wanneer zijn jullie open", "faq", ranked("faq", "greet")))[0]
    rasas = processed(pipeline, rasa_selector, message("wanneer zijn jullie open", "faq", ranked("faq", "greet")))[0]
    assert ours.get("response_selector")["faq"]["response"]["intent_response_key"].startswith("faq/")
    assert set(ours.get("response_selector")) == set(rasas.get("response_selector"))


def test_another_message_gets_only_the_list_of_retrieval_intents(pipeline: tuple[Any, ...]) -> None:
    likely = pipeline[2]
    greeting, question = processed(
        pipeline, likely,
        message("hoi", "greet", ranked("greet", "thank", "affirm")),
        message("meterstand doorgeven", "faq", ranked("faq")),
    )
    assert greeting.get("response_selector") == {"all_retrieval_intents": ["faq"]}
    assert "faq" in question.get("response_selector")
