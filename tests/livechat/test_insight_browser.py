"""The insight page in a real headless Chromium against the real service, on the known
conversations of test_insight.py: a team lead logs in at the desk, opens /desk/inzicht, chooses
the period, sees the figures and both charts (SVG from the service, allowed by the page's CSP),
exports a not-understood message as a draft NLU file, opens a transcript and tags it. Writes
results/screenshots/insight.png."""
from __future__ import annotations

import json

from tests.livechat import test_insight as known
from tests.livechat.helpers import ROOT, RunningService
from tests.livechat.test_desk_browser import BODY_TEXT, log_in, open_desk, visible
from tests.livechat.test_desk_browser import browser as desk_browser
from tests.livechat.test_insight import client, label

SCREENSHOT = ROOT / "results" / "screenshots" / "insight.png"
database_url = known.database_url
insight_service = known.insight_service
browser = desk_browser


def loaded(image_id: str) -> str:
    return f"(img => !!img && img.complete && img.naturalWidth > 0)(document.getElementById('{image_id}'))"


async def test_a_team_lead_reads_the_figures_exports_and_reviews(insight_service: RunningService, browser) -> None:
    lead = await client(insight_service, "lotte", "teamleider")
    await lead.close()
    page = await open_desk(browser, insight_service.url)
    await page.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    await log_in(page, "lotte", lead.password)
    await page.goto(f"{insight_service.url}/desk/inzicht")
    await page.wait_for("document.getElementById('filter-channel')?.options.length > 1", what="the first figures")
    await page.evaluate(
        "document.getElementById('filter-from').value = '2026-03-01';"
        "document.getElementById('filter-to').value = '2026-03-03';"
        "document.getElementById('filter-channel').value = 'whatsapp';"
        "document.getElementById('insight-filters').requestSubmit()"
    )
    await page.wait_for("document.getElementById('fig-rate').textContent === '50%'", what="the whatsapp figures")
    await page.wait_for(f"{loaded('chart-containment')} && {loaded('chart-reasons')}", what="both charts")
    text = await page.evaluate(BODY_TEXT)
    assert label("fraud") in text and "kwak kwak" in text, text

    await page.evaluate("document.querySelector('#table-not-understood input[value=\"kwak kwak\"]').click();"
                        "document.getElementById('export-nlu').click()")
    await page.wait_for("document.getElementById('nlu-yaml').value.includes('- kwak kwak')", what="the NLU draft")
    assert "intent: nog_te_labelen" in await page.evaluate("document.getElementById('nlu-yaml').value")

    await page.wait_for("document.querySelectorAll('#table-review button').length === 2", what="the conversations")
    await page.evaluate("document.querySelector('#table-review button').click()")
    await page.wait_for(visible("document.getElementById('review-detail')"), what="the transcript")
    transcript = await page.evaluate("document.getElementById('review-transcript').innerText")
    assert "ik kreeg een rare sms" in transcript and f"Doorgezet naar een collega: {label('fraud')}" in transcript
    await page.evaluate("[...document.querySelectorAll('#review-tags label')]"
                        ".find(l => l.innerText.includes('Terecht doorgezet')).querySelector('input').click()")
    await page.wait_for(f"document.getElementById('table-review').innerText.includes({json.dumps('Terecht doorgezet')})",
                        what="the tag in the list")
    assert await page.evaluate("document.getElementById('insight-error').textContent") == ""
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(SCREENSHOT)
