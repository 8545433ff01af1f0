"""DutchPatternEntityExtractor on Rasa messages."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from naadloos.nlu.pattern_entities import DutchPatternEntityExtractor

EXTRACTOR = "DutchPatternEntityExtractor"


@pytest.fixture
def extractor(component_args):
    return DutchPatternEntityExtractor.create({}, *component_args)


def test_entities_have_type_span_value_and_extractor(extractor):
    text = "Ik verhuis naar 2514gl 4 op 1 december, klantnummer 12345678"
    [message] = extractor.process([Message(data={TEXT: text})])
    entities = message.get(ENTITIES)
    assert entities == [
        {"entity": "postcode", "start": 16, "end": 22, "value": "2514 GL", "extractor": EXTRACTOR},
        {"entity": "house_number", "start": 23, "end": 24, "value": "4", "extractor": EXTRACTOR},
        {"entity": "date", "start": 28, "end": 38, "value": "1 december", "extractor": EXTRACTOR},
        {"entity": "customer_number", "start": 52, "end": 60, "value": "12345678", "extractor": EXTRACTOR},
    ]
    assert [text[e["start"] : e["end"]] for e in entities] == ["2514gl", "4", "1 december", "12345678"]
    assert ENTITIES in message.output_properties


def test_existing_entities_are_kept(extractor):
    earlier = {"entity": "date", "start": 0, "end": 6, "value": "morgen", "extractor": "DIETClassifier"}
    message = Message(data={TEXT: "morgen, stand 12345 kWh", ENTITIES: [earlier]})
    extractor.process([message])
    assert message.get(ENTITIES)[0] == earlier
    assert [(e["entity"], e["value"]) for e in message.get(ENTITIES)[1:]] == [("date", "morgen"), ("meter_reading", "12345")]


@pytest.mark.parametrize("data", [{TEXT: ""}, {"intent": "greet"}])
def test_message_without_text_is_untouched(extractor, data):
    message = Message(data=dict(data))
    extractor.process([message])
    assert message.data == data
    assert message.get(ENTITIES) is None


def test_text_without_entities_gets_an_empty_list(extractor):
    [message] = extractor.process([Message(data={TEXT: "<script>alert('hoi')</script> 😀"})])
    assert message.get(ENTITIES) == []
