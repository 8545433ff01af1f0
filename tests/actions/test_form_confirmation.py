"""'Klopt dit?' at the end of both forms: the summary, "ja" completes, "nee" lets the customer
pick one answer to change, and nothing is complete (so nothing is submitted) before "ja"."""
from __future__ import annotations

import itertools

import pytest
from rasa_sdk.events import SlotSet

from actions.meterstand import ActionAskMeterstandChange, ActionAskMeterstandConfirmation, ValidateMeterstandForm
from actions.verhuizing import ActionAskVerhuizingChange, ActionAskVerhuizingConfirmation, ValidateVerhuizingForm
from naadloos.core.answers import pick_field

SINGLE = {
    "customer_number": "12345678",
    "meter_type": "enkel",
    "electricity_reading": "8765",
    "solar_panels": "nee",
    "gas_reading": "geen",
    "reading_date": "2026-11-17",
}
DOUBLE_SOLAR_BY_ADDRESS = {
    "no_customer_number": True,
    "postcode": "1234 AB",
    "house_number": "12",
    "meter_type": "dubbel",
    "electricity_normal_reading": "12345",
    "electricity_offpeak_reading": "9876",
    "solar_panels": "ja",
    "return_normal_reading": "321",
    "return_offpeak_reading": "54",
    "gas_reading": "2345",
    "reading_date": "2026-11-17",
}
MOVE = {"customer_number": "12345678", "new_postcode": "2514 GL", "new_house_number": "4", "moving_date": "2026-12-01"}


@pytest.fixture
def meter_form(make_form):
    return make_form(ValidateMeterstandForm)


@pytest.fixture
def move_form(make_form):
    return make_form(ValidateVerhuizingForm)


def slots_set(events) -> dict:
    """The slots the events set, without the next question."""
    return {event["name"]: event["value"] for event in events if event["name"] != "requested_slot"}


def summary_of(dispatcher) -> str:
    [message] = dispatcher.messages
    assert message["response"] == "utter_form_confirm"
    return message["summary"]


async def test_summary_of_a_single_meter(make_tracker, run_action, dispatcher):
    await run_action(ActionAskMeterstandConfirmation(), make_tracker(slots=SINGLE))
    assert summary_of(dispatcher) == (
        "Klantnummer: 12345678\nSoort meter: enkele meter\nStroom: 8765 kWh\nZonnepanelen: nee\n"
        "Gas: geen gas\nAfgelezen op: 17 november 2026"
    )


async def test_summary_of_a_double_meter_with_solar_panels_without_customer_number(make_tracker, run_action, dispatcher):
    await run_action(ActionAskMeterstandConfirmation(), make_tracker(slots=DOUBLE_SOLAR_BY_ADDRESS))
    assert summary_of(dispatcher) == (
        "Postcode en huisnummer: 1234 AB 12\nSoort meter: dubbele meter\nStroom normaal: 12345 kWh\n"
        "Stroom dal: 9876 kWh\nZonnepanelen: ja\nTeruglevering normaal: 321 kWh\nTeruglevering dal: 54 kWh\n"
        "Gas: 2345 m³\nAfgelezen op: 17 november 2026"
    )


async def test_summary_of_a_move(make_tracker, run_action, dispatcher):
    await run_action(ActionAskVerhuizingConfirmation(), make_tracker(slots=MOVE))
    assert summary_of(dispatcher) == (
        "Klantnummer: 12345678\nNieuwe postcode: 2514 GL\nNieuw huisnummer: 4\nVerhuisdatum: 1 december 2026"
    )


def test_the_confirmation_has_yes_and_change_buttons(domain):
    [confirm] = domain["responses"]["utter_form_confirm"]
    assert "{summary}" in confirm["text"] and "Klopt dit?" in confirm["text"]
    assert [(b["title"], b["payload"]) for b in confirm["buttons"]] == [("Ja, klopt", "/affirm"), ("Nee, aanpassen", "/deny")]


async def test_change_buttons_one_per_answer(make_tracker, run_action, dispatcher):
    await run_action(ActionAskVerhuizingChange(), make_tracker(slots=MOVE))
    [message] = dispatcher.messages
    assert message["response"] == "utter_form_change"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        (label, label) for label in ("Klantnummer", "Nieuwe postcode", "Nieuw huisnummer", "Verhuisdatum")
    ]


async def test_meter_change_buttons_follow_the_meter(make_tracker, run_action, dispatcher):
    await run_action(ActionAskMeterstandChange(), make_tracker(slots={**DOUBLE_SOLAR_BY_ADDRESS, "gas_reading": "geen"}))
    [message] = dispatcher.messages
    assert [b["title"] for b in message["buttons"]] == [
        "Postcode en huisnummer", "Soort meter", "Stroom normaal", "Stroom dal", "Zonnepanelen",
        "Teruglevering normaal", "Teruglevering dal", "Gas", "Afgelezen op",
    ]


def meter_states():
    for meter_type, solar, by_address in itertools.product(("enkel", "dubbel"), ("ja", "nee"), (False, True)):
        slots = {"meter_type": meter_type, "solar_panels": solar, "gas_reading": "12", "reading_date": "2026-11-17"}
        by_number = {"customer_number": "12345678"}
        slots.update({"no_customer_number": True, "postcode": "1234 AB", "house_number": "1"} if by_address else by_number)
        yield slots


