"""Issue 10, items 4 and 8 against the real service: the satisfaction question when a colleague
closes a conversation as solved (never after a death or a crisis: the bot's request says so, from
`ask_satisfaction` in config/escalation.yml), and the hand-over wording that knows whether a team
line is open now."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from livechat import validation
from livechat.storage import handovers as store
from livechat.storage.db import open_engine
from naadloos.handover_contract import satisfaction
from tests.domain_wording import RESOLVED_TEXT, RESUME_TEXT, SATISFACTION_QUESTION
from tests.livechat.helpers import OPEN_MOMENT, handover, handover_payload
from tests.livechat.test_sensitive_handover import TRIGGERS, only_handover, said, sensitive


async def _close(agent, fake_rasa, handover_id: int, outcome: str) -> list[dict]:
    """The events the service appended to Rasa's tracker when the colleague closed."""
    await agent.post(f"/handovers/{handover_id}/accept")
    fake_rasa.requests.clear()
    status, closed = await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome})
    assert status == 200 and closed["resume"]["delivered"], closed
    return fake_rasa.requests[-1]["json"]


async def _closed(bot, make_agent, fake_rasa, outcome: str, reason: str, **request: object) -> list[dict]:
    """The events appended when the colleague closed a hand-over the bot asked for with `request`."""
    agent = await make_agent("sanne")
    status, body = await bot.post("/handovers", handover_payload("conv-1", reason=reason, **request))
    assert status == 201, body
    return await _close(agent, fake_rasa, body["id"], outcome)


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
    "outcome, asked_for, text",
    [
        ("resolved", {"ask_satisfaction": False}, RESOLVED_TEXT),
        ("back_to_bot", {}, RESUME_TEXT),
        ("back_to_bot", {"ask_satisfaction": True}, RESUME_TEXT),
    ],
)
async def test_no_satisfaction_question_when_the_request_says_so_or_after_a_hand_back(
    service, bot, make_agent, fake_rasa, outcome, asked_for, text
):
    events = await _closed(bot, make_agent, fake_rasa, outcome, "customer_request", **asked_for)
    assert events == [{"event": "resume"}, {"event": "bot", "text": text}, {"event": "action", "name": "action_listen"}]


@pytest.mark.parametrize("topic, asked", [("bereavement", False), ("crisis", False), ("fraud", True)])
async def test_after_a_death_or_a_crisis_the_bot_asks_for_no_rating(
    service, make_agent, bot_side, dispatcher, domain, fake_rasa, topic, asked
):
    """The whole way: action_handover for the topic, the real service, the colleague solves it."""
    agent = await make_agent("els", teams=[TRIGGERS[topic]["team"]])
    bot_side(service.url)
    await handover(dispatcher, sensitive(topic), domain)
    handed_over = await only_handover(agent)
    events = await _close(agent, fake_rasa, handed_over["id"], "resolved")
    assert events[:2] == [{"event": "resume"}, {"event": "bot", "text": RESOLVED_TEXT}]
    assert (SATISFACTION_QUESTION in [event.get("text") for event in events]) is asked


async def test_a_request_that_says_neither_true_nor_false_is_refused(service, bot):
    status, body = await bot.post("/handovers", handover_payload("conv-1", ask_satisfaction="nee"))
    assert status == 422 and body["field"] == "ask_satisfaction", body


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


def test_a_handover_of_an_older_release_gets_the_column_and_asks_no_rating(database_url):
    """A hand-over stored before requests said `ask_satisfaction` could have been a crisis: not asked."""
    engine = open_engine(database_url)
    try:
        new = validation.handover(handover_payload("conv-old", reason="crisis"), ["klantenservice"], "klantenservice")
        stored, _ = store.create_handover(engine, new, datetime.now(timezone.utc), 10)
        with engine.begin() as connection:  # as a release before the column left it
            connection.execute(sa.text("ALTER TABLE handovers DROP COLUMN ask_satisfaction"))
    finally:
        engine.dispose()
    engine = open_engine(database_url)  # adds the columns a newer release defines
    try:
        old = store.get_handover(engine, stored.id)
        assert old is not None and old.ask_satisfaction is None
        assert satisfaction.asks_satisfaction(satisfaction.RESOLVED, old.ask_satisfaction) is False
        assert stored.ask_satisfaction is True  # a request that does not say: asked
    finally:
        engine.dispose()
