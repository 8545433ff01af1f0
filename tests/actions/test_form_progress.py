"""'Hoe lang duurt dit nog?': the number of questions left follows the form's earlier answers."""
from __future__ import annotations

import pytest

from actions.form_progress import ActionFormProgress

ASK = "hoe lang duurt dit nog?"


async def answer(make_tracker, run_action, said, *, form=None, slots=None, requested=None):
    tracker = make_tracker(ASK, intent="ask_how_long", slots=slots, active_loop=form, requested_slot=requested)
    events = await run_action(ActionFormProgress(), tracker)
    assert events == []  # the form itself asks its open question again
    return said()


@pytest.mark.parametrize(
    "slots, requested, left",
    [
        # nothing known yet: customer number, meter type, gas, date and the check ("Klopt dit?"); the
        # readings depend on the meter type, hence "ongeveer"
        ({}, "customer_number", 5),
        # a single meter without solar panels: reading, panels, gas, date, check
        ({"customer_number": "23456781", "meter_type": "enkel"}, "electricity_reading", 5),
        # a double meter asks two readings
        ({"customer_number": "23456781", "meter_type": "dubbel"}, "electricity_normal_reading", 6),
    ],
)
async def test_meterstand_counts_what_the_answers_so_far_still_ask(make_tracker, run_action, said, slots, requested, left):
    told = await answer(make_tracker, run_action, said, form="meterstand_form", slots=slots, requested=requested)
    assert told == [f"Nog ongeveer {left} korte vragen, dan ben je klaar."]


async def test_the_last_question_is_named_as_such(make_tracker, run_action, said):
    slots = {"callback_phone": "0612345678"}
    told = await answer(make_tracker, run_action, said, form="callback_form", slots=slots, requested="callback_moment")
    assert told == ["Dit is de laatste vraag, dan ben je klaar."]


async def test_the_callback_form_has_two_questions(make_tracker, run_action, said):
    told = await answer(make_tracker, run_action, said, form="callback_form", requested="callback_phone")
    assert told == ["Nog ongeveer 2 korte vragen, dan ben je klaar."]


async def test_without_a_form_there_is_nothing_to_wait_for(make_tracker, run_action, said):
    assert await answer(make_tracker, run_action, said) == ["Je hoeft nergens op te wachten. Waarmee kan ik je helpen?"]
