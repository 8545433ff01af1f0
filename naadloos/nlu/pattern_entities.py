"""`DutchPatternEntityExtractor`: deterministic extraction of Dutch customer data.

Postcodes, house numbers, customer numbers, e-mail addresses, phone numbers, dates and meter
readings follow fixed formats, so rules in `naadloos.core.parsing` find them more reliably than a
learned model would, and form validation uses the very same rules.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from naadloos.core.parsing import find_entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DutchPatternEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds entities found by `naadloos.core.parsing.find_entities` to each message."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DutchPatternEntityExtractor:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: f.entity,
                    ENTITY_ATTRIBUTE_START: f.start,
                    ENTITY_ATTRIBUTE_END: f.end,
                    ENTITY_ATTRIBUTE_VALUE: f.value,
                    EXTRACTOR: self.name,
                }
                for f in find_entities(text)
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
