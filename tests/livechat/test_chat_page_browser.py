"""The customer's web chat page in a real (headless Chromium) browser, against the real live-chat
service and a small stand-in for Rasa's socket.io channel (python-socketio, the library Rasa uses,
speaking through `naadloos.channels.webchat.WebChatOutput`, the channel's real output). No model,
no Rasa process. Issue 10, items 5 (honest waiting), 6 (welcome, times, safe links, counter,
confirmation, no mid-word breaks) and 9 (contrast and touch targets at 390x844).

Writes results/screenshots/chat-desktop.png and chat-phone.png.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web

from livechat.validation import MAX_TEXT
from livechat.web_chat_settings import load_web_chat_settings
from naadloos.channels.webchat import WebChatOutput, valid_session_id
from naadloos.handover_contract.wait_token import wait_token
from tests.e2e.browser import DESKTOP, PHONE, Browser, Tab, running_browser
from tests.livechat.helpers import ROOT, SECRET, RunningService, handover_payload, running_service
from tests.processes import free_port

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCREENSHOTS = ROOT / "results" / "screenshots"
LONG_EMAIL = "klantenservice.facturen.en.betalingen@polderstroom-energieleverancier.example"
HOSTILE_TEXT = (
    f"Bel ons op 0800-123 45 67 of mail {LONG_EMAIL}. Kijk op https://www.polderstroom.example/hulp?onderwerp=factuur. "
    '<img src=x onerror="window.pwned=1"> <a href="javascript:window.pwned=2">klik</a> javascript:window.pwned=3 '
    "en http://onveilig.example en IBAN NL91ABNA0417164300."
)
EXPECTED_LINKS = [
    "tel:08001234567",
    f"mailto:{LONG_EMAIL}",
    "https://www.polderstroom.example/hulp?onderwerp=factuur",
]


@dataclass
class StandInRasa:
    """Rasa's socket.io channel as the page sees it: session_request -> session_confirm, the
    customer's user_uttered recorded, bot_uttered sent with the channel's real output class."""

    url: str = ""
    received: list[str] = field(default_factory=list)
    sio: socketio.AsyncServer = field(default_factory=lambda: socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*"))
    session_id: str | None = None

    def __post_init__(self) -> None:
        @self.sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            self.session_id = valid_session_id(data)
            self.sio.enter_room(sid, self.session_id)
            await self.sio.emit("session_confirm", self.session_id, room=sid)

        @self.sio.on("user_uttered")
        async def user_uttered(sid: str, data: Any) -> None:
            self.received.append(data["message"])

    async def say(self, **message: Any) -> None:
        assert self.session_id
        await WebChatOutput(self.sio, "bot_uttered").send_response(self.session_id, message)


@pytest.fixture
async def rasa() -> AsyncIterator[StandInRasa]:
    stand_in = StandInRasa()
    app = web.Application()
    stand_in.sio.attach(app)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stand_in.url = f"http://127.0.0.1:{port}"
    yield stand_in
    await runner.cleanup()


@pytest.fixture
async def chat_service(database_url, config_for, clock, rasa) -> AsyncIterator[RunningService]:
    async with running_service(config_for(database_url, rasa_public_url=rasa.url), clock) as running:
        yield running


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    async with running_browser(tmp_path / "profile") as chromium:
        yield chromium


async def open_chat(browser: Browser, url: str, viewport: dict[str, Any]) -> Tab:
    tab = await browser.open("about:blank")
    await tab.call("Emulation.setDeviceMetricsOverride", **viewport)
    await tab.goto(f"{url}/chat")
    await tab.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="the connection")
    await tab.wait_for("document.querySelectorAll('#messages li').length >= 1", what="the welcome message")
    return tab


def texts(selector: str) -> str:
    return f"[...document.querySelectorAll({json.dumps(selector)})].map(n => n.textContent)"


async def click(tab: Tab, selector: str) -> None:
    await tab.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


async def wait_received(rasa: StandInRasa, count: int) -> None:
    for _ in range(100):
        if len(rasa.received) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the stand-in Rasa got {rasa.received}")


# --- WCAG checks, computed from the rendered page -------------------------------------------------
ACCESSIBILITY_CHECK = (Path(__file__).parent / "wcag_check.js").read_text(encoding="utf-8")

# Where an element's text wraps: each new line starts after "." or "-", or at "@" (its break
# points), never in the middle of a word.
LINE_STARTS = """
((el) => { const chars = []; for (const n of el.childNodes) if (n.nodeType === 3)
  for (let i = 0; i < n.length; i++) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    chars.push([n.textContent[i], Math.round(r.getBoundingClientRect().top)]); }
  return chars.map((c, i) => i > 0 && c[1] > chars[i - 1][1] ? chars[i - 1][0] + c[0] : null).filter(Boolean); })
