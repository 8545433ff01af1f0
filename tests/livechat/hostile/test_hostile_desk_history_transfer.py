"""Hostile inputs for the desk's history, transfer and wrap-up (issue 10, item 3) against the real
service, on SQLite and PostgreSQL: query strings with SQL and LIKE characters, NUL bytes, broken
percent-encoding, odd Unicode and numbers, bodies with the wrong types, HTML in notes, ids out of
range. Every answer is a JSON 2xx or 4xx, never a 500; a search never finds what it should not."""
from __future__ import annotations

import pytest
from yarl import URL

from tests.livechat.helpers import handover_payload

GENERIC_500 = {"error": "internal_error", "message": "internal error"}
HTML_NOTE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


async def _raw_get(agent, raw_query: str) -> tuple[int, dict]:
    """GET /api/history with the query string exactly as written (no re-encoding by the client)."""
    url = URL(agent.service.api("/history") + "?" + raw_query, encoded=True)
    async with agent.session.get(url) as reply:
        assert reply.content_type == "application/json", await reply.text()
        return reply.status, await reply.json()


async def _closed_one(bot, agent, conversation_id: str = "conv-1", **overrides) -> int:
    status, body = await bot.post("/handovers", handover_payload(conversation_id, **overrides))
    assert status == 201, body
    await agent.post(f"/handovers/{body['id']}/accept")
    assert (await agent.post(f"/handovers/{body['id']}/close", {"outcome": "resolved"}))[0] == 200
    return body["id"]


ODD_QUERIES = [
    "q=%25", "q=_", "q=%25%25%25", "q=a%25b", "q=%27%20OR%201%3D1%20--", "q=%22%3B%20DROP%20TABLE%20handovers%3B",
    "q=%00", "q=jan%00sen", "q=%ZZ", "q=%FF%FE", "q=%ED%A0%80", "q=%F4%8F%BF%BF", "q=%E2%80%AE%E2%80%8B",
    "q=%F0%9F%99%82", "q=%ED%9F%BB", "q=%EA%B0%80%ED%9E%A3", "q=" + "x" * 5000, "q=" + "%C3%A9" * 150,
    "q=" + "a%20" * 8 + "a", "q=stra%C3%9Fe", "q=%EF%AC%81", "q=%D9%A1%D9%A2",
    "page=1&page=abc", "page=007", "page=%2B5", "page=%205", "page=1.0", "page=0x10", "page=NaN", "page=%00",
    "per_page=%D9%A1", "per_page=50&per_page=500", "team=klantenservice%00", "team=%27%20OR%20%271",
    "outcome=resolved%00", "outcome=RESOLVED", "team=KLANTENSERVICE", "q&page&per_page&team&outcome",
    "%00=%00", "q[]=a", "q=a&q=b&q=c",
]


async def test_odd_query_strings_answer_json_never_500(service, bot, make_agent):
    agent = await make_agent("sanne", teams=["klantenservice"])
    await _closed_one(bot, agent)
    for raw_query in ODD_QUERIES:
        status, body = await _raw_get(agent, raw_query)
        assert status in (200, 400), (raw_query, status, body)
        if status == 400:
            assert body["error"] == "bad_request" and body["field"] in ("q", "page", "per_page", "team", "outcome"), body
        else:
            assert len(body["items"]) <= 1


async def test_wildcards_and_sql_find_nothing_they_should_not(service, bot, make_agent):
    agent = await make_agent("sanne", teams=["klantenservice"])
    kees = await make_agent("kees", teams=["klachten"])
    await _closed_one(bot, agent)
    await _closed_one(bot, kees, "conv-other-team", team="klachten")
    for query in ("%", "_", "%25", "' OR '1'='1", "* OR 1=1", "klachten"):
        status, body = await agent.get("/history?" + str(URL.build(query={"q": query}).query_string))
        assert status == 200, body
        assert [i["team"] for i in body["items"]] in ([], ["klantenservice"]), (query, body)
    _, everything = await agent.get("/history")
    _, percent = await agent.get("/history?q=%25")
    assert percent == everything  # a % is no word and no wildcard: the plain list of the agent's teams


