"""validate_meterstand_form, run as Rasa runs it (today is Wednesday 18 November 2026)."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from actions.meterstand import ValidateMeterstandForm

KNOWN = {"customer_number": "12345678"}
SINGLE = {**KNOWN, "meter_type": "enkel"}
DOUBLE = {**KNOWN, "meter_type": "dubbel"}
SINGLE_SOLAR = {**SINGLE, "solar_panels": "ja"}
DOUBLE_SOLAR = {**DOUBLE, "solar_panels": "ja"}
# What must be known before a slot is asked at all.
BEFORE = {
    "customer_number": {},
    "meter_type": KNOWN,
    "electricity_reading": SINGLE,
    "electricity_normal_reading": DOUBLE,
    "electricity_offpeak_reading": DOUBLE,
    "solar_panels": SINGLE,
    "return_reading": SINGLE_SOLAR,
    "return_normal_reading": DOUBLE_SOLAR,
    "return_offpeak_reading": DOUBLE_SOLAR,
    "gas_reading": SINGLE,
    "reading_date": SINGLE,
}


@pytest.fixture
def form(make_form):
    return make_form(ValidateMeterstandForm)


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("customer_number", "12345678", "12345678"),
        ("customer_number", "1234 5678", "12345678"),
        ("meter_type", "enkele meter", "enkel"),
        ("meter_type", "één telwerk", "enkel"),
        ("meter_type", "dubbel", "dubbel"),
        ("meter_type", "normaal en dal", "dubbel"),
        ("meter_type", "dag- en nachtteller", "dubbel"),
        ("electricity_reading", "12345", "12345"),
        ("electricity_reading", "04321 kWh", "4321"),
        ("electricity_reading", "stand is 2345,5", "2345.5"),
        ("electricity_reading", "999999", "999999"),
        ("electricity_normal_reading", "normaal 04567", "4567"),
        ("electricity_offpeak_reading", "02345", "2345"),
        ("solar_panels", "ja, ik heb zonnepanelen", "ja"),
        ("solar_panels", "nee", "nee"),
        ("return_reading", "1234", "1234"),
        ("return_normal_reading", "00321 kWh", "321"),
        ("return_offpeak_reading", "45", "45"),
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
    assert await form_turn(form, slot, text, before=BEFORE[slot]) == [SlotSet(slot, value)]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("customer_number", "1234567", "utter_form_invalid_customer_number"),
        ("customer_number", "ja", "utter_form_invalid_customer_number"),
        ("meter_type", "een grijze", "utter_meterstand_invalid_meter_type"),
        ("meter_type", "enkele of dubbele?", "utter_meterstand_invalid_meter_type"),
        ("solar_panels", "misschien", "utter_meterstand_invalid_solar_panels"),
        ("electricity_reading", "abc", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "9" * 5000, "utter_meterstand_reading_too_long"),
        ("electricity_reading", "😀", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "<script>alert(1)</script>", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "normaal 1234 dal 5678", "utter_meterstand_invalid_reading"),
        ("electricity_reading", "1234567", "utter_meterstand_reading_too_long"),
        ("electricity_reading", "stand 1234567 kWh", "utter_meterstand_reading_too_long"),
        ("electricity_normal_reading", "normaal 1234 dal 5678", "utter_meterstand_invalid_reading"),
        ("electricity_offpeak_reading", "weet ik niet", "utter_meterstand_invalid_reading"),
        ("return_reading", "draait terug", "utter_meterstand_invalid_reading"),
        ("return_offpeak_reading", "1234567", "utter_meterstand_reading_too_long"),
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
    assert await form_turn(form, slot, text, before=BEFORE[slot]) == [SlotSet(slot, None)]
    assert response_names() == [response]


async def run_form(form_turn, form, answers):
    """Answers turn by turn: returns the slots and the questions asked after each answer."""
    slots: dict = {}
    asked = []
    slot = "customer_number"
    for text, intent in answers:
        events = await form_turn(form, slot, text, before=dict(slots), intent=intent, with_next=True)
        slots.update({event["name"]: event["value"] for event in events})
        slot = slots.pop("requested_slot")
        asked.append(slot)
    return slots, asked


async def test_single_meter_turn_by_turn(form, form_turn, dispatcher):
    slots, asked = await run_form(
        form_turn,
        form,
        [
            ("1234 5678", "inform"),
            ("enkele meter", "inform"),
            ("04321 kWh", "inform"),
            ("nee", "deny"),
            ("geen gas", "inform"),
            ("gisteren", "inform"),
            ("ja, klopt", "affirm"),
        ],
    )
    assert asked == ["meter_type", "electricity_reading", "solar_panels", "gas_reading", "reading_date", "form_confirmed", None]
    assert slots == {
        "customer_number": "12345678",
        "meter_type": "enkel",
        "electricity_reading": "4321",
        "solar_panels": "nee",
        "gas_reading": "geen",
        "reading_date": "2026-11-17",
        "form_confirmed": "ja",
    }
    assert dispatcher.messages == []


async def test_double_meter_with_solar_panels_asks_each_reading_apart(form, form_turn):
    slots, asked = await run_form(
        form_turn,
        form,
        [
            ("12345678", "inform"),
            ("dubbel", "inform"),
            ("12345", "inform"),
            ("6789", "inform"),
            ("/affirm", "affirm"),
            ("321", "inform"),
            ("54", "inform"),
            ("2345 m3", "inform"),
            ("vandaag", "inform"),
            ("/affirm", "affirm"),
        ],
    )
    assert asked == [
        "meter_type",
        "electricity_normal_reading",
        "electricity_offpeak_reading",
        "solar_panels",
        "return_normal_reading",
        "return_offpeak_reading",
        "gas_reading",
        "reading_date",
        "form_confirmed",
        None,
    ]
    assert slots["electricity_normal_reading"] == "12345" and slots["electricity_offpeak_reading"] == "6789"
    assert slots["return_normal_reading"] == "321" and slots["return_offpeak_reading"] == "54"
    assert "electricity_reading" not in slots  # never added up


@pytest.mark.parametrize(
    "known, asked",
    [
        ({}, ["customer_number", "meter_type", "gas_reading", "reading_date", "form_confirmed"]),
        (KNOWN, ["customer_number", "meter_type", "gas_reading", "reading_date", "form_confirmed"]),
        (
            SINGLE,
            [
                "customer_number", "meter_type", "electricity_reading", "solar_panels", "gas_reading", "reading_date",
                "form_confirmed",
            ],
        ),
        (
            SINGLE_SOLAR,
            [
                "customer_number", "meter_type", "electricity_reading", "solar_panels", "return_reading",
                "gas_reading", "reading_date", "form_confirmed",
            ],
        ),
        (
            DOUBLE_SOLAR,
            [
                "customer_number", "meter_type", "electricity_normal_reading", "electricity_offpeak_reading",
                "solar_panels", "return_normal_reading", "return_offpeak_reading", "gas_reading", "reading_date",
                "form_confirmed",
            ],
        ),
        (
            {"no_customer_number": True, "meter_type": "dubbel", "solar_panels": "nee"},
            [
                "postcode", "house_number", "meter_type", "electricity_normal_reading", "electricity_offpeak_reading",
                "solar_panels", "gas_reading", "reading_date", "form_confirmed",
            ],
        ),
        ({**SINGLE, "form_confirmed": "nee"}, [
            "customer_number", "meter_type", "electricity_reading", "solar_panels", "gas_reading", "reading_date",
            "form_change", "form_confirmed",
        ]),
    ],
)
async def test_required_slots_follow_the_earlier_answers(form, make_tracker, dispatcher, domain, known, asked):
    tracker = make_tracker(slots=known, active_loop="meterstand_form")
    domain_slots = form.domain_slots(domain)
    assert await form.required_slots(domain_slots, dispatcher, tracker, domain) == asked
    assert set(asked) <= set(domain_slots)  # Rasa hands every asked slot to the validation


async def test_meter_type_unknown_is_explained_then_a_colleague_offered(form, form_turn, response_names):
    assert await form_turn(form, "meter_type", "weet ik niet", before=KNOWN) == [SlotSet("meter_type", None)]
    help_given = [
        ActionExecuted("action_listen"),
        UserUttered("weet ik niet", parse_data={"intent": {"name": "inform"}, "entities": []}),
        ActionExecuted("meterstand_form"),
        SlotSet("meter_type", None),
        BotUttered("Kijk even op je stroommeter.", metadata={"utter_action": "utter_meterstand_meter_type_help"}),
    ]
    assert await form_turn(form, "meter_type", "geen idee", before=KNOWN, earlier=help_given) == [SlotSet("meter_type", None)]
    assert response_names() == ["utter_meterstand_meter_type_help", "utter_form_offer_colleague"]


async def test_meter_type_typed_as_faq_or_chitchat_still_counts(form, form_turn):
    events = await form_turn(form, "meter_type", "dubbele meter", before=KNOWN, intent="faq")
    assert events == [SlotSet("meter_type", "dubbel")]


async def test_a_question_at_the_meter_type_is_left_to_the_faq_rule(form, form_turn):
    """Nothing extracted: Rasa rejects the form and the FAQ rule answers, then the form asks again."""
    events = await form_turn(form, "meter_type", "hoe zie ik of ik een dubbele meter heb?", before=KNOWN, intent="faq")
    assert events == []


@pytest.mark.parametrize("text", ["we koken elektrisch, geen gas", "<b>geen gas</b>", "02345"])
async def test_a_gas_answer_the_classifier_took_for_an_faq_still_counts(form, form_turn, text):
    """Found in the browser journeys: the outage FAQ answered and the gas question came back."""
    events = await form_turn(form, "gas_reading", text, before=SINGLE, intent="faq")
    assert events[:1] == [SlotSet("gas_reading", "2345" if text == "02345" else "geen")]


async def test_a_question_at_the_gas_reading_is_left_to_the_faq_rule(form, form_turn):
    events = await form_turn(form, "gas_reading", "wat doe ik bij een gaslucht?", before=SINGLE, intent="faq")
    assert events == []


@pytest.mark.parametrize("intent", ["stop", "request_human", "bereavement"])
async def test_stopping_or_a_sensitive_topic_is_never_a_meter_type(form, form_turn, intent):
    assert await form_turn(form, "meter_type", "enkel", before=KNOWN, intent=intent) == []


async def test_a_date_the_classifier_took_for_goodbye_is_still_the_answer(form, make_tracker, run_action):
    """'gisteren' (the button) was once classified as goodbye: the from_text mapping skips that."""
    tracker = make_tracker(
        "gisteren", intent="goodbye", slots={**SINGLE, "solar_panels": "nee", "electricity_reading": "1", "gas_reading": "geen"},
        history=[SlotSet("requested_slot", "reading_date")], active_loop="meterstand_form", requested_slot="reading_date",
    )
    events = await run_action(form, tracker)
    assert events == [SlotSet("reading_date", "2026-11-17"), SlotSet("requested_slot", "form_confirmed")]


async def test_switching_to_a_double_meter_drops_the_single_readings(form, form_turn):
    events = await form_turn(
        form, "meter_type", "toch dubbel", before={**SINGLE_SOLAR, "electricity_reading": "1234", "return_reading": "12"}
    )
    assert events == [SlotSet("meter_type", "dubbel"), SlotSet("electricity_reading", None), SlotSet("return_reading", None)]


async def test_no_solar_panels_after_all_drops_the_return_readings(form, form_turn):
    events = await form_turn(
        form, "solar_panels", "nee, geen zonnepanelen", before={**DOUBLE_SOLAR, "return_normal_reading": "12"}
    )
    assert events == [SlotSet("solar_panels", "nee"), SlotSet("return_normal_reading", None)]


async def test_solar_panels_by_button(form, form_turn):
    assert await form_turn(form, "solar_panels", "/deny", before=SINGLE, intent="deny") == [SlotSet("solar_panels", "nee")]


async def test_customer_number_correction_while_reading_is_asked(form, form_turn, said, response_names):
    events = await form_turn(
        form,
        "electricity_reading",
        "nee, mijn klantnummer is 87654321",
        extracted={"customer_number": "87654321"},
        before=SINGLE,
    )
    assert events == [SlotSet("customer_number", "87654321"), SlotSet("electricity_reading", None)]
    assert said() == ["Ik heb je klantnummer aangepast naar 87654321."]
    assert response_names() == ["utter_form_changed_customer_number"]  # and no error


async def test_first_customer_number_is_not_confirmed_as_a_change(form, form_turn, dispatcher):
    events = await form_turn(form, "customer_number", "12345678", extracted={"customer_number": "12345678"})
    assert events == [SlotSet("customer_number", "12345678")]
    assert dispatcher.messages == []


def test_no_question_asks_to_add_normal_and_offpeak_together(domain):
    """A supplier bills normaal and dal separately: adding them up makes the bill wrong."""
    texts = [variation.get("text", "").lower() for variations in domain["responses"].values() for variation in variations]
    assert not [text for text in texts if "bij elkaar op" in text or "optellen" in text]
