"""The escalation triggers that are not a hand-over themselves: the two-stage fallback, the FAQ
asked again, wrong form answers, and the reason action_handover works out (config/escalation.yml)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from actions.callback import ValidateCallbackForm
from actions.escalation import escalation_reason
from actions.fallback import ActionFallbackClarify
from actions.faq_repeat import ActionFaqCheckRepeat
from actions.meterstand import ValidateMeterstandForm
from naadloos.escalation.config import current_escalation_config

ESCALATION = yaml.safe_load((Path(__file__).resolve().parents[2] / "config" / "escalation.yml").read_text(encoding="utf-8"))
CHOICES = ESCALATION["low_confidence"]["choices"]
MAX_CHOICES = ESCALATION["low_confidence"]["max_choices"]
SENSITIVE = sorted(current_escalation_config().sensitive_intents())  # from config/escalation.yml


def button(key: str) -> dict[str, str]:
    """The "Bedoel je ...?" button the escalation file describes for `key`."""
    return {"title": CHOICES[key]["title"], "payload": CHOICES[key].get("message") or f"/{key}"}


def parsed(
    text: str,
    intent: str,
    confidence: float = 0.9,
    ranking: list[str] | None = None,
    faq_topics: list[str] | None = None,
) -> dict[str, Any]:
    """Parse data as Rasa's NLU gives it: intent, intent_ranking and the FAQ response selector."""
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": confidence}]
        + [{"name": name, "confidence": round(0.3 - 0.02 * i, 2)} for i, name in enumerate(ranking or [])],
    }
    if faq_topics:
        message["response_selector"] = {
            "all_retrieval_intents": ["faq", "chitchat"],
            "faq": {
                "response": {
                    "intent_response_key": faq_topics[0],
                    "utter_action": f"utter_{faq_topics[0]}",
                    "confidence": 0.4,
                    "responses": [{"text": "..."}],
                },
                "ranking": [
                    {"intent_response_key": key, "confidence": round(0.4 - 0.05 * i, 2)} for i, key in enumerate(faq_topics)
                ],
            },
        }
    return message


def tracker_for(
    message: dict[str, Any], history: list[dict[str, Any]] | None = None, slots: dict[str, Any] | None = None
) -> Tracker:
    """A tracker whose latest event is the user message with exactly this parse data."""
    events = [*(history or []), ActionExecuted("action_listen"), UserUttered(message["text"], parse_data=message)]
    return Tracker("test-conversation", dict(slots or {}), message, events, False, None, {}, "action_listen")


def not_understood(text: str = "eh dat ding") -> dict[str, Any]:
    return parsed(text, "nlu_fallback", 0.3, ranking=["give_meter_reading", "faq"], faq_topics=["faq/opening_hours"])


