"""The desk's inbox in a real headless Chromium against the real service (issue 10, item 1): a
callback the bot promised (signed bot API) is seen on the desk with its number and moment, late
in red and flagged while nobody owns it, then claimed, its outcome recorded and marked done; after
logout nothing of it is left on the page or in its memory. Writes results/screenshots/desk-inbox.png."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.livechat.helpers import ROOT, callback_payload, ticket_payload
from tests.livechat.test_desk_browser import (  # noqa: F401  (browser is a fixture)
    BODY_TEXT,
    LOGIN_SHOWN,
    PAGE_HTML,
    browser,
    log_in,
    open_desk,
    visible,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOT = ROOT / "results" / "screenshots" / "desk-inbox.png"
CUSTOMER_NAME = "Wilhelmina Jacoba Sterrenburg"
CUSTOMER_WORDS = "De monteur is drie keer niet komen opdagen"
SUMMARY = "Klacht over een gemiste afspraak met de monteur"
NOTE = "Nieuwe afspraak gemaakt voor donderdag"
SECRETS = (CUSTOMER_NAME, CUSTOMER_WORDS, SUMMARY, NOTE, "0612345678")


def text_of(element_id: str) -> str:
    return f"(document.getElementById('{element_id}')?.innerText || '')"


async def test_a_promised_callback_is_seen_claimed_and_closed_on_the_desk(service, bot, make_agent, browser, clock):  # noqa: F811
    agent = await make_agent("sanne", name="Sanne de Vries", login=False)
    conversation = "conv-inbox"
    status, _ = await bot.post("/tickets", ticket_payload(
        conversation, reason="complaint", priority="high", summary=SUMMARY, contact_preference="callback_offered",
        customer={"name": CUSTOMER_NAME},
        transcript=[{"role": "user", "text": CUSTOMER_WORDS, "timestamp": 1772442000.0},
                    {"role": "bot", "text": "Wat vervelend. Een collega belt je terug.", "timestamp": 1772442001.0}],
    ))
    assert status == 201
    clock.advance(60)  # the bot offers the callback after storing the ticket
    moment = (clock() + timedelta(minutes=30)).isoformat()
    status, created = await bot.post("/callbacks", callback_payload(
        conversation, name=CUSTOMER_NAME, preferred_moment="vandaag om half 11", preferred_at=moment,
    ))
    assert status == 201, created
    clock.advance(45 * 60)  # nobody picked it up, and the moment has passed

    desk = await open_desk(browser, service.url)
    await desk.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    await log_in(desk, "sanne", agent.password)
    await desk.wait_for("document.getElementById('inbox-count')?.textContent === '2'", what="the inbox badge")
    assert await desk.evaluate("document.getElementById('inbox-count').classList.contains('alert')")
    await desk.evaluate("document.getElementById('inbox-tab').click()")
    await desk.wait_for(visible("document.querySelector('#inbox-list li')"), what="the inbox list")
    assert not await desk.evaluate(visible("document.getElementById('queue')")), "the live queue stays behind its tab"

    listed = await desk.evaluate(text_of("inbox-list"))
    assert listed.index("Bericht #1") < listed.index("Terugbellen #1"), listed  # both high: the older first
    for expected in ("Terugbellen #1", "Te laat", "Geen eigenaar sinds 45 min", "Geen eigenaar sinds 46 min"):
        assert expected in listed, (expected, listed)
    assert "Klacht" in listed and "hoog" in listed, listed
    phone_link = await desk.evaluate("document.querySelector('#inbox-list a.phone').getAttribute('href')")
    assert phone_link == "tel:0612345678"

    callback_item = "[...document.querySelectorAll('#inbox-list li')].find(li => li.innerText.includes('Terugbellen #'))"
    await desk.evaluate(f"{callback_item}.click()")
    await desk.wait_for(f"{text_of('inbox-detail')}.includes({json.dumps(CUSTOMER_WORDS)})", what="the transcript")
    detail = await desk.evaluate(text_of("inbox-detail"))
    for expected in (SUMMARY, "vandaag om half 11 · Te laat", "0612345678", "nog niemand", "Oppakken"):
        assert expected in detail, (expected, detail)
    red = await desk.evaluate("getComputedStyle(document.querySelector('#inbox-detail .overdue-text')).color")
    assert red == "rgb(176, 0, 32)"
    assert re.search(r"Klantgegevens\s+Naam\s+" + CUSTOMER_NAME, detail), detail  # the panel of the conversation view
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await desk.screenshot(SCREENSHOT)

    await desk.evaluate("document.getElementById('inbox-claim').click()")
    await desk.wait_for("document.getElementById('inbox-outcome-form') !== null", what="the outcome form")
    assert await desk.evaluate("document.getElementById('inbox-done-button').disabled"), "done before an outcome"
    await desk.evaluate(
        "document.getElementById('inbox-outcome').value = 'called_back';"
        f"document.getElementById('inbox-note').value = {json.dumps(NOTE)};"
        "document.getElementById('inbox-outcome-form').requestSubmit()"
    )
    await desk.wait_for(f"{text_of('inbox-detail')}.includes('Teruggebeld (poging 1')", what="the recorded outcome")
    assert NOTE in await desk.evaluate(text_of("inbox-detail"))
    await desk.wait_for("document.getElementById('inbox-done-button')?.disabled === false", what="Afronden enabled")
    await desk.evaluate("document.getElementById('inbox-done-button').click()")
    await desk.wait_for(f"{text_of('inbox-detail')}.includes('Afgerond')", what="the item done")
    await desk.wait_for("document.getElementById('inbox-count').textContent === '1'", what="one item left (the ticket)")
    assert "Terugbellen #1" in await desk.evaluate("document.getElementById('inbox-done').textContent")

    status, body = await agent.login()
    assert status == 200
    _, done = await agent.get("/inbox/done")
    assert [(i["kind"], i["outcome"], i["outcome_note"]) for i in done["items"]] == [("callback", "called_back", NOTE)]

    await desk.evaluate("document.getElementById('logout').click()")
    await desk.wait_for(LOGIN_SHOWN, what="the login form after logging out")
    shown, html = await desk.evaluate(BODY_TEXT), await desk.evaluate(PAGE_HTML)
    assert "Terugbellen en berichten" not in shown
    for detail in SECRETS:
        assert detail not in shown and detail not in html, f"{detail!r} is still on the page"
    heap = await desk.heap_snapshot()
    for detail in SECRETS:
        assert json.dumps(detail)[1:-1] not in heap, f"{detail!r} is still in the page's memory"
