"""The wrap-up when closing (issue 10, item 3) against the real service, on SQLite and PostgreSQL:
a short outcome in Dutch and an optional note, stored on the hand-over; the satisfaction question
still only after "Opgelost", never after a death or a crisis; an older database gets the new
columns, the index and the search table."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import yaml

from livechat.api.openapi import OPENAPI_FILE
from livechat.desk_labels import OUTCOME_LABELS
from livechat.storage.db import add_missing_columns, add_missing_indexes, create_engine, open_engine
from livechat.storage.schema import OUTCOMES
from livechat.validation import MAX_WRAP_UP_NOTE
from naadloos.escalation.config import load_escalation_config
from tests.domain_wording import RESOLVED_TEXT, RESUME_TEXT
from tests.livechat.helpers import ROOT, handover_payload

WRAP_UP_NOTE = "Storing doorgezet naar de backoffice, klant krijgt binnen 2 dagen bericht."
CLOSED_QUIETLY = [{"event": "resume"}, {"event": "bot", "text": RESOLVED_TEXT}, {"event": "action", "name": "action_listen"}]


async def _accepted(bot, agent, reason: str = "request_human", **request: object) -> int:
    status, body = await bot.post("/handovers", handover_payload("conv-1", reason=reason, **request))
    assert status == 201, body
    assert (await agent.post(f"/handovers/{body['id']}/accept"))[0] == 200
    return body["id"]


def test_every_outcome_has_one_dutch_label_in_the_desks_order():
    assert tuple(OUTCOME_LABELS) == OUTCOMES
    assert OUTCOME_LABELS["resolved"] == "Opgelost" and OUTCOME_LABELS["not_resolved"] == "Niet opgelost"


async def test_the_desk_gets_the_choices_with_their_labels(service, make_agent):
    agent = await make_agent("sanne")
    status, body = await agent.get("/close-outcomes")
    assert status == 200
    assert body["outcomes"] == [{"outcome": code, "label": label} for code, label in OUTCOME_LABELS.items()]
    assert body["note_max_length"] == MAX_WRAP_UP_NOTE


async def test_the_outcome_and_note_are_stored_and_shown(service, bot, make_agent):
    agent = await make_agent("sanne")
    handover_id = await _accepted(bot, agent)
    status, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "backoffice", "note": f"  {WRAP_UP_NOTE} "})
    assert status == 200, body
    assert (body["handover"]["outcome"], body["handover"]["wrap_up_note"]) == ("backoffice", WRAP_UP_NOTE)
    _, detail = await agent.get(f"/handovers/{handover_id}")
    assert detail["handover"]["wrap_up_note"] == WRAP_UP_NOTE
    assert detail["handover"]["labels"]["outcome"] == "Doorgezet naar backoffice"
    # Closing again (the resume went through) does not change the wrap-up.
    assert (await agent.post(f"/handovers/{handover_id}/close", {"outcome": "resolved", "note": "anders"}))[0] == 409
    assert (await agent.get(f"/handovers/{handover_id}"))[1]["handover"]["wrap_up_note"] == WRAP_UP_NOTE


async def test_without_a_note_there_is_none(service, bot, make_agent):
    agent = await make_agent("sanne")
    handover_id = await _accepted(bot, agent)
    _, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": "not_resolved", "note": "   "})
    assert (body["handover"]["outcome"], body["handover"]["wrap_up_note"]) == ("not_resolved", None)


@pytest.mark.parametrize("outcome", ["backoffice", "callback_needed", "not_resolved"])
async def test_only_solved_asks_how_satisfied_the_customer_is(service, bot, make_agent, fake_rasa, outcome):
    agent = await make_agent("sanne")
    handover_id = await _accepted(bot, agent)
    fake_rasa.requests.clear()
    status, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome})
    assert status == 200 and body["resume"]["delivered"], body
    assert fake_rasa.requests[-1]["json"] == CLOSED_QUIETLY


@pytest.mark.parametrize(
    "reason, outcome, events",
    [
        ("bereavement", "resolved", CLOSED_QUIETLY),
        ("crisis", "resolved", CLOSED_QUIETLY),
        ("customer_request", "back_to_bot",
         [{"event": "resume"}, {"event": "bot", "text": RESUME_TEXT}, {"event": "action", "name": "action_listen"}]),
    ],
)
async def test_never_after_a_death_or_a_crisis_with_a_note_either(service, bot, make_agent, fake_rasa, reason, outcome, events):
    agent = await make_agent("sanne")
    # As action_handover asks: no rating after a death or a crisis (`ask_satisfaction` in config/escalation.yml).
    asked = load_escalation_config(ROOT / "config" / "escalation.yml").trigger(reason).ask_satisfaction
    handover_id = await _accepted(bot, agent, reason, ask_satisfaction=asked)
    fake_rasa.requests.clear()
    status, body = await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome, "note": "Rustig gesprek."})
    assert status == 200 and body["resume"]["delivered"], body
    assert fake_rasa.requests[-1]["json"] == events
    assert "Rustig gesprek" not in repr([r["json"] for r in fake_rasa.requests])


async def test_a_bad_wrap_up_is_422_with_the_field(service, bot, make_agent):
    agent = await make_agent("sanne")
    handover_id = await _accepted(bot, agent)
    for body, field in [
        ({"outcome": "opgelost"}, "outcome"),
        ({"outcome": "resolved", "note": "x" * (MAX_WRAP_UP_NOTE + 1)}, "note"),
        ({"outcome": "resolved", "note": ["x"]}, "note"),
    ]:
        status, answer = await agent.post(f"/handovers/{handover_id}/close", body)
        assert (status, answer.get("field")) == (422, field), (body, answer)
    assert (await agent.get(f"/handovers/{handover_id}"))[1]["handover"]["status"] == "assigned"


def test_an_older_database_gets_the_wrap_up_columns_the_history_index_and_the_search_table(database_url):
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:  # as a release before the wrap-up left it
            connection.execute(sa.text("DROP TABLE handover_search_terms"))
            connection.execute(sa.text("DROP INDEX handover_history_order"))
            connection.execute(sa.text("ALTER TABLE handovers DROP COLUMN wrap_up_note"))
            connection.execute(sa.text("ALTER TABLE handovers DROP COLUMN queued_at"))
    finally:
        engine.dispose()
    if database_url.startswith("sqlite"):
        old = create_engine(database_url)
        assert "wrap_up_note" not in {c["name"] for c in sa.inspect(old).get_columns("handovers")}
        old.dispose()
    engine = open_engine(database_url)
    try:
        assert add_missing_columns(engine) == [] and add_missing_indexes(engine) == []  # open_engine did it
        inspector = sa.inspect(engine)
        assert {"wrap_up_note", "queued_at"} <= {c["name"] for c in inspector.get_columns("handovers")}
        assert "handover_history_order" in {i["name"] for i in inspector.get_indexes("handovers")}
        assert inspector.has_table("handover_search_terms")
    finally:
        engine.dispose()


def test_the_api_description_has_the_wrap_up_and_transfer_limits():
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    body = "requestBody"
    close = spec["paths"]["/api/handovers/{handover_id}/close"]["post"][body]["content"]["application/json"]["schema"]
    transfer = spec["paths"]["/api/handovers/{handover_id}/transfer"]["post"][body]["content"]["application/json"]["schema"]
    assert close["properties"]["note"]["maxLength"] == transfer["properties"]["note"]["maxLength"] == MAX_WRAP_UP_NOTE
    assert tuple(spec["components"]["schemas"]["Outcome"]["enum"]) == OUTCOMES
