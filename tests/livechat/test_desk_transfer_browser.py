"""Transfer, wrap-up and history on the desk (issue 10, item 3) in a real headless Chromium
against the real service, with two agents in two browser contexts: Sanne passes a conversation
with a note to Kees of the complaints team; Kees sees it as his, with the note as an internal note
(rendered as text); the customer gets one line and never the note; Kees closes it with a wrap-up;
in "Gesloten" he finds it by the customer number and reads it back with its wrap-up. Writes
results/screenshots/desk-transfer.png, desk-transfer-received.png and desk-history.png."""
from __future__ import annotations

import json

import pytest

from livechat.desk_labels import OUTCOME_LABELS
from tests.e2e.browser import DESKTOP, Browser, Tab
from tests.livechat.helpers import ROOT, handover_payload
from tests.livechat.test_desk_browser import LOGIN_SHOWN, browser, log_in  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOTS = ROOT / "results" / "screenshots"
NOTE = 'Klacht over de monteur <img id="injected" src=x onerror="window.pwned=1">'
WRAP_UP = "Monteur belt de klant morgen terug"
CUSTOMER_LINE = "Ik geef je door aan een collega van het team Klachten. Je hoeft niets te herhalen."


async def desk_in_own_context(browser: Browser, url: str, username: str, password: str) -> Tab:  # noqa: F811
    context = await browser.new_context()
    desk = await context.open("about:blank")
    await desk.emulate(DESKTOP)
    await desk.goto(f"{url}/desk")
    await desk.wait_for(LOGIN_SHOWN, what="the login form")
    await log_in(desk, username, password)
    return desk


def text_of(element_id: str) -> str:
    return f"(document.getElementById({element_id!r}) || {{innerText: ''}}).innerText"


