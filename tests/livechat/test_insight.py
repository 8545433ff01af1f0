"""The insight page's numbers are right: known conversations go into a temporary conversation
store with Rasa's own SQLTrackerStore (as tests/e2e/test_markers.py writes them, and with the same
conversations), known rows into the live-chat database, and every figure of `GET /api/insight` is
checked exactly; the marker counts of test_markers.py are checked against the page's figures for
the same conversations. Also: only team leads and designers see the page and its API (an agent
gets 403), the draft NLU export is training data Rasa reads, the charts are SVG."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from livechat.desk_labels import reason_labels
from livechat.insight import conversations, figures
from livechat.insight.nlu_export import PLACEHOLDER_INTENT
from livechat.storage.db import open_engine
from livechat.storage.schema import callback_requests, handovers, tickets, to_db
from naadloos.escalation.config import load_escalation_config
from tests.e2e import test_markers as markers
from tests.livechat.helpers import AMSTERDAM, ROOT, FakeClock, RunningService, create_agent_client, running_service

ESCALATION = load_escalation_config(ROOT / "config" / "escalation.yml")
PERIOD = "from=2026-03-01&to=2026-03-03"
LISTEN = ActionExecuted("action_listen")


def at(day: int, hour: int, minute: int = 0) -> float:
    """A moment in March 2026, Amsterdam time, as a Unix timestamp."""
    return datetime(2026, 3, day, hour, minute, tzinfo=AMSTERDAM).timestamp()


def stamped(events: list[Event], start: float) -> list[Event]:
    """Copies of `events`, one second apart from `start` (the shared lists stay untouched)."""
    copies = [copy.deepcopy(event) for event in events]
    for index, event in enumerate(copies):
        event.timestamp = start + index
    return copies


def says(text: str, intent: str, channel: str | None = None) -> list[Event]:
    return [UserUttered(text, intent={"name": intent, "confidence": 0.9}, input_channel=channel)]


def clarifies() -> list[Event]:
    return [ActionExecuted("action_fallback_clarify"), SlotSet("failed_turns", 1.0), BotUttered("Bedoel je ...?"), LISTEN]


# Conversations of our own around the period's edges and in other channels (the marker
# conversations of test_markers.py all happen on 2 March, without a channel: "unknown").
OWN: dict[str, tuple[float, list[Event]]] = {
    # 1 March 00:30 in Amsterdam is still 28 February in UTC: it counts on 1 March.
    "just-after-midnight-faq-prices-helped": (at(1, 0, 30), [
        *markers.session(), *says("wat kost stroom?", "faq", "socketio"), *markers.faq_answer("prices")[1:],
        *says("ja", "affirm", "socketio"), *markers.feedback(True, "utter_faq/prices")]),
    "whatsapp-not-understood-contained": (at(1, 12), [
        *markers.session(), *says("KWAK   kwak", "nlu_fallback", "whatsapp"), *clarifies(),
        *says("blub", "nlu_fallback", "whatsapp"), *markers.answers("utter_ask_rephrase"), LISTEN]),
    "whatsapp-fraud": (at(3, 9), [
        *markers.session(), *says("ik kreeg een rare sms", "fraud", "whatsapp"), *markers.hand_over("fraud", "queued")]),
    "only-opened": (at(2, 11), markers.session()),  # no message from the customer: not a conversation
    "before-the-period": (at(1, 0) - 60, [*markers.session(), *says("hallo", "greet", "socketio")]),
    "after-the-period": (at(4, 0), [*markers.session(), *says("hallo", "greet", "socketio")]),
}


async def keep(path: Path) -> None:
    """Every conversation into a SQL tracker store (SQLite file `path`) with Rasa's own API."""
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for index, (sender, sessions) in enumerate(markers.CONVERSATIONS.items()):
        events = [event for session_events, _ in sessions for event in session_events]
        await store.save(DialogueStateTracker.from_events(sender, stamped(events, at(2, 10, index))))
    for sender, (start, events) in OWN.items():
        await store.save(DialogueStateTracker.from_events(sender, stamped(events, start)))


