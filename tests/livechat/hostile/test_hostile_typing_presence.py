"""Hostile use of typing, presence and the waiting callback (issue 10, items 3 and 5): floods of
typing signals reach the desk and the customer at most about once per second per conversation,
junk on the chat socket gets an error frame and goes nowhere, nobody types into a conversation that
is not theirs, and the customer's routes refuse wrong tokens, other sites and too many sockets."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from naadloos.handover_contract.wait_token import wait_token
from tests.livechat.helpers import SECRET, handover_payload
from tests.livechat.test_typing_and_presence import chat_page, chat_socket_url, desk_socket, events_within

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SECRET_WORDS = "mijn pincode is 4321"


async def accepted_handover(bot, agent, conversation: str) -> dict:
    status, created = await bot.post("/handovers", handover_payload(conversation, key=f"hk-{conversation}"))
    assert status == 201, created
    assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
    return created


async def test_a_flood_of_customer_typing_reaches_the_desk_about_once_per_second(service, bot, make_agent, http) -> None:
    agent = await make_agent("sanne")
    created = await accepted_handover(bot, agent, "conv-flood")
    async with desk_socket(agent) as desk, chat_page(http, service, created["id"]) as page:
        loop = asyncio.get_running_loop()
        arrivals: list[float] = []

        async def watch() -> None:
            while True:
                event = await desk.receive_json()
                if event["type"] == "customer_typing":
                    assert SECRET_WORDS not in json.dumps(event)
                    arrivals.append(loop.time())

        watcher = asyncio.ensure_future(watch())
        end = loop.time() + 2.5
        sent = 0
        while loop.time() < end:
            await page.send_json({"type": "typing", "text": SECRET_WORDS})
            sent += 1
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.5)
        watcher.cancel()
    assert sent > 200, sent
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert 2 <= len(arrivals) <= 4 and all(gap > 0.8 for gap in gaps), f"{len(arrivals)} of {sent} reached the desk: {gaps}"


async def test_a_flood_of_agent_typing_reaches_the_customer_about_once_per_second(service, bot, make_agent, http) -> None:
    agent = await make_agent("sanne")
    created = await accepted_handover(bot, agent, "conv-agent-flood")
    async with chat_page(http, service, created["id"]) as page:
        replies = await asyncio.gather(*(agent.post(f"/handovers/{created['id']}/typing") for _ in range(40)))
        received = await events_within(page, 0.5)
    assert all(status == 200 for status, _ in replies), replies
    relayed = [body for _, body in replies if body["relayed"]]
    assert 1 <= len(relayed) <= 2 and len(received) == len(relayed), (relayed, received)


async def test_junk_on_the_chat_socket_gets_an_error_frame_and_goes_nowhere(service, bot, make_agent, http) -> None:
    agent = await make_agent("sanne")
    created = await accepted_handover(bot, agent, "conv-junk")
    junk = [
        "niet eens json", "NaN", '{"type": "typing", "x": Infinity}', "[" * 100 + "]" * 100, "[]", "null",
        '{"type": "TYPING"}', '{"type": "message", "text": "<img src=x onerror=alert(1)>"}', '{"typing": true}',
    ]
    async with desk_socket(agent) as desk, chat_page(http, service, created["id"]) as page:
        for frame in junk:
            await page.send_str(frame)
            reply = await asyncio.wait_for(page.receive_json(), 5)
            assert reply["type"] == "error" and reply["error"] == "bad_request", (frame, reply)
        await page.send_bytes(b"\xff\xfe")
        assert (await asyncio.wait_for(page.receive_json(), 5))["type"] == "error"
        events = await events_within(desk, 0.5)
        assert [e for e in events if e["type"] == "customer_typing"] == [], "junk is no typing"
        await page.send_json({"type": "typing"})  # the socket still works
        assert any(e["type"] == "customer_typing" for e in await events_within(desk, 1.0))


async def test_nobody_types_into_a_conversation_that_is_not_theirs(service, bot, make_agent, http) -> None:
    sanne = await make_agent("sanne")
    piet = await make_agent("piet")
    fraud = await make_agent("fraudeteam", teams=["fraude"])
    created = await accepted_handover(bot, sanne, "conv-mine")
    path = f"/handovers/{created['id']}/typing"
    async with chat_page(http, service, created["id"]) as page:
        assert (await piet.post(path))[0] == 409, "same team, not the agent who has it"
        assert (await fraud.post(path))[0] == 403, "another team"
        assert (await sanne.post("/handovers/999999/typing"))[0] == 404
        assert (await sanne.post(f"/handovers/{2**40}/typing"))[0] == 404
        async with sanne.session.post(service.api(path), headers={"Origin": "https://evil.example"}) as reply:
            assert reply.status == 403
        async with http.post(service.api(path)) as reply:
            assert reply.status == 401
        assert await events_within(page, 0.5) == [], "the customer saw nobody typing"
    assert (await fraud.get("/presence"))[1] == {"presence": []}, "presence of another team's customers stays hidden"


async def test_the_chat_socket_refuses_wrong_tokens_other_sites_and_too_many_pages(service, bot, make_agent, http) -> None:
    agent = await make_agent("sanne")
    created = await accepted_handover(bot, agent, "conv-sockets")
    url = chat_socket_url(service, created["id"])
    token = wait_token(SECRET, created["id"])
    altered = token[:-1] + ("1" if token.endswith("0") else "0")
    forged = [url.replace(token, wait_token("x" * 40, created["id"])), url.replace(token, altered),
              url.replace(token, wait_token(SECRET, created["id"] + 1))]
    for wrong in forged:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(wrong)
        assert refused.value.status == 404
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(url, headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    async with http.get(url.replace("ws://", "http://")) as reply:
        assert reply.status == 400 and (await reply.json())["error"] == "bad_request"

    pages = [await http.ws_connect(url) for _ in range(5)]
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url)
        assert refused.value.status == 429
    finally:
        for page in pages:
            await page.close()


async def test_the_waiting_callback_refuses_wrong_tokens_other_sites_and_bad_values(service, bot, make_agent, http) -> None:
    await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload("conv-cb", key="hk-cb"))
    assert status == 201
    url = service.api(f"/waiting/{wait_token(SECRET, created['id'])}/callback")
    good = {"phone": "06-12345678", "preferred_moment": "morgen"}
    async with http.post(url.replace(wait_token(SECRET, created["id"]), f"{created['id']}.{'0' * 32}"), json=good) as reply:
        assert reply.status == 404 and await reply.json() == {"error": "not_found", "message": "unknown wait token"}
    async with http.post(url, json=good, headers={"Origin": "https://evil.example"}) as reply:
        assert reply.status == 403
    async with http.post(url, data=b"{niet json", headers={"Content-Type": "application/json"}) as reply:
        assert reply.status == 400
    for body, field in (
        ({"phone": "0612345678abc", "preferred_moment": "morgen"}, "phone"),
        ({"phone": "06-12345678", "preferred_moment": "x" * 256}, "preferred_moment"),
        ({"phone": ["06-12345678"], "preferred_moment": "morgen"}, "phone"),
        ([], "body"),
    ):
        async with http.post(url, json=body) as reply:
            assert reply.status == 422 and (await reply.json())["field"] == field, body
    moment = '<img src=x onerror="alert(1)">'
    async with http.post(url, json={"phone": "06-12345678", "preferred_moment": moment, "team": "fraude"}) as reply:
        assert reply.status == 201
        assert (await reply.json())["callback"]["preferred_moment"] == moment, "kept as text; the page shows text"
