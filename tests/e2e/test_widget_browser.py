"""Our chat as a widget on the organisation's own website (livechat/widget.py), in headless
Chromium: a page of another origin than the live chat (`live_system["site"]`, listed in
NAADLOOS_WEBCHAT_ORIGINS) adds one script tag under a strict Content-Security-Policy of its own.
The launcher is a real button at the bottom right in the organisation's colour; it opens our chat
page in a panel, where a question gets the assistant's answer and a colleague takes over and gives
back; on the site's next page the panel and the conversation are still there. A site that is not
listed gets no chat in its frame. On a phone the panel fills the screen."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.e2e.browser import PHONE, Browser
from tests.e2e.page_objects import DEMO_AGENT_NAME, WidgetPage, click, desk_of, frame_in, has_item, screenshot, website
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


def site_page(livechat: str) -> dict[str, tuple[str, str]]:
    """The site's page: its own text and the one script tag of the widget."""
    html = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Polderstroom</title>'
        f'<script src="{livechat}/widget.js" defer></script></head>'
        "<body><h1>Welkom bij Polderstroom</h1><p>Stroom en gas uit de polder.</p></body></html>"
    )
    return {"/": ("text/html; charset=utf-8", html), "/over-ons": ("text/html; charset=utf-8", html.replace("Welkom", "Over"))}


def strict_policy(livechat: str) -> str:
    """A strict site: nothing inline, only the live chat's script and frame besides its own."""
    return (
        f"default-src 'none'; script-src 'self' {livechat}; frame-src {livechat}; style-src 'self'; "
        "img-src 'self'; require-trusted-types-for 'script'; base-uri 'none'"
    )


def rgb(colour: str) -> str:
    """'#0b4f6c' as getComputedStyle says it: 'rgb(11, 79, 108)'."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


async def test_the_widget_on_another_site_opens_our_chat_with_the_assistant_and_a_colleague(
    browser: Browser, live_system: dict[str, str]
) -> None:
    livechat = live_system["livechat"]
    colours = yaml.safe_load((ROOT / "config" / "organisation.yml").read_text(encoding="utf-8"))["colours"]
    with website(live_system["site"], site_page(livechat), strict_policy(livechat)) as site:
        page = await WidgetPage.open(await browser.new_context(), f"{site}/")
        launcher = await page.launcher()
        assert launcher["tag"] == "BUTTON" and launcher["type"] == "button"
        assert launcher["label"] == "Chat met ons" and launcher["expanded"] == "false"
        assert launcher["controls"] == "naadloos-chat-panel"
        assert (launcher["background"], launcher["color"]) == (rgb(colours["primary"]), rgb(colours["text"]))
        assert 10 <= launcher["right"] <= 30 and 10 <= launcher["bottom"] <= 30  # bottom right
        assert launcher["width"] >= 44 and launcher["height"] >= 44  # big enough to tap
        assert await page.panel_box() is None  # nothing loads before the customer asks

        chat = await page.opens_chat(browser, f"{livechat}/chat/widget")
        panel = await page.panel_box()
        assert panel is not None and panel["width"] >= 300 and panel["height"] >= 400
        await chat.says("wanneer zijn jullie bereikbaar?")
        await chat.reads("Vandaag kun je ons bereiken")
        await screenshot(page.tab, "widget-on-a-website.png")

        # The hand-over happens in the panel, as on /chat; the page shows the colleague's name
        # from the metadata, so the text does not carry it too (the frame is the live chat's origin).
        async with desk_of(await browser.new_context(), livechat, live_system["password"]) as desk:
            await chat.says("ik wil een medewerker spreken")
            await chat.reads("Je hoeft niets te herhalen")
            handover_id = await desk.opens_handover(await chat.session_id())
            await desk.accepts()
            await chat.reads("Je praat nu met")
            await desk.replies("Ik kijk even met je mee.")
            await chat.reads("Ik kijk even met je mee.")
            assert await chat.last_agent_message() == {"sender": DEMO_AGENT_NAME, "text": "Ik kijk even met je mee."}
            await chat.says("Fijn, dank je")
            await desk.transcript_has("Fijn, dank je")
            await desk.gives_back(handover_id)
            await chat.reads("weer met de digitale assistent")

        await page.closes_chat()
        assert await page.tab.evaluate("document.activeElement?.id") == "naadloos-chat-launcher"
        assert await page.panel_box() is None
        await click(page.tab, WidgetPage.LAUNCHER)  # open again: the same conversation, still there
        await chat.tab.wait_for(has_item("messages", "Fijn, dank je"), what="the conversation kept")
        assert await page.csp_violations() == []  # the site's strict policy blocked nothing
        await chat.tab.close()

        # On to another page of the site: the panel opens by itself, with the conversation in it.
        await page.tab.goto(f"{site}/over-ons")
        await page.tab.wait_for(
            f"location.pathname === '/over-ons' && {WidgetPage.LAUNCHER}?.getAttribute('aria-expanded') === 'true'",
            what="the panel open on the next page",
        )
        again = await frame_in(page.tab, browser, f"{livechat}/chat/widget")
        await again.wait_for(has_item("messages", "wanneer zijn jullie bereikbaar?"), what="the conversation on the next page")
        assert await page.csp_violations() == []
        await again.close()


async def test_a_site_that_is_not_listed_gets_no_chat_in_its_frame(
    browser: Browser, live_system: dict[str, str]
) -> None:
    livechat = live_system["livechat"]
    with website(f"http://localhost:{free_port()}", site_page(livechat)) as other:
        page = await WidgetPage.open(await browser.new_context(), f"{other}/")
        await click(page.tab, WidgetPage.LAUNCHER)
        frame = await frame_in(page.tab, browser, f"{livechat}/chat/widget")
        shown = await frame.wait_for("location.href", what="the frame's page")
        assert shown == "chrome-error://chromewebdata/"  # refused: frame-ancestors names only the listed site
        assert "Verbonden" not in str(await frame.evaluate("document.body.innerText"))
        await frame.close()


async def test_on_a_phone_the_panel_fills_the_screen_and_closes_with_its_own_button(
    browser: Browser, live_system: dict[str, str]
) -> None:
    livechat = live_system["livechat"]
    with website(live_system["site"], site_page(livechat), strict_policy(livechat)) as site:
        page = await WidgetPage.open(await browser.new_context(), f"{site}/", PHONE)
        chat = await page.opens_chat(browser, f"{livechat}/chat/widget")
        panel = await page.panel_box()
        assert panel == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
        assert not (await page.launcher())["shown"]  # it would cover the chat's send button
        await screenshot(page.tab, "widget-on-a-phone.png")
        await page.closes_chat()
        assert (await page.launcher())["shown"]
        assert await page.csp_violations() == []
        await chat.tab.close()
