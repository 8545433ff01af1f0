"""In a real (headless Chromium) browser: the customer's web chat page (/chat) and the agent desk
(/desk) side by side. The customer asks for a person, the agent takes over in the same window, and
what the agent types (even HTML) reaches the customer as plain text; after logging out the desk
shows nothing of the conversation. Screenshots go to tmp_path."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests

from tests.e2e.browser import Browser, Tab, running_browser

HOSTILE_REPLY = 'Ik kijk mee <img src=x id="injected" onerror="window.pwned=1"><script>window.pwned=2</script>'


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    async with running_browser(tmp_path / "profile") as chromium:
        yield chromium


def js(value: str) -> str:
    return json.dumps(value)


def page_has(list_id: str, fragment: str) -> str:
    """An expression: is there an item in #list_id whose text contains `fragment`?"""
    return f"[...document.querySelectorAll('#{list_id} li')].some((li) => li.textContent.includes({js(fragment)}))"


async def customer_says(chat: Tab, text: str) -> None:
    await chat.evaluate(
        f"document.getElementById('message').value = {js(text)}; document.getElementById('composer').requestSubmit()"
    )


async def test_customer_and_agent_in_real_browsers(
    browser: Browser, live_system: dict[str, str], tmp_path: Path
) -> None:
    # A hand-over needs an agent online: the agent logs in at the desk first.
    desk = await browser.open(f"{live_system['livechat']}/desk")
    await desk.wait_for("!document.getElementById('login-view').hidden", what="the login form")
    await desk.evaluate(
        f"document.getElementById('username').value = 'demo';"
        f"document.getElementById('password').value = {js(live_system['password'])};"
        "document.getElementById('login-form').requestSubmit()"
    )
    await desk.wait_for("document.getElementById('desk-view') !== null", what="the desk after login")
    await desk.wait_for("document.getElementById('connection').textContent === 'live'", what="the desk's live feed")

    chat = await browser.open(f"{live_system['livechat']}/chat")
    await chat.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="chat connected")
    await customer_says(chat, "hallo")
    await chat.wait_for(page_has("messages", "Polderstroom"), what="the greeting")
    await customer_says(chat, "ik wil een medewerker spreken")
    await chat.wait_for(page_has("messages", "Je hoeft niets te herhalen"), what="the hand-over notice")
    session_id = await chat.evaluate("localStorage.getItem('naadloos.chat.session')")
    await chat.screenshot(tmp_path / "1-customer-waiting.png")

    await desk.wait_for("document.querySelector('#queue li') !== null", what="the queue item")
    await desk.evaluate("document.querySelector('#queue li').click()")
    await desk.wait_for(page_has("transcript", "ik wil een medewerker spreken"), what="the transcript")
    assert await desk.evaluate(page_has("transcript", "hallo"))
    await desk.screenshot(tmp_path / "2-desk-queue-item.png")

    await desk.wait_for("!document.getElementById('accept').disabled", what="the accept button")
    await desk.evaluate("document.getElementById('accept').click()")
    await desk.wait_for("!document.getElementById('reply').disabled", what="the reply box after accepting")
    await chat.wait_for(page_has("messages", "Je praat nu met"), what="the take-over notice")
    await desk.evaluate(
        f"document.getElementById('reply').value = {js(HOSTILE_REPLY)};"
        "document.getElementById('reply-form').requestSubmit()"
    )

    await chat.wait_for(page_has("messages", "Ik kijk mee <img"), what="the agent's reply as text")
    shown = await chat.evaluate(
        "(() => { const li = [...document.querySelectorAll('#messages li.agent')].pop();"
        " return {sender: li.querySelector('.sender').textContent, text: li.querySelector('.text').textContent}; })()"
    )
    assert shown == {"sender": "Demo Medewerker", "text": HOSTILE_REPLY}
    assert await chat.evaluate("document.getElementById('who').textContent") == "Je chat met Demo Medewerker."
    for tab in (chat, desk):  # rendered as text: no element created, no script ran
        assert await tab.evaluate("document.getElementById('injected') === null && window.pwned === undefined")
    await chat.screenshot(tmp_path / "3-customer-sees-agent.png")

    await customer_says(chat, "Dank je, mijn factuur klopt niet")
    await desk.wait_for(page_has("transcript", "mijn factuur klopt niet"), what="the customer's words on the desk")
    await desk.screenshot(tmp_path / "4-desk-conversation.png")

    await desk.evaluate("document.getElementById('logout').click()")  # nothing of the conversation stays
    await desk.wait_for("!document.getElementById('login-view').hidden", what="the login form after logging out")
    left = await desk.evaluate("document.documentElement.outerHTML + document.body.innerText")
    assert "mijn factuur klopt niet" not in left and "Demo Medewerker" not in left

    tracker = requests.get(
        f"{live_system['rasa']}/conversations/{session_id}/tracker", params={"token": live_system["token"]}, timeout=10
    ).json()
    user_texts = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert user_texts[:2] == ["hallo", "ik wil een medewerker spreken"]
    assert all((tmp_path / name).stat().st_size > 0 for name in ("1-customer-waiting.png", "4-desk-conversation.png"))