def desk_rows(url: str) -> None:
    """Three hand-overs that reached the desk in the period (one never accepted), one before it;
    tickets and callbacks created and done in and outside the period."""
    common = {"summary": "s", "customer": {}, "priority": "normal", "team": "klantenservice", "slots": {},
              "transcript": [], "raw_events": [], "status": "closed", "reason": "customer_request"}
    rows = [("whatsapp", at(2, 9), 30), ("socketio", at(2, 10), 90), ("socketio", at(3, 23), None),
            ("socketio", at(1, 0) - 1, 10)]
    engine = open_engine(url)
    with engine.begin() as connection:
        for number, (channel, created, wait) in enumerate(rows):
            moment = datetime.fromtimestamp(created, AMSTERDAM)
            accepted = to_db(datetime.fromtimestamp(created + wait, AMSTERDAM)) if wait is not None else None
            connection.execute(handovers.insert().values(
                conversation_id=f"c{number}", idempotency_key=f"h{number}", channel=channel, created_at=to_db(moment),
                accepted_at=accepted, **common))
        for number, (created, done) in enumerate([(at(2, 9), at(2, 12)), (at(2, 9), None), (at(1, 0) - 1, at(1, 8))]):
            connection.execute(tickets.insert().values(
                conversation_id=f"t{number}", idempotency_key=f"t{number}", channel="socketio", reason="r", summary="s",
                customer={}, transcript=[], contact_preference="mail",
                created_at=to_db(datetime.fromtimestamp(created, AMSTERDAM)),
                done_at=to_db(datetime.fromtimestamp(done, AMSTERDAM)) if done else None, status="done" if done else "open"))
        connection.execute(callback_requests.insert().values(
            conversation_id="b0", idempotency_key="b0", name="Jan", phone="0612345678", preferred_moment="morgen",
            created_at=to_db(datetime.fromtimestamp(at(3, 8), AMSTERDAM))))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here: the insight reads the same tables on both databases; the role's
    migration is checked on PostgreSQL too (test_role_column_is_added_to_an_existing_database)."""
    return f"sqlite:///{tmp_path / 'livechat.sqlite3'}"


@pytest.fixture
async def insight_service(database_url: str, config_for, tmp_path: Path) -> AsyncIterator[RunningService]:
    config = config_for(database_url)
    config.var_dir.mkdir(parents=True, exist_ok=True)
    await keep(config.var_dir / "conversations.sqlite3")
    clock = FakeClock(datetime(2026, 3, 3, 12, 0, tzinfo=AMSTERDAM))
    async with running_service(config, clock) as running:
        desk_rows(database_url)
        yield running


async def client(service: RunningService, username: str, role: str) -> Any:
    agent = await create_agent_client(service, username, login=False)
    engine = open_engine(service.config.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE agents SET role = :role WHERE username = :name"), {"role": role, "name": username})
    engine.dispose()
    await agent.login()
    return agent


def sessions_of_markers() -> list[dict[str, int]]:
    return [counts for sessions in markers.CONVERSATIONS.values() for _, counts in sessions]


def label(reason: str) -> str:
    return ESCALATION.trigger(reason).label


async def test_every_figure_of_known_conversations(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    status, body = await lead.get(f"/insight?{PERIOD}")
    await lead.close()
    assert status == 200, body

    # The marker conversations (2 March): the page's figures agree with their marker counts.
    counted = sessions_of_markers()
    marker_total = Counter[str]()
    for counts in counted:
        marker_total.update(counts)
    marker_sessions = len(counted)
    marker_contained = sum(1 for counts in counted if not counts.get("escalated"))
    by_reason = Counter({name.removeprefix("escalated_"): n for name, n in marker_total.items()
                         if name.startswith("escalated_")})
    by_reason["fraud"] += 1  # whatsapp-fraud

    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-03", "channel": None}
    assert body["conversations"] == marker_sessions + 3
    assert body["contained"] == marker_contained + 2
    assert body["containment_rate"] == round((marker_contained + 2) / (marker_sessions + 3), 4)
    assert body["per_day"] == [
        {"day": "2026-03-01", "conversations": 2, "contained": 2, "containment_rate": 1.0},
        {"day": "2026-03-02", "conversations": marker_sessions, "contained": marker_contained,
         "containment_rate": round(marker_contained / marker_sessions, 4)},
        {"day": "2026-03-03", "conversations": 1, "contained": 0, "containment_rate": 0.0},
    ]
    assert body["handovers"] == marker_total["escalated"] + 1
    assert body["handovers_by_reason"] == [
        {"reason": reason, "label": label(reason), "count": count}
        for reason, count in sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
    ]
    teams = Counter[str]()
    for reason, count in by_reason.items():
        teams[ESCALATION.trigger(reason).team] += count
    assert {row["team"]: row["count"] for row in body["handovers_by_team"]} == teams
    assert sum(row["yes"] for row in body["faq_helped"]) == marker_total["helped"] + 1
    assert sum(row["no"] for row in body["faq_helped"]) == marker_total["not_helped"]
    assert body["faq_helped"] == [
        {"topic": "action_verhuizing_submit", "label": "Verhuizing doorgegeven", "yes": 1, "no": 0, "helped_rate": 1.0},
        {"topic": "opening_hours", "label": "Openingstijden", "yes": 1, "no": 2, "helped_rate": round(1 / 3, 4)},
        {"topic": "prices", "label": "prices", "yes": 1, "no": 0, "helped_rate": 1.0},
    ]
    assert body["satisfaction"]["answers"] == marker_total["satisfied"] + marker_total["not_satisfied"]
    scores = body["satisfaction"]["per_score"]
    assert scores["4"] + scores["5"] == marker_total["satisfied"]
    assert body["satisfaction"] == {"answers": 2, "average": 3.5,
                                    "per_score": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert sum(row["count"] for row in body["not_understood"]) == marker_total["not_understood"] + 2
    assert body["not_understood"] == [
        {"text": "kwak kwak", "count": 2},  # "KWAK   kwak" on WhatsApp and "kwak kwak"
        {"text": "blub", "count": 1}, {"text": "flapdrol", "count": 1}, {"text": "hmm", "count": 1},
        {"text": "ja", "count": 1}, {"text": "kwak", "count": 1},
    ]
    # Handled counts what was done in the period, also a ticket created before it.
    assert body["desk"] == {
        "desk_handovers": 3, "accepted": 2, "wait_seconds_average": 60.0, "wait_seconds_median": 60.0,
        "wait_seconds_longest": 90.0, "tickets": {"created": 2, "handled": 2}, "callbacks": {"created": 1, "handled": 0},
    }


async def test_one_channel(insight_service: RunningService) -> None:
    designer = await client(insight_service, "noor", "ontwerper")
    status, body = await designer.get(f"/insight?{PERIOD}&channel=whatsapp")
    await designer.close()
    assert status == 200, body
    assert (body["conversations"], body["contained"], body["containment_rate"]) == (2, 1, 0.5)
    assert [d["conversations"] for d in body["per_day"]] == [1, 0, 1]
    assert body["per_day"][1]["containment_rate"] is None
    assert body["handovers_by_reason"] == [{"reason": "fraud", "label": label("fraud"), "count": 1}]
    assert body["handovers_by_team"] == [{"team": ESCALATION.trigger("fraud").team, "label": "Fraude", "count": 1}]
    assert body["not_understood"] == [{"text": "blub", "count": 1}, {"text": "kwak kwak", "count": 1}]
    assert (body["faq_helped"], body["satisfaction"]["answers"]) == ([], 0)
    assert (body["desk"]["desk_handovers"], body["desk"]["wait_seconds_average"]) == (1, 30.0)
    assert body["desk"]["tickets"] == {"created": 0, "handled": 0}  # all on the website
    assert body["desk"]["callbacks"] == {"created": 1, "handled": 0}  # no channel: counted in every one


async def test_only_team_leads_and_designers(insight_service: RunningService) -> None:
    agent = await client(insight_service, "sanne", "agent")
    lead = await client(insight_service, "lotte", "teamleider")
    try:
        for path in (f"/insight?{PERIOD}", "/insight/charts/containment.svg", "/insight/charts/reasons.svg"):
            status, body = await agent.get(path)
            assert (status, body["error"]) == (403, "forbidden"), path
        assert (await agent.post("/insight/nlu-export", {"texts": ["kwak"]}))[0] == 403
        async with agent.session.get(f"{insight_service.url}/desk/inzicht", allow_redirects=False) as reply:
            assert reply.status == 403 and "Geen toegang" in await reply.text()
        async with lead.session.get(f"{insight_service.url}/desk/inzicht", allow_redirects=False) as reply:
            assert reply.status == 200 and 'src="/desk/static/insight.js"' in await reply.text()
            assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
        assert {"role": "teamleider", "sees_insight": True}.items() <= (await lead.get("/agents/me"))[1]["agent"].items()
        assert (await agent.get("/agents/me"))[1]["agent"]["sees_insight"] is False  # the desk hides the link
    finally:
        await agent.close()
        await lead.close()
    async with aiohttp.ClientSession() as nobody:
        async with nobody.get(insight_service.api(f"/insight?{PERIOD}")) as reply:
            assert reply.status == 401
        async with nobody.get(f"{insight_service.url}/desk/inzicht", allow_redirects=False) as reply:
            assert (reply.status, reply.headers["Location"]) == (302, "/desk")


async def test_wrong_filters_name_the_field(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    try:
        for query, field in (("from=2026-3-1", "from"), ("to=morgen", "to"), ("from=2026-03-05&to=2026-03-01", "from"),
                             ("from=2025-01-01&to=2026-03-01", "from"), ("channel=<script>", "channel")):
            status, body = await lead.get(f"/insight?{query}")
            assert (status, body.get("field")) == (400, field), query
        for payload in ({}, {"texts": []}, {"texts": [" "]}, {"texts": "kwak"}, ["kwak"]):
            assert (await lead.post("/insight/nlu-export", payload))[0] == 400, payload
    finally:
        await lead.close()


async def test_nlu_export_is_training_data_rasa_reads(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    texts = ["kwak kwak", "ik wil: 'iets' #raar", "kwak kwak", "hé, wat kost  stroom?"]
    status, body = await lead.post("/insight/nlu-export", {"texts": texts})
    await lead.close()
    assert status == 200
    assert "\nnlu:\n- intent: nog_te_labelen\n  examples: |\n    - kwak kwak\n" in body["yaml"]
    data = RasaYAMLReader().reads(body["yaml"])
    assert sorted(m.get("text") for m in data.training_examples) == sorted(
        ["kwak kwak", "ik wil: 'iets' #raar", "hé, wat kost stroom?"])
    assert {m.get("intent") for m in data.training_examples} == {PLACEHOLDER_INTENT}


async def test_charts_are_svg_with_the_figures(insight_service: RunningService) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    try:
        charts = {}
        for name in ("containment", "reasons"):
            async with lead.session.get(insight_service.api(f"/insight/charts/{name}.svg?{PERIOD}")) as reply:
                assert reply.status == 200 and reply.content_type == "image/svg+xml"
                charts[name] = ElementTree.fromstring(await reply.text())
        _, body = await lead.get(f"/insight?{PERIOD}")
    finally:
        await lead.close()
    svg = "{http://www.w3.org/2000/svg}"
    bars = [rect for rect in charts["containment"].iter(f"{svg}rect") if rect.find(f"{svg}title") is not None]
    assert len(bars) == 3  # one per day with conversations
    assert len(list(charts["reasons"].iter(f"{svg}rect"))) == len(body["handovers_by_reason"])
    drawn = "".join(charts["reasons"].itertext())
    assert "Mogelijke fraude of phishing" in drawn and "Overlijden" in drawn and label("fraud") in drawn  # full in desc
    texts = [t.text for t in charts["containment"].iter(f"{svg}text")]
    middle = f"{round(body['per_day'][1]['containment_rate'] * 100)}%"
    assert texts == ["0%", "50%", "100%", "100%", "03-01", middle, "03-02", "0%", "03-03"]  # axis, then value and day


async def test_unreadable_conversation_store_is_a_503(database_url: str, config_for) -> None:
    config = config_for(database_url)  # no conversations.sqlite3 in its var folder
    async with running_service(config, FakeClock()) as running:
        lead = await client(running, "lotte", "teamleider")
        status, body = await lead.get("/insight")
        await lead.close()
    assert (status, body["error"]) == (503, "conversations_unavailable")
    assert not (config.var_dir / "conversations.sqlite3").exists()  # read only: never created


async def test_postgresql_conversation_store_gives_the_same_figures(postgres_url: str, tmp_path: Path) -> None:
    """Production keeps the conversations in PostgreSQL: Rasa's SQLTrackerStore writes the same
    conversations there, and the figures read from it equal those read from the SQLite file."""
    url = sa.engine.make_url(postgres_url)
    store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host=url.host, port=url.port, db=url.database,
                            username=url.username)
    await keep(tmp_path / "conversations.sqlite3")
    try:
        for sender, (start, events) in OWN.items():
            await store.save(DialogueStateTracker.from_events(sender, stamped(events, start)))
        for index, (sender, sessions) in enumerate(markers.CONVERSATIONS.items()):
            events = [event for session_events, _ in sessions for event in session_events]
            await store.save(DialogueStateTracker.from_events(sender, stamped(events, at(2, 10, index))))
        period = figures.Period(datetime(2026, 3, 1).date(), datetime(2026, 3, 3).date())
        found = {}
        for name, source in (("postgresql", postgres_url), ("sqlite", f"sqlite:///{tmp_path / 'conversations.sqlite3'}")):
            engine = conversations.read_only_engine(source)
            sessions = conversations.read_sessions(engine, period.start.timestamp(), period.end.timestamp())
            found[name] = figures.conversation_figures(sessions, period, reason_labels())
            engine.dispose()
        assert found["postgresql"] == found["sqlite"]
        assert found["postgresql"]["conversations"] == len(sessions_of_markers()) + 3
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE events"))
        store.engine.dispose()
