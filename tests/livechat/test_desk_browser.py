"""The agent desk in a real (headless Chromium) browser against the real service (no Rasa, no model):
nothing of a conversation is on the page, or in the page's memory, without a valid session.

Customer text is never put into the JavaScript the test runs (it would then be in the page's heap
itself): the test reads the page's text and HTML back and searches them in Python.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from livechat.agents import main as agents_cli
from livechat.api.auth import SESSION_COOKIE as COOKIE
from tests.e2e.browser import Browser, Tab, running_browser
from tests.livechat.helpers import SECRET, handover_payload, ticket_payload

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

AGENT_NAME = "Sanne de Vries"
SUMMARY = "Klant zag een dubbele afschrijving van het termijnbedrag"
CUSTOMER_NAME = "Jozefien Verkerk-Oudeman"
CUSTOMER_WORDS = "Er is twee keer geschreven van NL91ABNA0417164300"
LATER_WORDS = "Ik wacht nog op de terugbetaling van maart"
CUSTOMER_DETAILS = (SUMMARY, CUSTOMER_NAME, CUSTOMER_WORDS, LATER_WORDS)
SESSION_ENDED = "Je sessie is beëindigd. Log opnieuw in."


def visible(element: str) -> str:
    """An expression: is `element` (an expression itself) in the DOM and drawn on the page?"""
    return f"(el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')({element})"


LOGIN_SHOWN = visible("document.getElementById('login-form')")
BODY_TEXT = "document.body.innerText"
PAGE_HTML = "document.documentElement.outerHTML"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    async with running_browser(tmp_path / "profile") as chromium:
        yield chromium


async def open_desk(browser: Browser, url: str) -> Tab:
    desk = await browser.open("about:blank")
    await desk.goto(f"{url}/desk")
    await desk.wait_for(LOGIN_SHOWN, what="the login form")
    return desk


async def log_in(desk: Tab, username: str, password: str) -> None:
    await desk.evaluate(
        f"document.getElementById('username').value = {json.dumps(username)};"
        f"document.getElementById('password').value = {json.dumps(password)};"
        "document.getElementById('login-form').requestSubmit()"
    )
    await desk.wait_for("document.getElementById('connection')?.textContent === 'live'", what="the desk's live feed")


async def open_first_queue_item(desk: Tab) -> None:
    await desk.wait_for("document.querySelector('#queue li') !== null", what="the queue item")
    await desk.evaluate("document.querySelector('#queue li').click()")
    await desk.wait_for("document.querySelectorAll('#transcript li').length >= 2", what="the transcript")
    shown = await desk.evaluate(BODY_TEXT)
    for detail in (SUMMARY, CUSTOMER_NAME, CUSTOMER_WORDS, AGENT_NAME):
        assert detail in shown, detail


async def session_cookie(desk: Tab) -> str:
    cookies = (await desk.call("Network.getCookies"))["cookies"]
    return next(cookie["value"] for cookie in cookies if cookie["name"] == COOKIE)


async def assert_nothing_of_the_conversation_left(desk: Tab) -> None:
    """Not on screen, not in the DOM, not reachable from the page's scripts; no desk controls."""
    shown, html = await desk.evaluate(BODY_TEXT), await desk.evaluate(PAGE_HTML)
    for detail in (*CUSTOMER_DETAILS, AGENT_NAME):
        assert detail not in shown, f"{detail!r} is still on the screen"
        assert detail not in html, f"{detail!r} is still in the DOM"
    assert not await desk.evaluate("[...document.querySelectorAll('button')].some(b => b.textContent.includes('Uitloggen'))")
    assert not await desk.evaluate(visible("document.getElementById('queue')"))
    # A string the page does hold, built at run time, proves the search sees the page's memory.
    await desk.evaluate("window.heapProbe = ['heap', 'probe', String(6 * 7)].join('-')")
    heap = await desk.heap_snapshot()
    assert "heap-probe-42" in heap
    for detail in CUSTOMER_DETAILS:
        assert json.dumps(detail)[1:-1] not in heap, f"{detail!r} is still in the page's memory"


async def test_first_load_logged_out_shows_only_the_login_form(service, browser):
    desk = await open_desk(browser, service.url)
    assert not await desk.evaluate(visible("document.getElementById('queue')")), "queue panel shown while logged out"
    shown = await desk.evaluate(BODY_TEXT)
    assert "Wachtrij" not in shown and "In gesprek" not in shown and "Uitloggen" not in shown, shown


async def test_logout_clears_every_customer_detail(service, bot, make_agent, browser):
    agent = await make_agent("sanne", name=AGENT_NAME, login=False)
    desk = await open_desk(browser, service.url)
    await log_in(desk, "sanne", agent.password)
    status, _ = await bot.post("/handovers", payload())
    assert status == 201
    await open_first_queue_item(desk)
    await open_the_inbox_ticket(desk, bot)

    await desk.evaluate("document.getElementById('logout').click()")
    await desk.wait_for(LOGIN_SHOWN, what="the login form after logging out")
    await assert_nothing_of_the_conversation_left(desk)
    assert SESSION_ENDED not in await desk.evaluate(BODY_TEXT)  # the agent chose this: no alarm