def clarification_turn() -> list[dict[str, Any]]:
    """An earlier turn the assistant did not understand: it asked "Bedoel je ...?"."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("eh dat ding", parse_data=not_understood()),
        ActionExecuted("action_fallback_clarify"),
        BotUttered("Ik weet niet zeker wat je bedoelt.", metadata={"utter_action": "utter_fallback_choices"}),
        SlotSet("failed_turns", 1.0),
        SlotSet("escalation_due", False),
    ]


def hand_over(reason: str, failures: float = 2.0) -> list[SlotSet]:
    return [SlotSet("failed_turns", failures), SlotSet("escalation_reason", reason), SlotSet("escalation_due", True)]


# --- action_fallback_clarify ------------------------------------------------------------------
async def test_first_fallback_offers_the_subjects_the_nlu_thought_of(run_action, dispatcher, first_failure):
    message = parsed(
        "iets met de meter", "nlu_fallback", 0.35, ranking=["give_meter_reading", "faq"],
        faq_topics=["faq/opening_hours", "faq/meter_read_how"],
    )

    events = await run_action(ActionFallbackClarify(), tracker_for(message))

    assert events == first_failure
    assert [(m["response"], m["buttons"]) for m in dispatcher.messages] == [
        ("utter_fallback_choices", [button("give_meter_reading"), button("faq/opening_hours"), button("faq/meter_read_how")])
    ]
    assert dispatcher.messages[0]["buttons"][1] == {"title": "Openingstijden", "payload": "Wat zijn jullie openingstijden?"}
    assert dispatcher.messages[0]["buttons"][0] == {"title": "Meterstand doorgeven", "payload": "/give_meter_reading"}


async def test_at_most_max_choices_buttons_and_never_a_subject_without_a_choice(run_action, dispatcher):
    message = parsed(
        "ik wil iets", "nlu_fallback", 0.3,
        ranking=["greet", "bereavement", "give_meter_reading", "faq", "report_move", "request_human"],
        faq_topics=["faq/some_unlisted_topic", "faq/refund", "faq/opening_hours", "faq/tariffs"],
    )

    await run_action(ActionFallbackClarify(), tracker_for(message))

    buttons = dispatcher.messages[0]["buttons"]
    assert len(buttons) == MAX_CHOICES == 3
    assert buttons == [button("give_meter_reading"), button("faq/refund"), button("faq/opening_hours")]


@pytest.mark.parametrize("intent", ["greet", "chitchat", *SENSITIVE])
async def test_subjects_without_a_choice_are_never_offered(run_action, dispatcher, response_names, first_failure, intent):
    message = parsed("hmm", "nlu_fallback", 0.3, ranking=[intent])

    events = await run_action(ActionFallbackClarify(), tracker_for(message))

    assert events == first_failure
    assert response_names() == ["utter_default"]
    assert all(not m["buttons"] for m in dispatcher.messages)


async def test_no_candidates_at_all_asks_to_rephrase(run_action, response_names, first_failure):
    message = {"text": "qwerty", "intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": []}
    assert await run_action(ActionFallbackClarify(), tracker_for(message)) == first_failure
    assert response_names() == ["utter_default"]


async def test_a_message_far_from_everything_offers_the_subjects_of_the_nearest_examples(run_action, dispatcher, first_failure):
    """The classifier ranks something even for "lekke band"; the nearest examples are a better guess."""
    message = parsed("kan ik met paypal betalen", "nlu_fallback", 0.3, ranking=["crisis", "give_meter_reading"])
    message["scope"] = {"verdict": "far", "nearest": [["faq/payment_method", 0.5], ["faq/payment_method", 0.48],
                                                      ["faq/iban_change", 0.45]]}
    assert await run_action(ActionFallbackClarify(), tracker_for(message)) == first_failure
    assert [(m["response"], m["buttons"]) for m in dispatcher.messages] == [
        ("utter_fallback_choices", [button("faq/payment_method"), button("faq/iban_change")])
    ]


async def test_a_message_without_words_gets_a_kind_request_for_words(run_action, response_names, first_failure):
    """Only emoji or HTML: no "Bedoel je ...?" with a subject nobody mentioned."""
    message = parsed("😀👍", "nlu_fallback", 0.0, ranking=["greet"])
    message["scope"] = {"verdict": "no_words"}
    assert await run_action(ActionFallbackClarify(), tracker_for(message)) == first_failure
    assert response_names() == ["utter_fallback_no_words"]


async def test_not_understood_right_after_the_clarification_hands_over_with_low_confidence(run_action, dispatcher):
    tracker = tracker_for(not_understood("nee dat bedoel ik niet"), history=clarification_turn(), slots={"failed_turns": 1.0})

    events = await run_action(ActionFallbackClarify(), tracker)

    assert events == hand_over("low_confidence")
    assert dispatcher.messages == []


async def test_a_later_fallback_at_the_failure_limit_hands_over_with_repeated_failure(run_action, dispatcher):
    """The customer chose a button after the clarification; a fallback later is not "right after"."""
    history = [
        *clarification_turn(),
        ActionExecuted("action_listen"),
        UserUttered("/give_meter_reading", parse_data=parsed("/give_meter_reading", "give_meter_reading", 1.0)),
        ActionExecuted("meterstand_form"),
        BotUttered("Wat is je klantnummer?", metadata={"utter_action": "utter_ask_customer_number"}),
    ]
    tracker = tracker_for(not_understood("huh wat bedoel je"), history=history, slots={"failed_turns": 1.0})

    events = await run_action(ActionFallbackClarify(), tracker)

    assert events == hand_over("repeated_failure")
    assert dispatcher.messages == []


async def test_a_clarification_two_turns_ago_does_not_count_as_just_before(run_action, response_names, first_failure):
    """A hand-over since then reset the count: the customer gets the "Bedoel je ...?" again."""
    history = [
        *clarification_turn(),
        ActionExecuted("action_listen"),
        UserUttered("/request_human", parse_data=parsed("/request_human", "request_human", 1.0)),
        ActionExecuted("action_handover"),
        SlotSet("failed_turns", 0.0),
    ]
    tracker = tracker_for(not_understood(), history=history, slots={"failed_turns": 0.0})
    events = await run_action(ActionFallbackClarify(), tracker)
    assert events == first_failure
    assert response_names() == ["utter_fallback_choices"]


# --- action_faq_check_repeat ------------------------------------------------------------------
def faq_question(topic: str, text: str = "hoe lees ik mijn meter af") -> dict[str, Any]:
    return parsed(text, "faq", 0.95, faq_topics=[topic])


def faq_answered(topic: str) -> list[dict[str, Any]]:
    """A turn in which the assistant answered `topic` and asked whether that helped."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("vraag", parse_data=faq_question(topic)),
        ActionExecuted("action_faq_check_repeat"),
        SlotSet("escalation_due", False),
        ActionExecuted("utter_faq"),
        BotUttered("Het antwoord.", metadata={"utter_action": f"utter_{topic}"}),
        ActionExecuted("utter_feedback_ask"),
        BotUttered("Heb ik je hiermee geholpen?", metadata={"utter_action": "utter_feedback_ask"}),
    ]


