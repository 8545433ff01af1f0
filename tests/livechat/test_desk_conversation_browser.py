"""The conversation view at 1280x800 in a real headless Chromium against the real service (issue 10,
items 2 and 3): the customer panel shows the customer number from the transcript, the reason is in
Dutch, the transcript and the reply box are on screen without scrolling, the technical details are
folded away, Enter sends and Shift+Enter makes a new line, a note is shown as a note and never
reaches the customer. Writes results/screenshots/desk-conversation.png."""
from __future__ import annotations

import json

import pytest

from tests.livechat.helpers import ROOT, handover_payload
from tests.livechat.test_desk_browser import browser, log_in, open_desk  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOT = ROOT / "results" / "screenshots" / "desk-conversation.png"
NOTE = "Klant belde gisteren ook al"
BODY_TEXT = "document.body.innerText"


def in_viewport(element_id: str) -> str:
    return (f"(r => r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0)"
            f"(document.getElementById('{element_id}').getBoundingClientRect())")


def conversation() -> dict:
    turns = []
    for i in range(12):  # a long conversation: the transcript must scroll by itself, not the page
        turns.append({"role": "user", "text": f"vraag {i} over mijn rekening", "timestamp": 1772442000.0 + 20 * i,
                      "intent": {"name": "faq/annual_statement", "confidence": 0.42}, "entities": []})
        turns.append({"role": "bot", "text": f"antwoord {i} van de assistent", "timestamp": 1772442001.0 + 20 * i})
    turns.append({"role": "user", "text": "mijn klantnummer is 87654321", "timestamp": 1772442300.0,
                  "intent": {"name": "inform", "confidence": 0.93},
                  "entities": [{"entity": "customer_number", "value": "87654321"}]})
    return handover_payload(
        "conv-view", reason="complaint", priority="high", team="klachten", customer={},
        slots={"org_phone": "0800-123 45 67", "failed_turns": 1.0, "escalation_due": True},
        summary="Klacht: de klant is ontevreden of boos.\nLaatste vraag: \"mijn klantnummer is 87654321\"",
        transcript=turns,
    )


async def test_the_conversation_view_fits_the_screen_and_works_with_the_keyboard(service, bot, make_agent, browser, fake_rasa):  # noqa: F811
    agent = await make_agent("sanne", name="Sanne de Vries", login=False)
    desk = await open_desk(browser, service.url)
    await desk.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    await log_in(desk, "sanne", agent.password)
    status, created = await bot.post("/handovers", conversation())
    assert status == 201, created
    await desk.wait_for("document.querySelector('#queue li') !== null", what="the queue item")
    await desk.wait_for("document.title.startsWith('(1) ')", what="the waiting chat counted in the tab title")
    await desk.evaluate("document.querySelector('#queue li').click()")
    await desk.wait_for("document.querySelectorAll('#transcript li').length > 20", what="the transcript")

    panel = await desk.evaluate("document.getElementById('conv-customer').innerText")
    assert "Klantnummer" in panel and "87654321" in panel, panel
    reason = await desk.evaluate("document.getElementById('conv-reason').textContent")
    assert reason.startswith("Klacht"), reason
    meta = await desk.evaluate("document.getElementById('conv-meta').textContent")
    assert "prioriteit hoog" in meta and "chat op de website" in meta and "klant laatst actief" in meta, meta
    shown = await desk.evaluate(BODY_TEXT)
    for technical in ("socketio", "complaint", "org_phone", "failed_turns", "escalation_due", "faq/annual_statement"):
        assert technical not in shown, f"{technical!r} is on screen outside Details"
    assert await desk.evaluate("document.getElementById('conv-details').open") is False

    for element_id in ("transcript", "accept", "reply", "send"):
        assert await desk.evaluate(in_viewport(element_id)), f"#{element_id} is not on screen at 1280x800"
    page = await desk.evaluate("[document.scrollingElement.scrollHeight, window.innerHeight, "
                               "...['.topbar', 'main', '#conversation', '.lists'].map(s => "
                               "JSON.stringify(document.querySelector(s).getBoundingClientRect()))]")
    assert page[0] <= page[1] + 1, f"the page scrolls: {page}"

    await desk.evaluate("document.getElementById('accept').click()")
    await desk.wait_for("!document.getElementById('reply').disabled", what="the reply box after Overnemen")
    await desk.evaluate("document.getElementById('reply').focus()")
    await desk.call("Input.insertText", text="Eerste regel")
    await desk.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13,
                    modifiers=8, text="\r")  # Shift+Enter
    await desk.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13, modifiers=8)
    await desk.call("Input.insertText", text="tweede regel")
    assert await desk.evaluate("document.getElementById('reply').value") == "Eerste regel\ntweede regel"
    await desk.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
    await desk.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    await desk.wait_for("document.querySelector('#transcript li.agent') !== null", what="the sent message")
    assert await desk.evaluate("document.getElementById('reply').value") == ""
    assert any("Eerste regel\ntweede regel" in json.dumps(r["json"], ensure_ascii=False).replace("\\n", "\n")
               for r in fake_rasa.requests), "Enter did not send the two lines to the customer"

    await desk.evaluate("document.getElementById('as-note').click()")
    await desk.evaluate(f"document.getElementById('reply').value = {json.dumps(NOTE)}")
    await desk.evaluate("document.getElementById('reply-form').requestSubmit()")
    await desk.wait_for("document.querySelector('#transcript li.note') !== null", what="the note")
    note = await desk.evaluate("document.querySelector('#transcript li.note').innerText")
    assert NOTE in note and "de klant ziet dit niet" in note, note
    assert NOTE not in repr([r["json"] for r in fake_rasa.requests])

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await desk.screenshot(SCREENSHOT)
