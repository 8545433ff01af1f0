"""Issue 10, items 4 and 8 against the real service: the satisfaction question when a colleague
closes a conversation as solved (never after a death or a crisis), and the hand-over wording
that knows whether a team line is open now."""
from __future__ import annotations

import pytest

from livechat.customer_channel import RESOLVED_TEXT, RESUME_TEXT, SATISFACTION_QUESTION
from naadloos.handover_contract import satisfaction
from tests.livechat.helpers import OPEN_MOMENT, handover, handover_payload
from tests.livechat.test_sensitive_handover import said, sensitive


async def _closed(bot, make_agent, fake_rasa, outcome: str, reason: str) -> list[dict]:
    """The events the service appended to Rasa's tracker when the colleague closed."""
    agent = await make_agent("sanne")
    status, body = await bot.post("/handovers", handover_payload("conv-1", reason=reason))
    assert status == 201, body
    await agent.post(f"/handovers/{body['id']}/accept")
    fake_rasa.requests.clear()
    status, closed = await agent.post(f"/handovers/{body['id']}/close", {"outcome": outcome})
    assert status == 200 and closed["resume"]["delivered"], closed
    return fake_rasa.requests[-1]["json"]


async def test_solved_asks_how_satisfied_the_customer_is(service, bot, make_agent, fake_rasa):
    events = await _closed(bot, make_agent, fake_rasa, "resolved", "customer_request")

    assert events[:2] == [{"event": "resume"}, {"event": "bot", "text": RESOLVED_TEXT}]
    # The bot's own feedback question, so its rules (data/feedback/rules.yml) take the answer.
    assert events[2] == {"event": "action", "name": "utter_feedback_ask"}
    question = events[3]
    assert question["text"] == SATISFACTION_QUESTION and question["text"].startswith("Hoe tevreden ben je over de hulp?")
    buttons = question["data"]["buttons"]
    assert [b["title"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert [satisfaction.score_in(b["payload"]) for b in buttons] == [1, 2, 3, 4, 5]
    assert [b["payload"].split("{")[0] for b in buttons] == ["/deny", "/deny", "/deny", "/affirm", "/affirm"]
    assert events[-1] == {"event": "action", "name": "action_listen"}


@pytest.mark.parametrize(
    "outcome, reason, text",
    [
        ("resolved", "bereavement", RESOLVED_TEXT),
        ("resolved", "crisis", RESOLVED_TEXT),
        ("back_to_bot", "customer_request", RESUME_TEXT),
    ],
)
async def test_no_satisfaction_question_after_a_death_a_crisis_or_a_hand_back(
    service, bot, make_agent, fake_rasa, outcome, reason, text
):
    events = await _closed(bot, make_agent, fake_rasa, outcome, reason)
    assert events == [{"event": "resume"}, {"event": "bot", "text": text}, {"event": "action", "name": "action_listen"}]


async def test_the_handover_says_our_colleague_reads_the_conversation(service, make_agent, bot_side, dispatcher, domain):
    await make_agent("els", teams=["nabestaanden"])
    bot_side(service.url)
    await handover(dispatcher, sensitive("bereavement"), domain)
    handed_over = said(dispatcher)[-1]
    assert "onze collega leest ons hele gesprek" in handed_over
    assert "je collega" not in handed_over


async def test_bereavement_line_is_open_now_when_no_colleague_can_chat(service, clock, bot_side, dispatcher, domain):
    clock.set(OPEN_MOMENT)  # Monday 10.00: the bereavement line is open, but nobody is online to chat
    bot_side(service.url)
    await handover(dispatcher, sensitive("bereavement"), domain)
    no_agent = said(dispatcher)[-1]
    assert "0800-123 45 70 (gratis, nu open tot 17.00 uur)" in no_agent
    assert "zijn er op dit moment niet" not in no_agent  # the line is not called unavailable
    assert "geen collega voor nabestaanden vrij om met je te chatten" in no_agent