@pytest.mark.parametrize(
    "history",
    [[], faq_answered("faq/opening_hours"), [*faq_answered("faq/meter_read_how"), *faq_answered("faq/opening_hours")]],
    ids=["first question", "other topic", "other topic answered most recently"],
)
async def test_a_new_faq_question_is_not_a_failure(run_action, dispatcher, history):
    events = await run_action(ActionFaqCheckRepeat(), tracker_for(faq_question("faq/meter_read_how"), history=history))
    assert events == [SlotSet("escalation_due", False)]
    assert dispatcher.messages == []


async def test_the_same_faq_question_again_counts_a_failure_and_says_so(run_action, response_names, first_failure):
    again = faq_question("faq/meter_read_how", "en hoe lees ik die meter dan af")
    tracker = tracker_for(again, history=faq_answered("faq/meter_read_how"))
    assert await run_action(ActionFaqCheckRepeat(), tracker) == first_failure
    assert response_names() == ["utter_faq_repeated"]


async def test_the_same_faq_question_at_the_failure_limit_hands_over(run_action, dispatcher):
    tracker = tracker_for(
        faq_question("faq/meter_read_how"),
        history=[SlotSet("failed_turns", 1.0), *faq_answered("faq/meter_read_how")],
        slots={"failed_turns": 1.0},
    )
    assert await run_action(ActionFaqCheckRepeat(), tracker) == hand_over("repeated_failure")
    assert dispatcher.messages == []


async def test_the_same_faq_question_after_another_flow_is_new_again(run_action, dispatcher):
    """Opening hours, then a whole meter-reading form, then opening hours again: no repeat."""
    meter_form = [
        ActionExecuted("action_listen"),
        UserUttered("meterstand doorgeven", parse_data=parsed("meterstand doorgeven", "give_meter_reading")),
        ActionExecuted("utter_meterstand_start"),
        ActionExecuted("meterstand_form"),
        ActionExecuted("action_meterstand_submit"),
    ]
    tracker = tracker_for(faq_question("faq/opening_hours"), history=[*faq_answered("faq/opening_hours"), *meter_form])
    events = await run_action(ActionFaqCheckRepeat(), tracker)
    assert events[0] == SlotSet("escalation_due", False)
    assert [event["name"] for event in events[1:]] == ["org_opening_hours"]  # today's hours, for the answer
    assert dispatcher.messages == []


# --- forms --------------------------------------------------------------------------------------
SINGLE_METER = {"customer_number": "12345678", "meter_type": "enkel"}


def wrong_answer_turn(slot: str, text: str, response: str = "utter_meterstand_invalid_reading") -> list[dict[str, Any]]:
    """An earlier turn in which the form cleared the customer's answer to `slot` as wrong."""
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, parse_data={"intent": {"name": "inform", "confidence": 0.9}, "entities": []}),
        SlotSet(slot, text),
        ActionExecuted("meterstand_form"),
        SlotSet(slot, None),
        BotUttered("Dat is geen meterstand die ik kan gebruiken.", metadata={"utter_action": response}),
    ]


