"""Loads the Dutch spaCy pipeline: the real model when installed, else spaCy's Dutch language data.

`nl_core_news_sm` is downloaded from spaCy's model releases, outside the package registries, so it
is not always installable. The fallback is `spacy.blank("nl")` (Dutch tokenizer rules and stop
words) plus a lookup lemmatizer from `spacy-lookups-data`, which is enough for tokens and lemmas.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import spacy
from spacy.language import Language

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "nl_core_news_sm"
FALLBACK_NAME = "spacy.blank:nl+lookup-lemmatizer"


@dataclass(frozen=True)
class DutchLanguage:
    """A loaded Dutch spaCy pipeline and where it came from."""

    nlp: Language
    name: str
    is_fallback: bool

    def describe(self) -> str:
        if self.is_fallback:
            return (
                f"spaCy: Dutch model not installed, using spaCy's built-in Dutch language data "
                f"({FALLBACK_NAME}). Install the model later with: make spacy-model"
            )
        return f"spaCy: using the Dutch model '{self.name}' (spaCy {spacy.__version__})."


def blank_dutch() -> Language:
    """Dutch tokenizer rules, stop words and a lookup lemmatizer; no statistical components."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def load_dutch(model: str = DEFAULT_MODEL) -> DutchLanguage:
    """Loads `model` (a package name or a path), falling back to `blank_dutch()` when absent.

    The parser is disabled as Rasa's SpacyNLP does: we only need tokens, lemmas and, with the real
    model, its tagger.
    """
    try:
        nlp = spacy.load(model, disable=["parser"])
    except OSError:
        language = DutchLanguage(blank_dutch(), FALLBACK_NAME, is_fallback=True)
    else:
        if nlp.lang != "nl":
            raise ValueError(f"spaCy pipeline '{model}' is for language '{nlp.lang}', not Dutch (nl).")
        language = DutchLanguage(nlp, model, is_fallback=False)
    logger.info(language.describe())
    return language


if __name__ == "__main__":
    print(load_dutch().describe())
