"""'Heb ik je hiermee geholpen?': the answer and its subject become slot events."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered

from actions.feedback import ActionFeedbackRecord, answered_subject


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
