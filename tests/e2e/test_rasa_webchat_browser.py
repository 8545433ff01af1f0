"""The de-facto standard Rasa widget, `rasa-webchat` 1.0.1 from npm, on a page of the organisation's
website (another origin than Rasa's, `live_system["site"]`, listed in NAADLOOS_WEBCHAT_ORIGINS), in
headless Chromium, with the desk in a browser of its own: the customer asks for a colleague, the
agent takes over in the same widget (with the agent's name in the text, since rasa-webchat shows
no metadata, and without a script link), they talk both ways, and the agent gives the customer
back to the assistant, who answers again.

The widget comes from `scripts/install_rasa_webchat.sh` (a prerequisite of `make pytest`); without
it the test skips and says so."""
from __future__ import annotations

import json

import pytest

from naadloos.core.environment import var_dir
from tests.e2e.browser import Browser
from tests.e2e.page_objects import DEMO_AGENT_NAME, RasaWebchat, desk_of, screenshot, submit, website

VERSION = "1.0.1"
BUNDLE = var_dir() / "vendor" / f"rasa-webchat-{VERSION}" / "index.js"  # where scripts/install_rasa_webchat.sh keeps it
SCRIPT_LINK_REPLY = "Kijk [hier](javascript:window.pwned=1) voor je factuur."

pytestmark = pytest.mark.skipif(
    not BUNDLE.is_file(),
    reason=f"rasa-webchat {VERSION} is not installed at {BUNDLE}: "
    "run scripts/install_rasa_webchat.sh (needs npm and the npm registry)",
)


def site_pages(rasa: str) -> dict[str, tuple[str, str | bytes]]:
    """The site's page with rasa-webchat set up as the README says (socket.io path, the greeting
    on open, customData as metadata)."""
    settings = {
        "socketUrl": rasa,
        "socketPath": "/socket.io/",
        "initPayload": "/greet",
        "customData": {"language": "nl"},
        "title": "Polderstroom",
        "inputTextFieldHint": "Typ je vraag",
        "params": {"storage": "local"},
    }
    return {
        "/": ("text/html; charset=utf-8",
              '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Polderstroom</title></head>'
              '<body><h1>Welkom bij Polderstroom</h1><script src="/rasa-webchat.js"></script>'
              '<script src="/site.js"></script></body></html>'),
        "/rasa-webchat.js": ("application/javascript", BUNDLE.read_bytes()),
        "/site.js": ("application/javascript", f"window.WebChat.default({json.dumps(settings)}, null);\n"),
    }


async def test_rasa_webchat_on_another_site_hands_over_to_the_desk_and_back(
    browser: Browser, live_system: dict[str, str]
) -> None:
    pages = site_pages(live_system["rasa"])
    async with desk_of(await browser.new_context(), live_system["livechat"], live_system["password"]) as desk:
        with website(live_system["site"], pages) as site:
            widget = await RasaWebchat.open(await browser.new_context(), f"{site}/")
            await widget.reads("digitale assistent van Polderstroom")  # the greeting of initPayload
            await widget.says("ik wil een medewerker spreken")
            await widget.reads("Je hoeft niets te herhalen")
            session_id = await widget.session_id()

            handover_id = await desk.opens_handover(session_id)
            await desk.transcript_has("ik wil een medewerker spreken")
            await desk.accepts()
            await widget.reads(f"Je praat nu met {DEMO_AGENT_NAME}")
            await desk.replies("Ik kijk even met je mee.")
            shown = await widget.reads("Ik kijk even met je mee.")
            assert shown.startswith(f"{DEMO_AGENT_NAME} (Polderstroom):")  # the name in the text, once
            assert shown.count(DEMO_AGENT_NAME) == 1
            await desk.replies(SCRIPT_LINK_REPLY)
            await widget.reads("voor je factuur")
            links = await widget.tab.evaluate("[...document.querySelectorAll('.rw-response a')].map((a) => a.href)")
            assert links and not [link for link in links if "javascript:" in link.lower()], links  # the link, harmless
            await widget.tab.evaluate("document.querySelector('.rw-response a[href]')?.click()")
            assert await widget.tab.evaluate("window.pwned === undefined")
            await screenshot(widget.tab, "rasa-webchat-with-an-agent.png")

            await widget.says("Dank je, mijn factuur klopt niet")
            await desk.transcript_has("mijn factuur klopt niet")

            # The agent closes with "Terug naar de assistent", as on the desk.
            await desk.tab.evaluate("document.getElementById('close-open').click()")
            await desk.tab.wait_for("!!document.querySelector('#wrap-up-choices input[value=\"back_to_bot\"]')",
                                    what="the wrap-up choices")
            await desk.tab.evaluate("document.querySelector('#wrap-up-choices input[value=\"back_to_bot\"]').checked = true")
            await submit(desk.tab, "wrap-up-form", {})
            await widget.reads("Je praat nu weer met de digitale assistent")
            closed = await desk.api("GET", f"/handovers/{handover_id}")
            assert closed["handover"]["status"] == "closed"

            await widget.says("wanneer zijn jullie bereikbaar?")
            await widget.reads("Vandaag kun je ons bereiken")
