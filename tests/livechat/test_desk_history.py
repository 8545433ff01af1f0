"""History and search of closed conversations (issue 10, item 3) against the real service, on
SQLite and PostgreSQL: the agent's teams only, newest first, in pages; search on the customer's
words and details, the reason, the agent and the wrap-up note; one opened read-only with its
wrap-up; conversations closed before the search existed are found too; the search reads the
word index, not every transcript; bad query parameters are 400, never 500."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from livechat.api import history as history_api
from livechat.api.openapi import OPENAPI_FILE
from livechat.storage import history
from livechat.storage.db import create_engine
from tests.livechat.helpers import handover_payload


async def _closed(
    bot, agent, clock, conversation_id: str, *, outcome: str = "resolved", note: str = "", said: str = "",
    **overrides: Any,
) -> int:
    """A hand-over accepted by `agent`, where the customer `said` something, closed a minute later."""
    status, body = await bot.post("/handovers", handover_payload(conversation_id, **overrides))
    assert status == 201, body
    handover_id = body["id"]
    assert (await agent.post(f"/handovers/{handover_id}/accept"))[0] == 200
    if said:
        message = {"text": said, "message_id": f"{conversation_id}-m1"}
        assert (await bot.post(f"/conversations/{conversation_id}/messages", message))[0] == 201
    clock.advance(60)
    await agent.post("/agents/heartbeat")
    status, closed = await agent.post(f"/handovers/{handover_id}/close", {"outcome": outcome, "note": note})
    assert status == 200, closed
    return handover_id


async def _ids(agent, query: str = "") -> list[int]:
    status, body = await agent.get("/history" + query)
    assert status == 200, body
    return [item["id"] for item in body["items"]]


async def test_newest_first_in_pages_of_the_agents_teams(service, bot, make_agent, clock):
    sanne = await make_agent("sanne", teams=["klantenservice", "klachten"])
    kees = await make_agent("kees", teams=["klachten"])
    ids = [await _closed(bot, sanne, clock, f"conv-{n}") for n in range(5)]
    complaint = await _closed(bot, sanne, clock, "conv-k", team="klachten", reason="complaint")
    open_one = (await bot.post("/handovers", handover_payload("conv-open")))[1]["id"]

    status, page = await sanne.get("/history?per_page=2")
    assert status == 200
    assert [i["id"] for i in page["items"]] == [complaint, ids[4]]
    assert (page["page"], page["per_page"], page["has_more"]) == (1, 2, True)
    status, last = await sanne.get("/history?per_page=2&page=3")
    assert [i["id"] for i in last["items"]] == [ids[1], ids[0]] and last["has_more"] is False
    assert open_one not in await _ids(sanne, "?per_page=50")
    assert await _ids(kees) == [complaint]  # only his team's
    assert await _ids(sanne, "?team=klachten") == [complaint]
    item = page["items"][0]
    assert item["labels"]["team"] == "Klachten" and item["labels"]["outcome"] == "Opgelost"
    assert item["labels"]["reason"].startswith("Klacht")


async def test_search_on_words_customer_number_reason_agent_and_note(service, bot, make_agent, clock):
    sanne = await make_agent("sanne", name="Sanne de Vries")
    piet = await make_agent("piet", name="Piet Pieterse")
    bill = await _closed(bot, sanne, clock, "conv-bill", said="De afschrijving is twee keer gedaan, zéér vervelend")
    number = await _closed(bot, piet, clock, "conv-nr", customer={"customer_number": "87654321"},
                           transcript=[{"role": "user", "text": "ik wil iemand spreken"}])
    grief = await _closed(bot, piet, clock, "conv-grief", reason="bereavement", note="Nabestaande teruggebeld door collega",
                          transcript=[{"role": "user", "text": "mijn vader is overleden"}], outcome="callback_needed")

    assert await _ids(sanne, "?q=afschrijving") == [bill]
    assert await _ids(sanne, "?q=AFSCHRIJ") == [bill]  # the beginning of a word, any case
    assert await _ids(sanne, "?q=zeer%20vervelend") == [bill]  # without accents, every word must match
    assert await _ids(sanne, "?q=zeer%20overleden") == []
    assert await _ids(sanne, "?q=87654321") == [number]
    assert await _ids(sanne, "?q=8765") == [number]
    assert await _ids(sanne, "?q=overleden") == [grief]
    assert await _ids(sanne, "?q=bereavement") == [grief]  # the reason's code
    assert await _ids(sanne, "?q=overlijden") == [grief]  # ... and its Dutch label
    assert await _ids(sanne, "?q=teruggebeld") == [grief]  # the wrap-up note
    assert await _ids(sanne, "?q=pieterse") == [grief, number]  # the agent
    assert await _ids(sanne, "?q=sanne%20vries") == [bill]
    assert await _ids(sanne, "?outcome=callback_needed") == [grief]
    assert await _ids(sanne, "?q=jaarafrekening&outcome=resolved") == [number, bill]


async def test_agents_who_took_part_find_it_after_a_transfer_to_another_team(service, bot, make_agent, clock):
    """The final team sees it, and so does every colleague who accepted it, wrote in it or passed it
    on, also from a team that cannot see the other team's conversations; nobody else does."""
    sanne = await make_agent("sanne", teams=["klantenservice"])  # accepted and wrote, then passed it on
    piet = await make_agent("piet", teams=["klantenservice"])  # passed a waiting one on, never accepted it
    kees = await make_agent("kees", teams=["klantenservice"])  # same team, took no part
    els = await make_agent("els", teams=["klachten"])
    mine = await _closed(bot, sanne, clock, "conv-c", said="Mijn factuur klopt niet")  # her own team's
    written = (await bot.post("/handovers", handover_payload("conv-a", key="hk-a")))[1]["id"]
    assert (await sanne.post(f"/handovers/{written}/accept"))[0] == 200
    assert (await sanne.post(f"/handovers/{written}/messages", {"text": "Ik zet je door naar klachten."}))[0] == 201
    assert (await sanne.post(f"/handovers/{written}/transfer", {"team": "klachten", "note": "Wil een klacht indienen"}))[0] == 200
    passed = (await bot.post("/handovers", handover_payload("conv-b", key="hk-b")))[1]["id"]
    assert (await piet.post(f"/handovers/{passed}/transfer", {"team": "klachten"}))[0] == 200
    for handover_id in (written, passed):
        assert (await els.post(f"/handovers/{handover_id}/accept"))[0] == 200
        clock.advance(60)
        assert (await els.post(f"/handovers/{handover_id}/close", {"outcome": "resolved"}))[0] == 200

    assert await _ids(els) == [passed, written]
    assert await _ids(sanne) == [written, mine]
    assert await _ids(piet) == [passed, mine]  # the one he passed on, and his team's
    assert await _ids(kees) == [mine]
    assert await _ids(sanne, "?q=klacht%20indienen") == [written]  # searching finds it too
    assert await _ids(sanne, "?team=klantenservice") == [mine]  # one team asked for: only that team's
    status, detail = await sanne.get(f"/handovers/{written}")
    assert status == 200 and detail["handover"]["team"] == "klachten", detail
    assert "Ik zet je door naar klachten." in [m["text"] for m in detail["messages"]]
    assert (await kees.get(f"/handovers/{written}"))[0] == 403
    assert (await sanne.post(f"/handovers/{written}/messages", {"text": "hallo?"}))[0] == 409  # read-only


