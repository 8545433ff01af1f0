"""In a real (headless Chromium) browser: the customer's web chat page (/chat) and the agent desk
(/desk), each in a browser context of its own (no shared cookies or storage, as two people on two
computers). The customer asks for a person, the agent takes over in the same window, and what the
agent types (even HTML) reaches the customer as plain text; after logging out the desk shows
nothing of the conversation. Screenshots go to tmp_path."""
from __future__ import annotations

from pathlib import Path

import requests

from livechat.api.auth import SESSION_COOKIE
from tests.e2e.browser import Browser
from tests.e2e.page_objects import DEMO_AGENT_NAME, ChatPage, DeskPage, has_item

HOSTILE_REPLY = 'Ik kijk mee <img src=x id="injected" onerror="window.pwned=1"><script>window.pwned=2</script>'


async def test_customer_and_agent_in_real_browsers(
    browser: Browser, live_system: dict[str, str], tmp_path: Path
) -> None:
    # A hand-over needs an agent online: the agent logs in at the desk first.
    desk = await DeskPage.open(await browser.new_context(), live_system["livechat"])
    try:
        await desk.logs_in(live_system["password"])
        chat = await ChatPage.open(await browser.new_context(), live_system["livechat"])
        await chat.says("hallo")
        await chat.reads("Polderstroom")
        await chat.says("ik wil een medewerker spreken")
        await chat.reads("Je hoeft niets te herhalen")
        session_id = await chat.session_id()
        await chat.tab.screenshot(tmp_path / "1-customer-waiting.png")

        # Two contexts: the desk knows nothing of the chat's conversation, the chat has no desk login.
        assert await desk.tab.evaluate("localStorage.getItem('naadloos.chat.session')") is None
        chat_cookies = (await chat.tab.call("Network.getCookies"))["cookies"]
        desk_cookies = (await desk.tab.call("Network.getCookies"))["cookies"]
        assert SESSION_COOKIE in {c["name"] for c in desk_cookies}
        assert SESSION_COOKIE not in {c["name"] for c in chat_cookies}

        await desk.opens_handover(session_id)
        await desk.transcript_has("ik wil een medewerker spreken")
        assert await desk.tab.evaluate(has_item("transcript", "hallo"))
        await desk.tab.screenshot(tmp_path / "2-desk-queue-item.png")

        await desk.accepts()
        await chat.reads("Je praat nu met")
        await desk.replies(HOSTILE_REPLY)

        await chat.reads("Ik kijk mee <img")
        assert await chat.last_agent_message() == {"sender": DEMO_AGENT_NAME, "text": HOSTILE_REPLY}
        assert await chat.header() == f"Je chat met {DEMO_AGENT_NAME}."
        for tab in (chat.tab, desk.tab):  # rendered as text: no element created, no script ran
            assert await tab.evaluate("document.getElementById('injected') === null && window.pwned === undefined")
        await chat.tab.screenshot(tmp_path / "3-customer-sees-agent.png")

        await chat.says("Dank je, mijn factuur klopt niet")
        await desk.transcript_has("mijn factuur klopt niet")
        await desk.tab.screenshot(tmp_path / "4-desk-conversation.png")

        await desk.tab.evaluate("document.getElementById('logout').click()")  # nothing of the conversation stays
        await desk.tab.wait_for("!document.getElementById('login-view').hidden", what="the login form after logging out")
        left = await desk.tab.evaluate("document.documentElement.outerHTML + document.body.innerText")
        assert "mijn factuur klopt niet" not in left and DEMO_AGENT_NAME not in left
    finally:
        await desk.logs_out()  # also after a failure: the next journey starts with nobody online

    tracker = requests.get(
        f"{live_system['rasa']}/conversations/{session_id}/tracker", params={"token": live_system["token"]}, timeout=10
    ).json()
    user_texts = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert user_texts[:2] == ["hallo", "ik wil een medewerker spreken"]
    assert all((tmp_path / name).stat().st_size > 0 for name in ("1-customer-waiting.png", "4-desk-conversation.png"))
