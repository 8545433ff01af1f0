"""validate_verhuizing_form, run as Rasa runs it (today is Wednesday 18 November 2026)."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.verhuizing import ValidateVerhuizingForm

KNOWN = {"customer_number": "12345678"}


@pytest.fixture
def form(make_form):
    return make_form(ValidateVerhuizingForm)


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("new_postcode", "1234 ab", "1234 AB"),
        ("new_postcode", "mijn nieuwe postcode is 2514GL", "2514 GL"),
        ("new_postcode", "<b>2514GL</b>", "2514 GL"),
        ("new_house_number", "12", "12"),
        ("new_house_number", "12a", "12A"),
        ("new_house_number", "7-2", "7-2"),
        ("new_house_number", "103 hoog", "103 hoog"),
        ("moving_date", "vandaag", "2026-11-18"),
        ("moving_date", "1 december", "2026-12-01"),
        ("moving_date", "15 januari", "2027-01-15"),
        ("moving_date", "18-11-2027", "2027-11-18"),  # 365 days ahead: still accepted
    ],
)
async def test_valid_answer_is_kept(form, form_turn, dispatcher, slot, text, value):
    assert await form_turn(form, slot, text, before=KNOWN) == [SlotSet(slot, value)]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("new_postcode", "1234 SA", "utter_form_invalid_postcode"),
        ("new_postcode", "12345", "utter_form_invalid_postcode"),
        ("new_postcode", "0123 AB", "utter_form_invalid_postcode"),
        ("new_postcode", "<script>alert(1)</script>", "utter_form_invalid_postcode"),
        ("new_house_number", "abc", "utter_form_invalid_house_number"),
        ("new_house_number", "0", "utter_form_invalid_house_number"),
        ("new_house_number", "123456", "utter_form_invalid_house_number"),
        ("moving_date", "gisteren", "utter_verhuizing_date_in_past"),
        ("moving_date", "01-11-2026", "utter_verhuizing_date_in_past"),
        ("moving_date", "20-11-2027", "utter_verhuizing_date_too_far"),
        ("moving_date", "weet ik nog niet", "utter_verhuizing_invalid_date"),
        ("moving_date", "x" * 5000, "utter_verhuizing_invalid_date"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
async def test_invalid_answer_is_cleared_and_explained(form, form_turn, response_names, slot, text, response):
    assert await form_turn(form, slot, text, before=KNOWN) == [SlotSet(slot, None)]
    assert response_names() == [response]


async def test_house_number_correction_while_moving_date_is_asked(form, form_turn, said, response_names):
    events = await form_turn(
        form,
        "moving_date",
        "nee, het huisnummer is 12",
        extracted={"new_house_number": "12"},
        before={**KNOWN, "new_house_number": "10"},
    )
    assert events == [SlotSet("new_house_number", "12"), SlotSet("moving_date", None)]
    assert said() == ["Ik heb het huisnummer aangepast naar 12."]
    assert response_names() == ["utter_form_changed_new_house_number"]  # and no error


async def test_house_number_given_early_is_not_called_a_change(form, form_turn, dispatcher):
    events = await form_turn(form, "moving_date", "huisnummer 12", extracted={"new_house_number": "12"}, before=KNOWN)
    assert events == [SlotSet("new_house_number", "12"), SlotSet("moving_date", None)]
    assert dispatcher.messages == []


async def test_postcode_correction_while_house_number_is_asked(form, form_turn, said, response_names):
    events = await form_turn(
        form,
        "new_house_number",
        "nee, de postcode is 1234 AB",
        extracted={"new_postcode": "1234 AB"},
        before={**KNOWN, "new_postcode": "5678 CD"},
    )
    assert events == [SlotSet("new_postcode", "1234 AB"), SlotSet("new_house_number", None)]
    assert said() == ["Ik heb de postcode aangepast naar 1234 AB."]
    assert response_names() == ["utter_form_changed_new_postcode"]  # and no error


async def test_answer_to_the_asked_question_is_not_a_correction(form, form_turn, dispatcher):
    events = await form_turn(form, "new_house_number", "huisnummer 12a", before={**KNOWN, "new_house_number": "10"})
    assert events == [SlotSet("new_house_number", "12A")]
    assert dispatcher.messages == []


async def test_whole_form_turn_by_turn_ends_with_klopt_dit(form, form_turn, dispatcher):
    slots: dict = {}
    asked = []
    slot = "customer_number"
    for text, intent in [("12345678", "inform"), ("2514gl", "inform"), ("4", "inform"), ("1 december", "inform")]:
        events = await form_turn(form, slot, text, before=dict(slots), intent=intent, with_next=True)
        slots.update({event["name"]: event["value"] for event in events})
        slot = slots.pop("requested_slot")
        asked.append(slot)
    assert asked == ["new_postcode", "new_house_number", "moving_date", "form_confirmed"]  # nothing submitted yet
    assert dispatcher.messages == []


async def test_without_customer_number_the_current_address_is_asked_first(form, make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"no_customer_number": True}, active_loop="verhuizing_form")
    assert await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain) == [
        "postcode", "house_number", "new_postcode", "new_house_number", "moving_date", "form_confirmed",
    ]


def test_the_new_address_is_not_filled_while_the_current_one_is_asked(domain):
    """A postcode typed for the current address must not become the new address as well."""
    for slot in ("new_postcode", "new_house_number"):
        [entity_mapping] = [m for m in domain["slots"][slot]["mappings"] if m["type"] == "from_entity"]
        asked = {condition.get("requested_slot") for condition in entity_mapping["conditions"]}
        assert not asked & {"customer_number", "postcode", "house_number", None}
