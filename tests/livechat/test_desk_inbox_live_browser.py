"""The desk's inbox badge follows the desk's live feed (issue 10, item 1), in a real headless
Chromium against the real service: a ticket or callback the bot stores, and a callback a waiting
customer asks for, show in the count within seconds instead of at the inbox's 30 s reload; a burst
of them is one reload, not one per event."""
from __future__ import annotations

import asyncio

import pytest

from naadloos.handover_contract.wait_token import wait_token
from tests.livechat.helpers import SECRET, callback_payload, handover_payload, ticket_payload
from tests.livechat.test_desk_browser import browser, log_in, open_desk  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SOON = 5  # seconds: well within the inbox's own 30 s reload
COUNT = "document.getElementById('inbox-count')?.textContent"
INBOX_RELOADS = "performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/inbox')).length"


async def test_the_inbox_badge_counts_new_items_as_they_arrive(service, bot, make_agent, browser, http):  # noqa: F811
    agent = await make_agent("sanne", login=False)
    desk = await open_desk(browser, service.url)
    await log_in(desk, "sanne", agent.password)
    await desk.wait_for(f"{COUNT} === '0'", what="the empty inbox")

    assert (await bot.post("/tickets", ticket_payload("conv-t")))[0] == 201
    await desk.wait_for(f"{COUNT} === '1'", timeout=SOON, what="the bot's ticket in the badge")
    assert (await bot.post("/callbacks", callback_payload("conv-c")))[0] == 201
    await desk.wait_for(f"{COUNT} === '2'", timeout=SOON, what="the bot's callback in the badge")

    # A customer who waits asks to be called back (the chat page's own route).
    status, waiting = await bot.post("/handovers", handover_payload("conv-w"))
    assert status == 201, waiting
    asked = {"phone": "06-12345678", "preferred_moment": "morgenochtend"}
    async with http.post(service.api(f"/waiting/{wait_token(SECRET, waiting['id'])}/callback"), json=asked) as reply:
        assert reply.status == 201, await reply.text()
    await desk.wait_for(f"{COUNT} === '3'", timeout=SOON, what="the waiting customer's callback in the badge")

    before = await desk.evaluate(INBOX_RELOADS)
    burst = await asyncio.gather(*(bot.post("/tickets", ticket_payload(f"conv-burst-{n}")) for n in range(5)))
    assert [status for status, _ in burst] == [201] * 5
    await desk.wait_for(f"{COUNT} === '8'", timeout=SOON, what="the burst in the badge")
    assert await desk.evaluate(INBOX_RELOADS) - before <= 2, "a burst of events is one or two reloads, not five"
