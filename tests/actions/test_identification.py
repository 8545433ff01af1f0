"""Identification in both forms: a customer number, or postcode and house number; a colleague is
offered at the second wrong answer in a row (with "stop"), and a third one hands over."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from actions.meterstand import ValidateMeterstandForm
from actions.verhuizing import ValidateVerhuizingForm

NO_NUMBER = {"no_customer_number": True}


@pytest.fixture(params=[ValidateMeterstandForm, ValidateVerhuizingForm], ids=["meterstand", "verhuizing"])
def form(request, make_form):
    return make_form(request.param)


def earlier_turn(slot: str, text: str, *responses: str, intent: str = "inform") -> list[dict[str, Any]]:
    """A previous turn: the customer answered `slot` with `text`, the form cleared it and said `responses`."""
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": []}),
        SlotSet(slot, text),
        ActionExecuted("meterstand_form"),
        SlotSet(slot, None),
        *(BotUttered("…", metadata={"utter_action": response}) for response in responses),
    ]


@pytest.mark.parametrize(
    "text", ["ik heb geen klantnummer", "weet ik niet", "kwijt", "geen idee", "ik heb da nie", "Ik heb het nu niet bij de hand"]
)
async def test_without_a_customer_number_postcode_and_house_number_are_asked(form, form_turn, response_names, text):
    events = await form_turn(form, "customer_number", text, with_next=True)
    assert events == [
        SlotSet("customer_number", None), SlotSet("no_customer_number", True), SlotSet("requested_slot", "postcode")
    ]
    assert response_names() == ["utter_form_no_customer_number"]


@pytest.mark.parametrize("intent", ["chitchat", "faq", "out_of_scope"])
async def test_no_customer_number_is_understood_whatever_the_classifier_thought(form, make_tracker, run_action, intent):
    """The domain's from_text mapping skips these intents, so Rasa hands over no candidate; the
    form's own extraction takes the answer."""
    tracker = make_tracker(
        "geen idee", intent=intent, history=[SlotSet("requested_slot", "customer_number")],
        active_loop=form.form, requested_slot="customer_number",
    )
    events = await run_action(form, tracker)
    assert SlotSet("no_customer_number", True) in events
    assert events[-1] == SlotSet("requested_slot", "postcode")


@pytest.mark.parametrize("slot", ["postcode", "house_number"])
async def test_dont_know_at_the_address_counts_as_a_wrong_answer_whatever_the_classifier_thought(
    form, make_tracker, run_action, response_names, slot
):
    tracker = make_tracker(
        "weet ik niet", intent="chitchat", slots={**NO_NUMBER, **({"postcode": "1234 AB"} if slot == "house_number" else {})},
        history=[SlotSet("requested_slot", slot)],
        active_loop=form.form, requested_slot=slot,
    )
    assert await run_action(form, tracker) == [SlotSet(slot, None), SlotSet("requested_slot", slot)]
    assert response_names() == [f"utter_form_invalid_{slot}"]


async def test_a_question_is_not_taken_for_no_customer_number(form, make_tracker, run_action):
    tracker = make_tracker(
        "waar vind ik mijn klantnummer als ik het niet weet?", intent="faq",
        history=[SlotSet("requested_slot", "customer_number")], active_loop=form.form, requested_slot="customer_number",
    )
    events = await run_action(form, tracker)
    assert events == [SlotSet("requested_slot", "customer_number")]  # nothing filled: the FAQ rule answers


async def test_a_postcode_instead_of_a_customer_number_identifies_by_address(form, form_turn, dispatcher):
    events = await form_turn(form, "customer_number", "1234ab 12")
    assert events == [
        SlotSet("customer_number", None),
        SlotSet("no_customer_number", True),
        SlotSet("postcode", "1234 AB"),
        SlotSet("house_number", "12"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234 AB", [SlotSet("postcode", "1234 AB")]),
        ("1234ab", [SlotSet("postcode", "1234 AB")]),
        ("3511 ab 14b", [SlotSet("postcode", "3511 AB"), SlotSet("house_number", "14B")]),
        ("postcode 2514GL huisnummer 4", [SlotSet("postcode", "2514 GL"), SlotSet("house_number", "4")]),
    ],
)
async def test_postcode_with_or_without_house_number(form, form_turn, text, expected):
    assert await form_turn(form, "postcode", text, before=NO_NUMBER) == expected


