"""The Dutch spaCy pipeline: fallback to spaCy's language data, a model on disk, and the Rasa component."""
from __future__ import annotations

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from naadloos.nlu.dutch_spacy import DutchSpacyNLP
from naadloos.nlu.spacy_language import DEFAULT_MODEL, FALLBACK_NAME, load_dutch

MISSING_MODEL = "a_model_that_does_not_exist"
TINY_LEMMAS = {"twee": "twee", "facturen": "factuur", "en": "en", "drie": "drie", "meterstanden": "meterstand"}


@pytest.fixture(scope="module")
def fallback():
    return load_dutch(MISSING_MODEL)


@pytest.fixture(scope="module")
def tiny_dutch_model(tmp_path_factory):
    """A small Dutch pipeline on disk whose lemmas come from its own rules, not from lookup tables."""
    nlp = spacy.blank("nl")
    ruler = nlp.add_pipe("attribute_ruler")
    nlp.add_pipe("sentencizer")
    nlp.initialize()
    for word, lemma in TINY_LEMMAS.items():
        ruler.add([[{"LOWER": word}]], {"LEMMA": lemma})
    path = tmp_path_factory.mktemp("spacy") / "tiny_nl"
    nlp.to_disk(path)
    return str(path)


def test_missing_model_falls_back_to_dutch_language_data(fallback):
    assert (fallback.is_fallback, fallback.name, fallback.nlp.lang) == (True, FALLBACK_NAME, "nl")


@pytest.mark.parametrize(
    "word, lemma", [("facturen", "factuur"), ("meterstanden", "meterstand"), ("verhuizingen", "verhuizing")]
)
def test_fallback_lemmatizes_dutch(fallback, word, lemma):
    assert fallback.nlp(word)[0].lemma_ == lemma


def test_fallback_describe_says_how_to_install_the_model(fallback):
    description = fallback.describe()
    assert "not installed" in description
    assert FALLBACK_NAME in description
    assert "make spacy-model" in description


def test_model_on_disk_is_loaded(tiny_dutch_model):
    language = load_dutch(tiny_dutch_model)
    assert (language.is_fallback, language.name) == (False, tiny_dutch_model)
    assert language.nlp.pipe_names == ["attribute_ruler", "sentencizer"]
    assert tiny_dutch_model in language.describe()
    assert [t.lemma_ for t in language.nlp("twee facturen")] == ["twee", "factuur"]


def test_non_dutch_model_is_refused(tmp_path):
    path = tmp_path / "tiny_en"
    spacy.blank("en").to_disk(path)
    with pytest.raises(ValueError, match="is for language 'en', not Dutch"):
        load_dutch(str(path))


def test_component_defaults_to_the_dutch_model():
    assert DutchSpacyNLP.get_default_config()["model"] == DEFAULT_MODEL


@pytest.mark.parametrize("which", ["model", "fallback"])
def test_component_feeds_rasa_spacy_tokenizer(which, tiny_dutch_model, component_args):
    model = tiny_dutch_model if which == "model" else MISSING_MODEL
    component = DutchSpacyNLP.create({"model": model}, *component_args)
    provided = component.provide()
    assert provided.model_name == (tiny_dutch_model if which == "model" else FALLBACK_NAME)

    message = Message(data={TEXT: "Twee Facturen en drie meterstanden"})
    component.process([message], provided)
    assert message.get(SPACY_DOCS[TEXT]).text == "twee facturen en drie meterstanden"

    tokenizer = SpacyTokenizer.create(SpacyTokenizer.get_default_config(), *component_args)
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [(t.text, t.start, t.lemma) for t in tokens] == [
        ("twee", 0, "twee"),
        ("facturen", 5, "factuur"),
        ("en", 14, "en"),
        ("drie", 17, "drie"),
        ("meterstanden", 22, "meterstand"),
    ]
