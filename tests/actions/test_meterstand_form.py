"""validate_meterstand_form, run as Rasa runs it (today is Wednesday 18 November 2026)."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.meterstand import ValidateMeterstandForm


@pytest.fixture
def form(make_form):
    return make_form(ValidateMeterstandForm)


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("customer_number", "12345678", "12345678"),
        ("customer_number", "1234 5678", "12345678"),
        ("electricity_reading", "12345", "12345"),
        ("electricity_reading", "04321 kWh", "4321"),
        ("electricity_reading", "stand is 2345,5", "2345.5"),
        ("electricity_reading", "999999", "999999"),
        ("gas_reading", "2345 m3", "2345"),
        ("gas_reading", "geen gas", "geen"),
        ("gas_reading", "Ik heb geen gasaansluiting", "geen"),
        ("reading_date", "vandaag", "2026-11-18"),
        ("reading_date", "gisteren", "2026-11-17"),
        ("reading_date", "maandag", "2026-11-16"),
        ("reading_date", "19-10", "2026-10-19"),  # 30 days ago: still accepted
    ],
)
async def test_valid_answer_is_kept(form, form_turn, dispatcher, slot, text, value):
    assert await form_turn(form, slot, text) == [SlotSet(slot, value)]
    assert dispatcher.messages == []


async def test_whole_form_turn_by_turn(form, form_turn, dispatcher):
    answers = [
        ("customer_number", "1234 5678"),
        ("electricity_reading", "04321 kWh"),
        ("gas_reading", "geen gas"),
        ("reading_date", "gisteren"),
    ]
    slots = {}
    for slot, text in answers:
        events = await form_turn(form, slot, text, before=dict(slots))
        slots.update({event["name"]: event["value"] for event in events})
    assert slots == {
        "customer_number": "12345678",
        "electricity_reading": "4321",
        "gas_reading": "geen",
        "reading_date": "2026-11-17",
    }
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("customer_number", "1234567", "utter_form_invalid_customer_number"),
        ("customer_number", "weet ik niet", "utter_form_invalid_customer_number"),
        ("electricity_reading", "abc", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "9" * 5000, "utter_meterstand_reading_too_long"),
        ("electricity_reading", "😀", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "<script>alert(1)</script>", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "normaal 1234 dal 5678", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "1234567", "utter_meterstand_reading_too_long"),
        ("electricity_reading", "stand 1234567 kWh", "utter_meterstand_reading_too_long"),
        ("gas_reading", "veel", "utter_meterstand_invalid_reading"),
        ("gas_reading", "1234567 m3", "utter_meterstand_reading_too_long"),
        ("reading_date", "morgen", "utter_meterstand_date_in_future"),
        ("reading_date", "1 december", "utter_meterstand_date_in_future"),
        ("reading_date", "18-10", "utter_meterstand_date_too_old"),
        ("reading_date", "1 oktober", "utter_meterstand_date_too_old"),
        ("reading_date", "ergens vorige week", "utter_meterstand_invalid_date"),
        ("reading_date", "31-02", "utter_meterstand_invalid_date"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
async def test_invalid_answer_is_cleared_and_explained(form, form_turn, response_names, slot, text, response):
    assert await form_turn(form, slot, text) == [SlotSet(slot, None)]
    assert response_names() == [response]


async def test_customer_number_correction_while_reading_is_asked(form, form_turn, texts, response_names):
    events = await form_turn(
        form,
        "electricity_reading",
        "nee, mijn klantnummer is 87654321",
        extracted={"customer_number": "87654321"},
        before={"customer_number": "12345678"},
    )
    assert events == [SlotSet("customer_number", "87654321"), SlotSet("electricity_reading", None)]
    assert texts() == ["Ik heb je klantnummer aangepast naar 87654321."]
    assert response_names() == []


async def test_first_customer_number_is_not_confirmed_as_a_change(form, form_turn, dispatcher):
    events = await form_turn(form, "customer_number", "12345678", extracted={"customer_number": "12345678"})
    assert events == [SlotSet("customer_number", "12345678")]
    assert dispatcher.messages == []