async def open_the_inbox_ticket(desk: Tab, bot) -> None:
    """A ticket with the same customer's words, opened in the inbox tab (desk_inbox.js)."""
    ticket = ticket_payload("conv-ticket", summary=SUMMARY, customer={"name": CUSTOMER_NAME},
                            transcript=[{"role": "user", "text": LATER_WORDS, "timestamp": 1772442000.0}])
    status, _ = await bot.post("/tickets", ticket)
    assert status == 201
    await desk.evaluate("document.getElementById('inbox-tab').click()")
    await desk.wait_for("document.querySelector('#inbox-list li') !== null", what="the inbox item")
    await desk.evaluate("document.querySelector('#inbox-list li').click()")
    await desk.wait_for(f"document.getElementById('inbox-detail').innerText.includes({json.dumps(LATER_WORDS)})",
                        what="the ticket's transcript")


async def log_out_elsewhere(service, desk: Tab, http: aiohttp.ClientSession, monkeypatch) -> None:
    """The same session logs out from another tab or device."""
    cookie = await session_cookie(desk)
    async with http.post(service.api("/agents/logout"), json={}, headers={"Cookie": f"{COOKIE}={cookie}"}) as reply:
        assert reply.status == 200


async def disable_the_agent(service, desk: Tab, http: aiohttp.ClientSession, monkeypatch) -> None:
    """An administrator runs `python -m livechat.agents disable sanne` (another process, same database)."""
    for name, value in (("LIVECHAT_DATABASE_URL", service.config.database_url), ("LIVECHAT_SHARED_SECRET", SECRET),
                        ("LIVECHAT_TEAMS", ",".join(service.config.teams)), ("NAADLOOS_VAR_DIR", str(service.config.var_dir))):
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(agents_cli, ["disable", "sanne"]) == 0


@pytest.mark.parametrize("end_session", [log_out_elsewhere, disable_the_agent])
async def test_session_ended_on_the_server_closes_the_desk(service, bot, make_agent, browser, http, monkeypatch, end_session):
    """The server ends the session and closes the desk's socket: the desk clears itself and says why."""
    agent = await make_agent("sanne", name=AGENT_NAME, login=False)
    desk = await open_desk(browser, service.url)
    await log_in(desk, "sanne", agent.password)
    await bot.post("/handovers", payload())
    await open_first_queue_item(desk)

    await end_session(service, desk, http, monkeypatch)
    await desk.wait_for(f"{BODY_TEXT}.includes({json.dumps(SESSION_ENDED)})", what="the notice")
    assert await desk.evaluate(LOGIN_SHOWN)
    await assert_nothing_of_the_conversation_left(desk)


async def test_any_401_from_the_api_closes_the_desk(service, bot, make_agent, browser):
    """The browser lost its cookie while the socket stays open: the next API call answers 401."""
    agent = await make_agent("sanne", name=AGENT_NAME, login=False)
    desk = await open_desk(browser, service.url)
    await log_in(desk, "sanne", agent.password)
    await bot.post("/handovers", payload())
    await open_first_queue_item(desk)

    await desk.call("Network.deleteCookies", name=COOKIE, url=service.url)
    status, _ = await bot.post("/handovers", payload("conv-2", transcript_text=LATER_WORDS))
    assert status == 201  # its live event makes the desk reload the queue: 401
    await desk.wait_for(f"{BODY_TEXT}.includes({json.dumps(SESSION_ENDED)})", what="the notice")
    assert await desk.evaluate(LOGIN_SHOWN)
    await assert_nothing_of_the_conversation_left(desk)


async def test_throttled_login_shows_the_servers_message(service, make_agent, browser, http):
    agent = await make_agent("sanne", name=AGENT_NAME, login=False)
    for _ in range(10):  # guessing until the service answers 429
        async with http.post(service.api("/agents/login"), json={"username": "sanne", "password": "wrong"}) as reply:
            if reply.status == 429:
                message = (await reply.json())["message"]
                break
    else:
        pytest.fail("logins were never throttled")
    desk = await open_desk(browser, service.url)
    await desk.evaluate(
        f"document.getElementById('username').value = 'sanne';"
        f"document.getElementById('password').value = {json.dumps(agent.password)};"
        "document.getElementById('login-form').requestSubmit()"
    )
    await desk.wait_for("document.getElementById('login-error').textContent", what="the login error")
    assert await desk.evaluate("document.getElementById('login-error').textContent") == message
    assert await desk.evaluate(LOGIN_SHOWN)


def payload(conversation_id: str = "conv-1", transcript_text: str = CUSTOMER_WORDS) -> dict:
    return handover_payload(
        conversation_id,
        summary=SUMMARY,
        customer={"name": CUSTOMER_NAME, "customer_number": "12345678"},
        transcript=[{"role": "user", "text": transcript_text, "timestamp": 1772442000.0}],
    )