"""


async def assert_accessible(tab: Tab, what: str) -> None:
    result = await tab.evaluate(ACCESSIBILITY_CHECK)
    assert result["checked"] >= 8, result
    assert result["problems"] == [], f"{what}: {result['problems']}"


# --- the journeys ---------------------------------------------------------------------------------
async def test_welcome_subjects_times_safe_links_and_no_mid_word_breaks(chat_service, rasa, browser) -> None:
    settings = load_web_chat_settings()
    tab = await open_chat(browser, chat_service.url, PHONE)
    welcome = await tab.evaluate(texts("#messages li.bot p.text"))
    assert welcome == [settings.to_json("Polderstroom")["welcome"]]
    subjects = await tab.evaluate(texts("#messages li.bot .replies button"))
    assert subjects == [s.title for s in settings.subjects] and 3 <= len(subjects) <= 5
    await assert_accessible(tab, "welcome on a phone")

    await tab.evaluate("[...document.querySelectorAll('#messages .replies button')][1].click()")
    await wait_received(rasa, 1)
    assert rasa.received == [settings.subjects[1].message]
    assert await tab.evaluate(texts("#messages li.user p.text")) == [settings.subjects[1].message]
    assert await tab.evaluate("!document.getElementById('typing').hidden"), "the assistant's answer is on its way"

    await rasa.say(text=HOSTILE_TEXT)
    await tab.wait_for("document.querySelectorAll('#messages li.bot').length === 2", what="the answer")
    assert await tab.evaluate("document.getElementById('typing').hidden"), "no typing once the answer is there"
    answer = "document.querySelectorAll('#messages li.bot')[1]"
    assert await tab.evaluate(f"[...{answer}.querySelectorAll('a')].map(a => a.getAttribute('href'))") == EXPECTED_LINKS
    # Shown as text, the HTML not interpreted; the channel already made the script links harmless
    # (naadloos/channels/script_links.py, for sites that render links themselves).
    shown = HOSTILE_TEXT.replace("javascript:", "#")
    assert await tab.evaluate(f"{answer}.querySelector('p.text').textContent") == shown
    assert await tab.evaluate(f"{answer}.querySelectorAll('img, script, [onerror], [onclick]').length") == 0
    assert await tab.evaluate("document.querySelectorAll('a[href^=\"javascript\"], img').length") == 0
    assert await tab.evaluate("window.pwned === undefined")
    email = f"{answer}.querySelector('a[href^=\"mailto:\"]')"
    breaks = await tab.evaluate(f"{LINE_STARTS}({email})")
    assert breaks and all(pair[0] in ".-" or pair[1] == "@" for pair in breaks), breaks

    times = await tab.evaluate("[...document.querySelectorAll('#messages li time')].map(t => [t.textContent, t.dateTime])")
    assert len(times) == 3 and all(len(t) == 5 and t[2] == ":" and d.endswith("Z") for t, d in times), times
    await assert_accessible(tab, "an answer with links on a phone")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await tab.screenshot(SCREENSHOTS / "chat-phone.png")


async def test_counter_shows_the_real_limit_and_never_cuts_a_message(chat_service, rasa, browser) -> None:
    tab = await open_chat(browser, chat_service.url, PHONE)
    counter = "document.getElementById('counter').textContent"
    assert await tab.evaluate(counter) == f"0 van de {MAX_TEXT:,} tekens".replace(",", ".")
    typed = "a" * (MAX_TEXT + 1)
    await tab.evaluate(f"{{ const m = document.getElementById('message'); m.value = 'a'.repeat({MAX_TEXT + 1});"
                       "m.dispatchEvent(new Event('input')) }")
    assert "te lang" in await tab.evaluate(counter)
    assert await tab.evaluate("document.getElementById('message').value.length") == len(typed), "nothing cut off"
    assert await tab.evaluate("document.getElementById('send').disabled")
    assert await tab.evaluate("document.getElementById('message').getAttribute('aria-invalid')") == "true"
    await tab.evaluate("document.getElementById('composer').requestSubmit()")
    await tab.evaluate(
        "{ const m = document.getElementById('message'); m.value = m.value.slice(1); m.dispatchEvent(new Event('input')) }")
    assert not await tab.evaluate("document.getElementById('send').disabled")
    await click(tab, "#send")
    await wait_received(rasa, 1)
    assert rasa.received == ["a" * MAX_TEXT]
    await assert_accessible(tab, "after sending a long message")


async def test_a_new_conversation_only_after_confirmation(chat_service, rasa, browser) -> None:
    tab = await open_chat(browser, chat_service.url, DESKTOP)
    await tab.evaluate("document.querySelector('#messages .replies button').click()")
    await wait_received(rasa, 1)
    first_session = rasa.session_id
    dialog_open = "document.getElementById('confirm-restart').open"
    await click(tab, "#restart")
    assert await tab.evaluate(dialog_open)
    await assert_accessible(tab, "the confirmation")
    await click(tab, "#confirm-no")
    assert not await tab.evaluate(dialog_open)
    assert await tab.evaluate("document.querySelectorAll('#messages li.user').length") == 1, "nothing wiped"

    await click(tab, "#restart")
    await click(tab, "#confirm-yes")
    await tab.wait_for("document.querySelectorAll('#messages li.user').length === 0", what="the old conversation gone")
    await tab.wait_for("document.getElementById('connection').textContent === 'Verbonden'", what="a new session")
    await tab.wait_for("document.querySelectorAll('#messages li.bot .replies button').length >= 3", what="a new welcome")
    assert rasa.session_id != first_session


async def test_waiting_for_a_colleague_shows_the_queue_place_and_no_fake_typing(
    chat_service, rasa, browser, bot, make_agent
) -> None:
    agent = await make_agent("sanne")
    status, before = await bot.post("/handovers", handover_payload("someone-before", key="hk-before"))
    assert status == 201
    tab = await open_chat(browser, chat_service.url, DESKTOP)
    await tab.evaluate("document.getElementById('message').value = 'ik wil een medewerker';"
                       "document.getElementById('composer').requestSubmit()")
    await wait_received(rasa, 1)
    status, mine = await bot.post("/handovers", handover_payload(rasa.session_id or "", key="hk-mine"))
    assert status == 201 and mine["queue_position"] == 2
    await rasa.say(
        text="Ik geef je door aan een collega van Polderstroom. Blijf in dit venster, hier krijg je antwoord.",
        custom={"naadloos": {"handover": {
            "status": "queued", "queue_position": 2, "estimated_wait_minutes": mine["estimated_wait_minutes"],
            "wait_token": wait_token(SECRET, mine["id"]),
        }}},
    )
    who = "document.getElementById('who').textContent"
    place = "document.getElementById('waiting-place').textContent"
    await tab.wait_for(f"{who}.includes('wacht op een collega')", what="the waiting header")
    assert await tab.evaluate(place) == "Je bent nummer 2 in de wachtrij."
    assert "Verwachte wachttijd" in await tab.evaluate("document.getElementById('waiting-time').textContent")
    assert await tab.evaluate("document.getElementById('typing').hidden")

    await tab.evaluate("document.getElementById('message').value = 'hallo?';"
                       "document.getElementById('composer').requestSubmit()")
    await wait_received(rasa, 2)
    assert await tab.evaluate("document.getElementById('typing').hidden"), "no fake typing while waiting"
    await assert_accessible(tab, "waiting on a desktop")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await tab.screenshot(SCREENSHOTS / "chat-desktop.png")

    assert (await agent.post(f"/handovers/{before['id']}/accept"))[0] == 200
    await tab.wait_for(f"{place} === 'Je bent de volgende in de wachtrij.'", timeout=15, what="the updated place")

    await tab.goto(f"{chat_service.url}/chat")  # a reload keeps the waiting state
    await tab.wait_for(f"{place} === 'Je bent de volgende in de wachtrij.'", what="the place after a reload")

    assert (await agent.post(f"/handovers/{mine['id']}/accept"))[0] == 200
    # The take-over notice (a service notice, without a name) makes the page ask at once who it is.
    await rasa.say(text="Je praat nu met Sanne van Polderstroom.", livechat="system")
    await tab.wait_for("document.getElementById('waiting').hidden", timeout=4, what="the end of the wait")
    assert await tab.evaluate(who) == "Je chat met Sanne.", "the colleague's name before their first message"
    await tab.goto(f"{chat_service.url}/chat")  # a reload keeps the name
    await tab.wait_for(f"{who} === 'Je chat met Sanne.'", what="the colleague's name after a reload")
    # A bot event's metadata reaches the output channel as keyword fields, as Rasa passes them.
    await rasa.say(text="Hoi, ik ben Sanne. Waarmee kan ik helpen?", agent="Sanne de Vries")
    await tab.wait_for(f"{who} === 'Je chat met Sanne de Vries.'", what="the colleague's name")
    await tab.call("Emulation.setDeviceMetricsOverride", **PHONE)
    await assert_accessible(tab, "talking to a colleague on a phone")