async def test_pass_on_with_a_note_close_with_a_wrap_up_and_find_it_back(service, bot, make_agent, browser, fake_rasa):  # noqa: F811
    sanne = await make_agent("sanne", name="Sanne de Vries", teams=["klantenservice"], login=False)
    kees = await make_agent("kees", name="Kees Bakker", teams=["klachten"], login=False)
    desk_sanne = await desk_in_own_context(browser, service.url, "sanne", sanne.password)
    desk_kees = await desk_in_own_context(browser, service.url, "kees", kees.password)
    status, created = await bot.post("/handovers", handover_payload(
        "conv-browser", customer={"customer_number": "87654321"}, summary="Klant is boos over een gemiste afspraak."))
    assert status == 201, created

    # Sanne takes it over and passes it on to Kees, who is online in the complaints team.
    await desk_sanne.wait_for("document.querySelector('#queue li') !== null", what="the queue item")
    await desk_sanne.evaluate("document.querySelector('#queue li').click()")
    await desk_sanne.wait_for("!document.getElementById('accept').disabled", what="the conversation")
    await desk_sanne.evaluate("document.getElementById('accept').click()")
    await desk_sanne.wait_for("!document.getElementById('transfer-open').disabled && "
                              "document.getElementById('conv-status').textContent === 'in gesprek'", what="taken over")
    await desk_sanne.evaluate("document.getElementById('transfer-open').click()")
    await desk_sanne.wait_for("[...document.querySelectorAll('#transfer-team option')].some(o => o.value === 'klachten')",
                              what="the teams")
    await desk_sanne.evaluate("const team = document.getElementById('transfer-team'); team.value = 'klachten';"
                              "team.dispatchEvent(new Event('change'))")
    await desk_sanne.wait_for("[...document.querySelectorAll('#transfer-agent option')]"
                              ".some(o => o.textContent === 'Kees Bakker')", what="Kees among the colleagues")
    options = await desk_sanne.evaluate("[...document.querySelectorAll('#transfer-team option')].map(o => o.textContent)")
    assert options == ["Klantenservice", "Nabestaanden", "Klachten", "Fraude", "Betalingen"]
    await desk_sanne.evaluate(
        "const who = document.getElementById('transfer-agent');"
        "who.value = [...who.options].find(o => o.textContent === 'Kees Bakker').value;"
        f"document.getElementById('transfer-note').value = {json.dumps(NOTE)};"
    )
    assert await desk_sanne.evaluate("document.getElementById('reply-form').hidden")  # the form takes its place
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await desk_sanne.screenshot(SCREENSHOTS / "desk-transfer.png")
    await desk_sanne.evaluate("document.getElementById('transfer-submit').click()")
    await desk_sanne.wait_for(f"{text_of('no-conversation')}.includes('doorgezet naar team Klachten')",
                              what="the conversation gone from Sanne's view")

    # Kees has it (no queue), reads the note as an internal note, as text.
    await desk_kees.wait_for("document.querySelector('#assigned li') !== null", what="the conversation in Kees's list")
    assert await desk_kees.evaluate("document.querySelectorAll('#queue li').length") == 0
    await desk_kees.evaluate("document.querySelector('#assigned li').click()")
    await desk_kees.wait_for("document.querySelector('#transcript li.note') !== null", what="the note")
    note = await desk_kees.evaluate("document.querySelector('#transcript li.note').innerText")
    assert "Interne notitie (de klant ziet dit niet)" in note
    assert "Doorgezet door Sanne de Vries (team Klantenservice) naar Kees Bakker (team Klachten)." in note
    assert NOTE in note
    for desk in (desk_sanne, desk_kees):
        assert await desk.evaluate("document.getElementById('injected') === null && window.pwned === undefined")
    assert "bij Kees Bakker" in await desk_kees.evaluate(text_of("conv-meta"))
    sent = json.dumps([r["json"] for r in fake_rasa.requests], ensure_ascii=False)
    assert CUSTOMER_LINE in sent and "monteur" not in sent
    await desk_kees.screenshot(SCREENSHOTS / "desk-transfer-received.png")

    # Kees closes it with a wrap-up.
    await desk_kees.wait_for("!document.getElementById('close-open').disabled", what="Afsluiten")
    await desk_kees.evaluate("document.getElementById('close-open').click()")
    await desk_kees.wait_for("document.querySelector('#wrap-up-choices input[value=callback_needed]') !== null",
                             what="the choices")
    labels = await desk_kees.evaluate("[...document.querySelectorAll('#wrap-up-choices label')].map(l => l.textContent.trim())")
    assert labels == list(OUTCOME_LABELS.values())
    assert labels[:4] == ["Opgelost", "Doorgezet naar backoffice", "Klant terugbellen nodig", "Niet opgelost"]
    await desk_kees.evaluate("document.querySelector('#wrap-up-choices input[value=callback_needed]').click();"
                             f"document.getElementById('wrap-up-note').value = {json.dumps(WRAP_UP)};"
                             "document.getElementById('wrap-up-submit').click()")
    await desk_kees.wait_for("document.getElementById('conv-status').textContent === 'afgesloten'", what="closed")
    assert "afloop: Klant terugbellen nodig" in await desk_kees.evaluate(text_of("conv-meta"))
    assert await desk_kees.evaluate("['close-open', 'transfer-open'].every(id => document.getElementById(id).disabled)")

    # "Gesloten": found by the customer number, read back with its wrap-up, nothing to write.
    await desk_kees.evaluate("document.getElementById('history-tab').click()")
    await desk_kees.wait_for("!document.getElementById('history-view').hidden && document.getElementById('desk-view').hidden",
                             what="the history tab")
    await desk_kees.evaluate("document.getElementById('history-q').value = '87654321';"
                             "document.getElementById('history-search').requestSubmit()")
    await desk_kees.wait_for("document.querySelectorAll('#history-list li').length === 1", what="the search result")
    assert "Klant terugbellen nodig" in await desk_kees.evaluate(text_of("history-list"))
    await desk_kees.evaluate("document.querySelector('#history-list li').click()")
    await desk_kees.wait_for(f"{text_of('history-detail')}.includes({json.dumps(WRAP_UP)})", what="the conversation read back")
    detail = await desk_kees.evaluate(text_of("history-detail"))
    for shown in ("Klant terugbellen nodig", "Klant is boos over een gemiste afspraak.", "87654321",
                  "Mijn jaarafrekening is veel te hoog", "Doorgezet door Sanne de Vries"):
        assert shown in detail, shown
    assert await desk_kees.evaluate("document.querySelector('#history-view textarea, #history-detail button') === null")
    await desk_kees.evaluate("document.getElementById('history-q').value = 'onbekendwoord';"
                             "document.getElementById('history-search').requestSubmit()")
    await desk_kees.wait_for("!document.getElementById('history-empty').hidden", what="no result")
    await desk_kees.evaluate("document.getElementById('history-q').value = 'gemiste afspraak';"
                             "document.getElementById('history-search').requestSubmit()")
    await desk_kees.wait_for("document.querySelectorAll('#history-list li').length === 1", what="found by the summary")
    await desk_kees.evaluate("document.querySelector('#history-list li').click()")
    await desk_kees.wait_for(f"{text_of('history-detail')}.includes({json.dumps(WRAP_UP)})", what="opened again")
    await desk_kees.screenshot(SCREENSHOTS / "desk-history.png")

    # Logging out leaves nothing of it on the page.
    await desk_kees.evaluate("document.getElementById('logout').click()")
    await desk_kees.wait_for(LOGIN_SHOWN, what="the login form")
    left = await desk_kees.evaluate("document.documentElement.outerHTML + document.body.innerText")
    for gone in ("87654321", WRAP_UP, "gemiste afspraak", "monteur"):
        assert gone not in left, gone