async def test_one_opened_read_only_with_transcript_and_wrap_up(service, bot, make_agent, clock):
    sanne = await make_agent("sanne")
    handover_id = await _closed(bot, sanne, clock, "conv-1", outcome="backoffice", note="Doorgezet: meterwissel",
                                said="Mijn meter is vervangen")
    _, listed = await sanne.get("/history?q=meterwissel")
    assert listed["items"][0]["wrap_up_note"] == "Doorgezet: meterwissel"
    status, detail = await sanne.get(f"/handovers/{handover_id}")
    assert status == 200
    handover = detail["handover"]
    wrap_up = (handover["status"], handover["outcome"], handover["wrap_up_note"])
    assert wrap_up == ("closed", "backoffice", "Doorgezet: meterwissel")
    assert handover["labels"]["outcome"] == "Doorgezet naar backoffice"
    assert [t["text"] for t in handover["transcript"]][0] == "Mijn jaarafrekening is veel te hoog"
    assert [m["text"] for m in detail["messages"] if m["sender"] == "customer"] == ["Mijn meter is vervangen"]
    # Read-only: nothing can be written to the customer any more.
    assert (await sanne.post(f"/handovers/{handover_id}/messages", {"text": "hallo?"}))[0] == 409
    # A note added later is found too.
    assert (await sanne.post(f"/handovers/{handover_id}/notes", {"text": "Klant belde nog na over de slimme meter"}))[0] == 201
    assert await _ids(sanne, "?q=slimme%20meter") == [handover_id]