async def test_house_number_on_its_own(form, form_turn):
    events = await form_turn(form, "house_number", "12-2", before={**NO_NUMBER, "postcode": "1234 AB"}, with_next=True)
    assert events[0] == SlotSet("house_number", "12-2")
    assert events[-1]["name"] == "requested_slot" and events[-1]["value"] not in ("postcode", "house_number", None)


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("postcode", "1234 SA", "utter_form_invalid_postcode"),
        ("postcode", "12345", "utter_form_invalid_postcode"),
        ("postcode", "<b>x</b>", "utter_form_invalid_postcode"),
        ("house_number", "abc", "utter_form_invalid_house_number"),
        ("customer_number", "1234", "utter_form_invalid_customer_number"),
    ],
)
async def test_first_wrong_answer_is_explained(form, form_turn, response_names, slot, text, response):
    assert await form_turn(form, slot, text, before=NO_NUMBER if slot != "customer_number" else {}) == [SlotSet(slot, None)]
    assert response_names() == [response]


@pytest.mark.parametrize(
    "slot, error", [("customer_number", "utter_form_invalid_customer_number"), ("postcode", "utter_form_invalid_postcode")]
)
async def test_second_wrong_answer_offers_a_colleague_and_stop(form, form_turn, response_names, domain, slot, error):
    before = NO_NUMBER if slot == "postcode" else {}
    events = await form_turn(form, slot, "99", before=before, earlier=earlier_turn(slot, "12", error, f"utter_ask_{slot}"))
    assert events == [SlotSet(slot, None)]  # the form goes on: try again, a colleague, or stop
    assert response_names() == ["utter_form_offer_colleague"]
    [offer] = domain["responses"]["utter_form_offer_colleague"]
    assert "'stop'" in offer["text"]
    assert [button["payload"] for button in offer["buttons"]] == ["/request_human", "/stop"]


async def test_third_wrong_answer_hands_over(form, form_turn, dispatcher):
    earlier = earlier_turn("customer_number", "12", "utter_form_offer_colleague", "utter_ask_customer_number")
    events = await form_turn(form, "customer_number", "99", earlier=earlier)
    assert events == [
        SlotSet("customer_number", None),
        SlotSet("failed_turns", 1.0),
        SlotSet("escalation_reason", "repeated_failure"),
        SlotSet("escalation_due", True),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []


async def test_yes_after_the_offer_hands_over_as_the_customers_request(form, form_turn):
    earlier = earlier_turn("postcode", "12", "utter_form_offer_colleague", "utter_ask_postcode")
    events = await form_turn(form, "postcode", "ja graag", before=NO_NUMBER, earlier=earlier, intent="affirm", with_next=True)
    assert events == [
        SlotSet("postcode", None),
        SlotSet("escalation_reason", "customer_request"),
        SlotSet("escalation_due", True),
        SlotSet("requested_slot", None),
    ]


async def test_no_after_the_offer_asks_again_quietly(form, form_turn, dispatcher):
    earlier = earlier_turn("customer_number", "12", "utter_form_offer_colleague", "utter_ask_customer_number")
    events = await form_turn(form, "customer_number", "nee", earlier=earlier, intent="deny", with_next=True)
    assert events == [SlotSet("customer_number", None), SlotSet("requested_slot", "customer_number")]
    assert dispatcher.messages == []


async def test_a_customer_number_after_all_replaces_the_address(form, form_turn, texts):
    events = await form_turn(
        form, "house_number", "oh wacht, 87654321", extracted={"customer_number": "87654321"},
        before={**NO_NUMBER, "postcode": "1234 AB"}, with_next=True,
    )
    assert SlotSet("customer_number", "87654321") in events
    assert events[-1]["value"] not in ("postcode", "house_number", "customer_number")
