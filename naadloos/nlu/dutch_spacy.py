"""`DutchSpacyNLP`: Rasa's SpacyNLP with a fallback to spaCy's built-in Dutch language data.

Use it in `config.yml` in place of `SpacyNLP`, followed by Rasa's `SpacyTokenizer`:

    - name: naadloos.nlu.dutch_spacy.DutchSpacyNLP
      model: nl_core_news_sm
    - name: SpacyTokenizer
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

from naadloos.nlu.spacy_language import DEFAULT_MODEL, load_dutch


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="DutchSpacyNLP",
)
class DutchSpacyNLP(SpacyNLP):
    """Provides the Dutch spaCy pipeline to the spaCy tokenizer.

    The provided model's fingerprint is the name of what was loaded, so installing the real
    model later makes `rasa train` retrain the components that depend on it.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SpacyNLP.get_default_config(), "model": DEFAULT_MODEL}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DutchSpacyNLP:
        config = {**cls.get_default_config(), **config}
        language = load_dutch(config["model"])
        return cls(SpacyModel(model=language.nlp, model_name=language.name), config)