async def test_html_in_a_transfer_note_or_wrap_up_is_stored_as_text(service, bot, make_agent, fake_rasa):
    sanne = await make_agent("sanne", teams=["klantenservice"])
    kees = await make_agent("kees", teams=["klachten"])
    _, created = await bot.post("/handovers", handover_payload("conv-h"))
    await sanne.post(f"/handovers/{created['id']}/accept")
    status, body = await sanne.post(f"/handovers/{created['id']}/transfer", {"team": "klachten", "note": HTML_NOTE})
    assert status == 200 and body["note"]["text"].endswith(HTML_NOTE)
    await kees.post(f"/handovers/{created['id']}/accept")
    status, body = await kees.post(f"/handovers/{created['id']}/close", {"outcome": "not_resolved", "note": HTML_NOTE})
    assert status == 200 and body["handover"]["wrap_up_note"] == HTML_NOTE
    assert "onerror" not in repr([r["json"] for r in fake_rasa.requests])  # neither note reached the customer
    status, found = await kees.get("/history?q=onerror%20pwned")
    assert [i["id"] for i in found["items"]] == [created["id"]]


@pytest.mark.parametrize(
    "body, statuses",
    [
        ([], (422,)), ("klachten", (422,)), ({"team": None}, (422,)), ({"team": ["klachten"]}, (422,)),
        ({"team": "Klachten"}, (422,)), ({"team": "klachten\u0000"}, (200,)), ({"team": "klachten", "agent_id": 10**30}, (409,)),
        ({"team": "klachten", "agent_id": 2**31}, (409,)), ({"team": "klachten", "agent_id": 3.0}, (422,)),
        ({"team": "klachten", "agent_id": -1}, (422,)), ({"team": "klachten", "agent_id": {"id": 1}}, (422,)),
        ({"team": "klachten", "note": "\u0000" * 10}, (200,)), ({"team": "klachten", "note": "é" * 500}, (200,)),
        ({"team": "klachten", "note": "é" * 501}, (422,)), ({"team": "klachten", "note": {"text": "x"}}, (422,)),
    ],
)
async def test_transfer_bodies_of_every_shape(service, bot, make_agent, body, statuses):
    sanne = await make_agent("sanne", teams=["klantenservice"])
    _, created = await bot.post("/handovers", handover_payload("conv-t"))
    await sanne.post(f"/handovers/{created['id']}/accept")
    status, answer = await sanne.post(f"/handovers/{created['id']}/transfer", body)
    assert status in statuses, (body, status, answer)
    assert answer != GENERIC_500


@pytest.mark.parametrize("note", ["\u0000", "a\u0000b", "\u202e\u200b" * 10, "🙂" * 500])
async def test_odd_wrap_up_notes_are_stored_or_refused_never_500(service, bot, make_agent, note):
    sanne = await make_agent("sanne")
    _, created = await bot.post("/handovers", handover_payload("conv-w"))
    await sanne.post(f"/handovers/{created['id']}/accept")
    status, answer = await sanne.post(f"/handovers/{created['id']}/notes", {"text": note + "."})
    assert status == 201 and "\u0000" not in answer["message"]["text"], answer  # PostgreSQL text holds no NUL
    status, answer = await sanne.post(f"/handovers/{created['id']}/close", {"outcome": "resolved", "note": note})
    assert status in (200, 422), answer
    if status == 200:
        assert "\u0000" not in (answer["handover"]["wrap_up_note"] or "")


@pytest.mark.parametrize(
    "path",
    ["/handovers/0/transfer", "/handovers/2147483648/transfer", "/handovers/99999999999999999999/transfer",
     "/handovers/-1/transfer", "/handovers/abc/transfer"],
)
async def test_transfer_of_ids_no_column_holds_is_404(service, make_agent, path):
    sanne = await make_agent("sanne")
    status, answer = await sanne.post(path, {"team": "klachten"})
    assert status == 404 and answer != GENERIC_500, answer


async def test_transfer_history_and_targets_need_a_session_and_the_desks_origin(service, bot, make_agent, http):
    for method, path in [("GET", "/history"), ("GET", "/transfer-targets"), ("GET", "/close-outcomes"),
                         ("POST", "/handovers/1/transfer")]:
        async with http.request(method, service.api(path), json={"team": "klachten"}) as reply:
            assert reply.status == 401, path
    sanne = await make_agent("sanne")
    _, created = await bot.post("/handovers", handover_payload("conv-o"))
    async with sanne.session.post(service.api(f"/handovers/{created['id']}/transfer"), json={"team": "klachten"},
                                  headers={"Origin": "https://evil.example"}) as reply:
        assert reply.status == 403
    async with sanne.session.post(service.api(f"/handovers/{created['id']}/transfer"), data="team=klachten",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"}) as reply:
        assert reply.status == 400