async def test_conversations_closed_before_the_search_existed_are_found(service, bot, make_agent, clock, monkeypatch):
    sanne = await make_agent("sanne")
    zwolle = await _closed(bot, sanne, clock, "conv-old-1", said="Ik verhuis naar Zwolle")
    deventer = await _closed(bot, sanne, clock, "conv-old-2", said="Ik verhuis naar Deventer")
    engine = create_engine(service.config.database_url)
    try:
        with engine.begin() as connection:  # as an older release left them: closed, no search words
            connection.execute(sa.text("DELETE FROM handover_search_terms"))
    finally:
        engine.dispose()
    monkeypatch.setattr(history_api, "INDEX_PER_REQUEST", 1)  # a part per request, the oldest first
    assert await _ids(sanne, "?q=deventer") == []
    assert await _ids(sanne, "?q=deventer") == [deventer]
    assert await _ids(sanne, "?q=zwolle") == [zwolle]
    assert await _ids(sanne) == [deventer, zwolle]  # the list itself never needed the words


@pytest.mark.parametrize(
    "query, field",
    [
        ("?page=0", "page"), ("?page=abc", "page"), ("?page=-1", "page"), ("?page=501", "page"),
        ("?page=1e3", "page"), ("?page=%EF%BC%91", "page"), ("?per_page=0", "per_page"), ("?per_page=51", "per_page"),
        ("?per_page=99999999999999999999", "per_page"), ("?q=" + "a" * 201, "q"), ("?q=" + "+".join("abcdefghi"), "q"),
        ("?outcome=gone", "outcome"), ("?team=fraude", "team"),
    ],
)
async def test_bad_query_parameters_are_400_with_the_field(service, make_agent, query, field):
    agent = await make_agent("sanne", teams=["klantenservice"])
    status, body = await agent.get("/history" + query)
    assert (status, body["error"], body["field"]) == (400, "bad_request", field), body


async def test_only_for_logged_in_agents(service, http):
    async with http.get(service.api("/history")) as reply:
        assert reply.status == 401


def _plan(engine: sa.engine.Engine, query: history.HistoryQuery) -> str:
    """The database's plan for the statement `history.search` runs for `query`."""
    compiled = history.search_statement(query).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # tiny tables: can the indexes serve it?
                connection.execute(sa.text(f"SET {setting} = off"))
            return "\n".join(connection.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
        return "\n".join(row[-1] for row in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))


async def test_the_list_reads_the_order_index_and_words_are_looked_up_in_the_word_index(service, bot, make_agent, clock):
    sanne = await make_agent("sanne")
    await _closed(bot, sanne, clock, "conv-1", said="afschrijving")
    engine = create_engine(service.config.database_url)
    try:
        listing = _plan(engine, history.HistoryQuery(teams=("klantenservice",)))
        search = _plan(engine, history.HistoryQuery(teams=("klantenservice",), words=("afschr", "twee")))
        took_part = _plan(engine, history.HistoryQuery(teams=("klantenservice",), agent_id=1))
    finally:
        engine.dispose()
    assert "handover_history_order" in listing, listing
    assert "handover_history_order" in took_part, took_part
    if engine.dialect.name == "postgresql":
        assert "Index Scan Backward using handover_history_order" in listing and "Sort" not in listing, listing
        assert "Sort" not in took_part and "Seq Scan on messages" not in took_part, took_part
        assert "Seq Scan" not in search and "handover_search_terms_pkey" in search, search
    else:
        assert "TEMP B-TREE" not in listing, listing  # no sorting of every closed conversation
        assert "TEMP B-TREE" not in took_part and "SCAN messages" not in took_part, took_part
        assert "SCAN handover_search_terms" not in search, search
        assert "handover_search_terms_1 (term>? AND term<?)" in search, search


def test_the_api_description_has_the_historys_limits():
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/history"]["get"]["parameters"]}
    assert parameters["q"]["maxLength"] == history_api.MAX_QUERY
    assert (parameters["page"]["maximum"], parameters["per_page"]["maximum"]) == (history_api.MAX_PAGE, history_api.MAX_PER_PAGE)
    assert parameters["per_page"]["default"] == history_api.DEFAULT_PER_PAGE
    assert str(history_api.MAX_WORDS) in spec["paths"]["/api/history"]["get"]["parameters"][0]["description"]
