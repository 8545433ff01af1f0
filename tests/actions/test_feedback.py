"""'Heb ik je hiermee geholpen?': the answer and its subject become slot events."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered

from actions.feedback import ActionFeedbackRecord, answered_subject
from naadloos.escalation.config import current_escalation_config
from naadloos.handover_contract import satisfaction


def question_after(*answer):
    """A turn: the customer asks, the bot answers with `answer`, then asks for feedback."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("vraag", {"intent": {"name": "faq"}}),
        *answer,
        ActionExecuted("utter_feedback_ask"),
        BotUttered("Heb ik je hiermee geholpen?", metadata={"utter_action": "utter_feedback_ask"}),
    ]


FAQ_ANSWER = [
    ActionExecuted("utter_faq"),
    BotUttered("We zijn open van ...", metadata={"utter_action": "utter_faq/opening_hours"}),
]
SUBMIT_ANSWER = [
    ActionExecuted("meterstand_form"),
    SlotSet("reading_date", "2026-11-17"),
    ActiveLoop(None),
    ActionExecuted("action_meterstand_submit"),
    BotUttered("Dank je! Ik heb je meterstanden doorgegeven ...", metadata={}),
]
CHITCHAT_ANSWER = [
    ActionExecuted("utter_chitchat"),
    BotUttered("Met mij gaat het goed!", metadata={"utter_action": "utter_chitchat/how_are_you"}),
]


@pytest.mark.parametrize(
    "events, subject",
    [
        (question_after(*FAQ_ANSWER), "utter_faq/opening_hours"),
        (question_after(*SUBMIT_ANSWER), "action_meterstand_submit"),
        (question_after(*FAQ_ANSWER) + question_after(*CHITCHAT_ANSWER), "utter_chitchat/how_are_you"),
        (question_after(*FAQ_ANSWER) + [ActionExecuted("action_listen"), UserUttered("ja")], "utter_faq/opening_hours"),
        (question_after(), None),  # the question right after the customer spoke: nothing was answered
        (FAQ_ANSWER, None),  # no feedback question at all
        ([], None),
    ],
)
def test_answered_subject(events, subject):
    assert answered_subject(events) == subject


@pytest.mark.parametrize("intent, helped", [("affirm", True), ("thank", True), ("deny", False)])
async def test_answer_is_recorded_with_its_subject(make_tracker, run_action, dispatcher, intent, helped):
    tracker = make_tracker("ja" if helped else "nee", intent=intent, history=question_after(*FAQ_ANSWER))
    events = await run_action(ActionFeedbackRecord(), tracker)
    assert events == [SlotSet("feedback_helped", helped), SlotSet("feedback_subject", "utter_faq/opening_hours")]
    assert dispatcher.messages == []


async def test_other_intent_records_nothing(make_tracker, run_action):
    tracker = make_tracker("hoe laat zijn jullie open?", intent="faq", history=question_after(*FAQ_ANSWER))
    assert await run_action(ActionFeedbackRecord(), tracker) == []


def satisfaction_asked():
    """The end of a hand-over closed as solved, as the live-chat service appends it to the tracker."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("top, dank je", {"intent": {"name": "thank"}}),
        BotUttered("Graag gedaan!", metadata={"agent": "Els"}),
        BotUttered("Onze collega heeft het gesprek afgesloten."),
        ActionExecuted(satisfaction.QUESTION_ACTION),
        BotUttered("Hoe tevreden ben je over de hulp?", metadata=dict(satisfaction.METADATA)),
    ]


@pytest.mark.parametrize(
    "score, intent, helped", [(5, "affirm", True), (4, "affirm", True), (3, "deny", False), (1, "deny", False)]
)
async def test_the_satisfaction_score_after_a_colleague_is_recorded(make_tracker, run_action, score, intent, helped):
    answer = satisfaction.payload(score)
    assert answer.startswith(f"/{intent}")
    tracker = make_tracker(answer, intent=intent, history=satisfaction_asked())
    events = await run_action(ActionFeedbackRecord(), tracker)
    assert events == [SlotSet("feedback_helped", helped), SlotSet("feedback_subject", f"livechat:{score}")]


async def test_a_score_payload_without_the_satisfaction_question_is_an_ordinary_answer(make_tracker, run_action):
    tracker = make_tracker(satisfaction.payload(5), intent="affirm", history=question_after(*FAQ_ANSWER))
    events = await run_action(ActionFeedbackRecord(), tracker)
    assert events == [SlotSet("feedback_helped", True), SlotSet("feedback_subject", "utter_faq/opening_hours")]


@pytest.mark.parametrize(
    "outcome, reason, asked",
    [("resolved", "customer_request", True), ("resolved", "complaint", True), ("resolved", "bereavement", False),
     ("resolved", "crisis", False), ("back_to_bot", "customer_request", False)],
)
def test_asked_only_after_a_solved_conversation_never_after_a_death_or_crisis(outcome, reason, asked):
    """The bot's decision (the trigger's `ask_satisfaction`, sent with the hand-over) and the back
    end's (`asks_satisfaction` when the colleague closes) together."""
    requested = current_escalation_config().trigger(reason).ask_satisfaction
    assert satisfaction.asks_satisfaction(outcome, requested) is asked


def test_a_handover_stored_before_requests_said_it_asks_no_rating():
    assert satisfaction.asks_satisfaction(satisfaction.RESOLVED, None) is False


@pytest.mark.parametrize("text", ["5", "/affirm", '/affirm{"satisfaction": 7}', '/affirm{"satisfaction": 0}', None])
def test_only_a_satisfaction_payload_has_a_score(text):
    assert satisfaction.score_in(text) is None