async def test_the_same_question_answered_wrongly_twice_stops_the_form(make_form, form_turn, dispatcher):
    form = make_form(ValidateMeterstandForm)

    events = await form_turn(
        form, "electricity_reading", "veel", before=SINGLE_METER, earlier=wrong_answer_turn("electricity_reading", "heel veel")
    )

    assert events == [
        SlotSet("electricity_reading", None),
        *hand_over("repeated_failure", failures=1.0),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []  # no "Dat is geen meterstand": a colleague takes over


async def test_wrong_answers_to_different_questions_only_get_explained(make_form, form_turn, response_names):
    form = make_form(ValidateMeterstandForm)
    events = await form_turn(
        form, "gas_reading", "veel", before={**SINGLE_METER, "electricity_reading": "1234"},
        earlier=wrong_answer_turn("electricity_reading", "12"),
    )
    assert events == [SlotSet("gas_reading", None)]
    assert response_names() == ["utter_meterstand_invalid_reading"]


async def test_a_correction_at_the_failure_limit_is_no_failure(make_form, form_turn, said):
    form = make_form(ValidateMeterstandForm)
    events = await form_turn(
        form,
        "electricity_reading",
        "nee, mijn klantnummer is 87654321",
        extracted={"customer_number": "87654321"},
        before={**SINGLE_METER, "failed_turns": 1.0},
    )
    assert events == [SlotSet("customer_number", "87654321"), SlotSet("electricity_reading", None)]
    assert said() == ["Ik heb je klantnummer aangepast naar 87654321."]


async def test_the_callback_form_never_counts_failures(make_form, form_turn, response_names):
    """The callback is the way out when nobody can chat: a wrong phone number must not loop back."""
    form = make_form(ValidateCallbackForm)
    for wrong in ("123", "mijn nummer is geheim"):
        events = await form_turn(form, "callback_phone", wrong, before={"failed_turns": 1.0})
        assert events == [SlotSet("callback_phone", None)]
    assert response_names() == ["utter_callback_invalid_phone", "utter_callback_invalid_phone"]


# --- escalation_reason ----------------------------------------------------------------------------
@pytest.mark.parametrize("intent", SENSITIVE)
def test_a_sensitive_intent_is_its_own_reason(make_tracker, intent):
    assert escalation_reason(make_tracker("…", intent=intent), current_escalation_config()) == intent


def test_asking_for_a_person_is_a_customer_request(make_tracker):
    tracker = make_tracker("ik wil een mens spreken", intent="request_human")
    assert escalation_reason(tracker, current_escalation_config()) == "customer_request"


def test_yes_to_a_colleague_after_not_helped(make_tracker):
    history = [
        ActionExecuted("utter_feedback_ask"),
        BotUttered("Heb ik je hiermee geholpen?", metadata={"utter_action": "utter_feedback_ask"}),
        ActionExecuted("action_listen"),
        UserUttered("nee", parse_data={"intent": {"name": "deny", "confidence": 0.98}, "entities": []}),
        ActionExecuted("action_feedback_record"),
        SlotSet("feedback_helped", False),
        ActionExecuted("utter_feedback_not_helped"),
        BotUttered("Wil je een collega spreken?", metadata={"utter_action": "utter_feedback_not_helped"}),
    ]
    tracker = make_tracker("ja graag", intent="affirm", history=history)
    assert escalation_reason(tracker, current_escalation_config()) == "not_helped"
    in_own_words = make_tracker("verbind me maar door", intent="request_human", history=history)
    assert escalation_reason(in_own_words, current_escalation_config()) == "not_helped"


@pytest.mark.parametrize(
    ("intent", "set_this_turn"),
    [("nlu_fallback", "low_confidence"), ("inform", "repeated_failure"), ("request_human", "repeated_failure")],
)
def test_a_reason_set_in_this_turn_wins(make_tracker, intent, set_this_turn):
    tracker = make_tracker("…", intent=intent, candidates={"escalation_reason": set_this_turn})
    assert escalation_reason(tracker, current_escalation_config()) == set_this_turn
