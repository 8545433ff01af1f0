"""WCAG 2.1 AA on the agent desk (issue 10, item 9) in a real headless Chromium against the real
service, at 1280x800 and on a 390x844 phone: text contrast 4.5:1 (3:1 for large text), control
edges 3:1 and 44 px targets, computed from the rendered page by tests/livechat/wcag_check.js (the
chat page's check), plus 44 px for the desk's other targets (tabs, list items, selects, check
boxes, links, folding summaries). Checked with a conversation open (and its transfer and wrap-up
forms), on the inbox and on the history of closed conversations with one opened. Writes
results/screenshots/desk-accessibility-*.png."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP, PHONE, Tab
from tests.livechat.helpers import ROOT, callback_payload, handover_payload, ticket_payload
from tests.livechat.test_desk_browser import browser, log_in, open_desk  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOTS = ROOT / "results" / "screenshots"
WCAG_CHECK = (Path(__file__).parent / "wcag_check.js").read_text(encoding="utf-8")
# The desk's targets that wcag_check.js (buttons, text areas) does not measure.
# A check box or radio button counts with its label (clicking the label ticks it).
OTHER_TARGETS = """
(() => [...document.querySelectorAll(
    'select, input:not([type=hidden]), summary, [role=tab], li[tabindex], a[href], label.note-toggle, .choices label')]
  .filter(el => el.getClientRects().length > 0 && !el.closest('[hidden]') && !el.closest('.visually-hidden'))
  .map(el => {
    const box = (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label') || el).getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 25);
    return [name, box.width, box.height]; })
  .filter(([, width, height]) => width < 44 || height < 44)
  .map(([name, width, height]) => name + ': target ' + width.toFixed(0) + 'x' + height.toFixed(0)))()
"""


# Priority badges in the lists whose height is more than one line of their text (a badge must not
# stretch to the height of a title that wraps).
BADGES_TALLER_THAN_A_LINE = """
(() => [...document.querySelectorAll('#queue .priority, #assigned .priority')]
  .map(el => [el.textContent, el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).fontSize)])
  .filter(([, height, font]) => height > 1.8 * font)
  .map(([text, height]) => text + ': ' + height.toFixed(0) + 'px'))()
"""


async def assert_accessible(desk: Tab, what: str) -> None:
    result: dict[str, Any] = await desk.evaluate(WCAG_CHECK)
    assert result["checked"] >= 8, (what, result)
    assert result["problems"] == [], f"{what}: {result['problems']}"
    small = await desk.evaluate(OTHER_TARGETS)
    assert small == [], f"{what}: {small}"


async def click(desk: Tab, selector: str) -> None:
    await desk.evaluate(f"document.querySelector({selector!r}).click()")


@pytest.mark.parametrize("metrics", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_desk_meets_wcag_aa_contrast_and_target_size(service, bot, make_agent, browser, clock, metrics):  # noqa: F811
    agent = await make_agent("sanne", name="Sanne de Vries", login=False)
    await make_agent("els", name="Els de Boer", teams=["klachten"])  # online: a transfer target
    await bot.post("/tickets", ticket_payload("conv-t", priority="urgent"))
    await bot.post("/callbacks", callback_payload("conv-c", preferred_at="2026-03-02T08:00:00+01:00"))
    desk = await open_desk(browser, service.url)
    await desk.emulate(metrics)
    await log_in(desk, "sanne", agent.password)
    # One conversation to work on (and then close, for the history), one still waiting, with badges.
    for conversation_id, priority in (("conv-1", "high"), ("conv-2", "urgent"), ("conv-3", "normal")):
        status, created = await bot.post("/handovers", handover_payload(conversation_id, reason="complaint", priority=priority))
        assert status == 201, created
    await desk.wait_for("document.querySelectorAll('#queue li').length === 3", what="the queue items")
    assert await desk.evaluate(BADGES_TALLER_THAN_A_LINE) == [], "priority badges are compact pills"
    await click(desk, "#queue li")
    await desk.wait_for("!document.getElementById('accept').disabled", what="the conversation")
    await click(desk, "#accept")
    await desk.wait_for("document.getElementById('conv-status').textContent === 'in gesprek' && "
                        "!document.getElementById('close-open').disabled", what="the conversation taken over")
    await desk.evaluate("document.getElementById('reply').value = 'Ik kijk het voor je na.'; "
                        "document.getElementById('reply-form').requestSubmit()")
    await desk.wait_for("document.querySelector('#transcript li.agent') !== null", what="the agent's message")
    await desk.evaluate("document.getElementById('as-note').click(); document.getElementById('reply').value = 'Notitie';"
                        "document.getElementById('reply-form').requestSubmit()")
    await desk.wait_for("document.querySelector('#transcript li.note') !== null", what="the note")
    await assert_accessible(desk, "conversation open")

    await click(desk, "#transfer-open")
    await desk.wait_for("document.querySelectorAll('#transfer-team option').length > 1", what="the transfer form")
    await assert_accessible(desk, "transfer form")
    await click(desk, "#transfer-cancel")
    await click(desk, "#close-open")
    await desk.wait_for("document.querySelectorAll('#wrap-up-choices input').length > 1", what="the wrap-up form")
    await assert_accessible(desk, "wrap-up form")
    await desk.screenshot(SCREENSHOTS / f"desk-accessibility-conversation-{metrics['width']}.png")
    await click(desk, "#wrap-up-choices input[value=backoffice]")
    await desk.evaluate("document.getElementById('wrap-up-note').value = 'Doorgezet naar de backoffice'")
    await click(desk, "#wrap-up-submit")
    await desk.wait_for("document.getElementById('conv-status').textContent === 'afgesloten'", what="the closed conversation")

    await click(desk, "#inbox-tab")
    await desk.wait_for("document.querySelectorAll('#inbox-list li').length === 2", what="the inbox items")
    await click(desk, "#inbox-list li")
    await desk.wait_for("document.getElementById('inbox-claim') !== null", what="the inbox item")
    await assert_accessible(desk, "inbox")
    await desk.screenshot(SCREENSHOTS / f"desk-accessibility-inbox-{metrics['width']}.png")

    await click(desk, "#history-tab")
    await desk.wait_for("document.querySelector('#history-list li') !== null", what="the closed conversation")
    await click(desk, "#history-list li")
    await desk.wait_for("document.getElementById('history-detail').innerText.includes('Doorgezet naar de backoffice')",
                        what="the closed conversation opened")
    await assert_accessible(desk, "history")
    await desk.screenshot(SCREENSHOTS / f"desk-accessibility-history-{metrics['width']}.png")
