"""The words actions put together come from the domain (issue 11, item 5): a designer who rewords a
response in domain.yml changes what the customer reads, without Python; and every summary label
stays recognisable as its own answer, because the button under "Wat wil je aanpassen?" sends it."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.meterstand import ActionAskMeterstandConfirmation, ActionMeterstandSubmit, ValidateMeterstandForm
from actions.verhuizing import ValidateVerhuizingForm
from naadloos.core import domain_responses
from naadloos.core.answers import pick_field
from tests.conftest import ROOT
from tests.domain_wording import rendered

DOUBLE_SOLAR = {
    "customer_number": "12345678", "meter_type": "dubbel", "electricity_normal_reading": "12345",
    "electricity_offpeak_reading": "6789", "solar_panels": "ja", "return_normal_reading": "321",
    "return_offpeak_reading": "54", "gas_reading": "2345", "reading_date": "2026-11-17",
}
SINGLE_BY_ADDRESS = {
    "no_customer_number": True, "postcode": "1234 AB", "house_number": "12", "meter_type": "enkel",
    "electricity_reading": "8765", "solar_panels": "nee", "gas_reading": "geen", "reading_date": "2026-11-17",
}
MOVE_BY_ADDRESS = {
    "no_customer_number": True, "postcode": "1234 AB", "house_number": "12",
    "new_postcode": "2514 GL", "new_house_number": "4", "moving_date": "2026-12-01",
}


@pytest.fixture
def reworded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Changes texts in a copy of domain.yml that the actions then read, as a designer would."""

    def change(*replacements: tuple[str, str]) -> None:
        text = (ROOT / "domain.yml").read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        copy = tmp_path / "domain.yml"
        copy.write_text(text, encoding="utf-8")
        monkeypatch.setattr(domain_responses, "DOMAIN_FILE", copy)

    return change


@pytest.mark.parametrize(
    "form_class, slots",
    [
        (ValidateMeterstandForm, DOUBLE_SOLAR),
        (ValidateMeterstandForm, SINGLE_BY_ADDRESS),
        (ValidateVerhuizingForm, MOVE_BY_ADDRESS),
    ],
)
def test_every_label_in_the_domain_picks_its_own_answer(form_class, slots, make_tracker):
    fields = form_class().fields(make_tracker(slots=slots))
    assert len(fields) >= 4
    named = [(field.label, field.pattern) for field in fields]
    for field in fields:
        assert pick_field(field.label, named) == field.label, f"the button {field.label!r} would change another answer"


async def test_a_reworded_label_changes_the_summary_and_its_button(reworded, make_tracker, run_action, dispatcher):
    reworded(('    - text: "Stroom dal"\n', '    - text: "Stroom daltarief"\n'))
    await run_action(ActionAskMeterstandConfirmation(), make_tracker(slots=DOUBLE_SOLAR))
    [message] = dispatcher.messages
    assert "Stroom daltarief: 6789 kWh" in message["summary"]
    fields = ValidateMeterstandForm().fields(make_tracker(slots=DOUBLE_SOLAR))
    assert "Stroom daltarief" in [field.label for field in fields]


async def test_a_reworded_confirmation_reaches_the_customer(reworded, make_tracker, run_action, said):
    reworded(
        ('    - text: "Stroom normaal"\n', '    - text: "Normaal"\n'),
        (
            "Dank je! Ik heb je meterstanden doorgegeven: {readings}, afgelezen op {date}. Je referentie is {reference}.",
            "Top, {readings} staan erin (van {date}). Bewaar je referentie {reference}. Groet, {org_name}",
        ),
    )
    await run_action(ActionMeterstandSubmit(), make_tracker(slots={**DOUBLE_SOLAR, "org_name": "Polderstroom"}))
    assert said() == [
        "Top, normaal 12345 kWh, stroom dal 6789 kWh, teruglevering normaal 321 kWh, teruglevering dal 54 kWh "
        "en gas 2345 m³ staan erin (van 17 november 2026). Bewaar je referentie MS-000001. Groet, Polderstroom"
    ]


def test_a_response_rasa_says_is_rendered_from_the_domain_with_the_actions_values():
    message = {"response": "utter_callback_submitted", "text": None, "callback_phone": "0612345678", "callback_moment": "morgen"}
    assert rendered(message) == (
        "Dank je. Een collega belt je terug op 0612345678 (morgen). "
        "We hebben ons gesprek bewaard, dus je hoeft je verhaal niet opnieuw te vertellen."
    )