@pytest.mark.parametrize("slots", [*meter_states(), MOVE, {**MOVE, "customer_number": None, "no_customer_number": True}])
def test_every_button_picks_its_own_answer(make_tracker, slots):
    """A button sends its title; typed by hand it must name the same answer, not an earlier one."""
    form = ValidateVerhuizingForm() if "new_postcode" in slots else ValidateMeterstandForm()
    fields = form.fields(make_tracker(slots=slots))
    patterns = [(field.label, field.pattern) for field in fields]
    assert [pick_field(field.label, patterns) for field in fields] == [field.label for field in fields]


async def test_yes_completes_the_form(meter_form, form_turn, dispatcher):
    events = await form_turn(meter_form, "form_confirmed", "Ja, klopt", before=SINGLE, intent="affirm", with_next=True)
    assert events == [SlotSet("form_confirmed", "ja"), SlotSet("requested_slot", None)]
    assert dispatcher.messages == []


async def test_yes_by_button(move_form, form_turn):
    events = await form_turn(move_form, "form_confirmed", "/affirm", before=MOVE, intent="affirm", with_next=True)
    assert events == [SlotSet("form_confirmed", "ja"), SlotSet("requested_slot", None)]


async def test_without_yes_the_form_is_not_complete(meter_form, form_turn):
    """The last reading answered: the next question is 'Klopt dit?', so the submit rule cannot fire."""
    before = {key: value for key, value in SINGLE.items() if key != "reading_date"}
    events = await form_turn(meter_form, "reading_date", "gisteren", before=before, with_next=True)
    assert events == [SlotSet("reading_date", "2026-11-17"), SlotSet("requested_slot", "form_confirmed")]


async def test_no_asks_what_to_change(meter_form, form_turn):
    events = await form_turn(meter_form, "form_confirmed", "Nee, aanpassen", before=SINGLE, intent="deny", with_next=True)
    assert events == [SlotSet("form_confirmed", "nee"), SlotSet("requested_slot", "form_change")]


@pytest.mark.parametrize(
    "text, cleared, next_slot",
    [
        ("Gas", ["gas_reading"], "gas_reading"),
        ("de datum", ["reading_date"], "reading_date"),
        ("Klantnummer", ["customer_number"], "customer_number"),
        ("Soort meter", ["meter_type"], "meter_type"),
    ],
)
async def test_the_chosen_answer_is_asked_again_and_only_that(meter_form, form_turn, text, cleared, next_slot):
    before = {**SINGLE, "form_confirmed": "nee"}
    events = await form_turn(meter_form, "form_change", text, before=before, with_next=True)
    assert slots_set(events) == {**{slot: None for slot in cleared}, "form_change": None, "form_confirmed": None}
    assert events[-1] == SlotSet("requested_slot", next_slot)


async def test_after_the_change_the_summary_comes_again(meter_form, form_turn):
    before = {key: value for key, value in SINGLE.items() if key != "gas_reading"}
    events = await form_turn(meter_form, "gas_reading", "2354", before=before, with_next=True)
    assert events == [SlotSet("gas_reading", "2354"), SlotSet("requested_slot", "form_confirmed")]


async def test_no_with_the_answer_named_goes_straight_to_it(move_form, form_turn):
    text = "nee, de verhuisdatum klopt niet"
    events = await form_turn(move_form, "form_confirmed", text, before=MOVE, intent="deny", with_next=True)
    assert slots_set(events) == {"moving_date": None, "form_change": None, "form_confirmed": None}
    assert events[-1] == SlotSet("requested_slot", "moving_date")


async def test_a_correction_at_klopt_dit_is_taken_and_the_summary_shown_again(move_form, form_turn, said):
    events = await form_turn(
        move_form, "form_confirmed", "nee, het huisnummer is 12", before=MOVE, intent="deny",
        extracted={"new_house_number": "12"}, with_next=True,
    )
    assert events == [
        SlotSet("new_house_number", "12"), SlotSet("form_confirmed", None), SlotSet("requested_slot", "form_confirmed")
    ]
    assert said() == ["Ik heb het huisnummer aangepast naar 12."]


async def test_an_unclear_answer_is_explained(meter_form, form_turn, response_names):
    assert await form_turn(meter_form, "form_confirmed", "hmm", before=SINGLE) == [SlotSet("form_confirmed", None)]
    assert response_names() == ["utter_form_invalid_confirmation"]


async def test_nothing_to_change_after_all_shows_the_summary_again(move_form, form_turn):
    events = await form_turn(move_form, "form_change", "klopt toch", before={**MOVE, "form_confirmed": "nee"}, with_next=True)
    assert events == [SlotSet("form_change", None), SlotSet("form_confirmed", None), SlotSet("requested_slot", "form_confirmed")]


async def test_a_faq_question_at_klopt_dit_is_left_to_the_faq_rule(move_form, form_turn):
    events = await form_turn(move_form, "form_confirmed", "wanneer krijg ik de bevestiging?", before=MOVE, intent="faq")
    assert events == []


async def test_an_old_answer_to_klopt_dit_is_forgotten_when_the_form_starts(move_form, make_tracker, run_action):
    """Stopped at 'Wat wil je aanpassen?' earlier: the form starts again with 'Klopt dit?', not with a change."""
    tracker = make_tracker("verhuizing doorgeven", intent="report_move", slots={**MOVE, "form_confirmed": "nee"})
    events = await run_action(move_form, tracker)
    assert SlotSet("form_confirmed", None) in events and SlotSet("form_change", None) in events
    assert events[-1] == SlotSet("requested_slot", "form_confirmed")
