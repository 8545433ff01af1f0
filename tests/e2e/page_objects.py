"""The customer's chat page (/chat) and the agent desk (/desk) as a test drives them in headless
Chromium (`tests/e2e/browser.py`): one small method per thing a person does or reads, so a journey
reads like the conversation it tests. Each page object lives in its own browser `Context` (the
customer and the agent share no cookies or storage).

Waits are polls of the rendered page (`Tab.wait_for`), with the page's text in the error when
they time out.

Also the organisation's own website with a chat widget: `website` serves its pages from another
origin, `WidgetPage` is a page with our widget (`/widget.js`), `RasaWebchat` one with rasa-webchat."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.browser import DESKTOP, Browser, BrowserError, Context, Tab

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "screenshots"
BOT_TIMEOUT_SECONDS = 30.0  # one turn of the real model and action server
DEMO_AGENT = "demo"
DEMO_AGENT_NAME = "Demo Medewerker"
INBOX_KINDS = {"ticket": "Bericht", "callback": "Terugbellen"}  # as desk_inbox.js titles them


def js(value: Any) -> str:
    """`value` as a JavaScript literal."""
    return json.dumps(value)


def has_item(list_id: str, fragment: str) -> str:
    """An expression: is there an item in #list_id whose text contains `fragment`?"""
    return f"[...document.querySelectorAll('#{list_id} li')].some((li) => li.textContent.includes({js(fragment)}))"


def text_of(element_id: str) -> str:
    """An expression: the rendered text of #element_id ('' when it is not there)."""
    return f"(document.getElementById({js(element_id)})?.innerText || '')"


async def submit(tab: Tab, form_id: str, values: dict[str, str]) -> None:
    """Fills the fields of `values` (by element id) and submits form #form_id, as a person would."""
    fill = "".join(f"document.getElementById({js(field)}).value = {js(value)};" for field, value in values.items())
    await tab.evaluate(f"{fill} document.getElementById({js(form_id)}).requestSubmit()")


async def screenshot(tab: Tab, name: str) -> Path:
    """A PNG of `tab` in results/screenshots/ (kept by `make test`, ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    await tab.screenshot(path)
    return path


def backoffice_row(database: Path, table: str, columns: tuple[str, ...], conversation_id: str) -> tuple[Any, ...] | None:
    """What the back office (`actions/backoffice.py`) recorded for `conversation_id` in `table`:
    `columns` in order, None while nothing was recorded (also before the file or table exists)."""
    if not database.exists():
        return None
    with closing(sqlite3.connect(database)) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is None:
            return None
        return db.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()


class ChatPage:
    """The customer's web chat, talking to the real Rasa over socket.io."""

    HEADER = "document.getElementById('who').textContent"
    PLACE = "document.getElementById('waiting-place').textContent"
    WAITING_SHOWN = "!document.getElementById('waiting').hidden"
    TYPING_SHOWN = "!document.getElementById('typing').hidden"
    # the messages after the customer's last one (the welcome or an earlier answer does not count)
    SINCE_LAST_SENT = (
        "(() => { const items = [...document.querySelectorAll('#messages li')];"
        " return items.slice(items.map((li) => li.classList.contains('user')).lastIndexOf(true) + 1); })()"
    )

    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    @classmethod
    async def open(cls, context: Context, livechat_url: str, metrics: dict[str, Any] = DESKTOP) -> ChatPage:
        """The chat page at `metrics` (`PHONE`, `DESKTOP`), connected to Rasa, with its welcome."""
        tab = await context.open("about:blank")
        await tab.emulate(metrics)
        await tab.goto(f"{livechat_url}/chat")
        await tab.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="chat connected")
        await tab.wait_for("document.querySelectorAll('#messages li').length >= 1", what="the welcome message")
        return cls(tab)

    async def says(self, text: str) -> None:
        """Types `text` and sends it, as the customer would."""
        await submit(self.tab, "composer", {"message": text})

    async def clicks(self, title: str) -> None:
        """Clicks the newest message's button called `title` ("Ja, bel me terug")."""
        button = (
            "[...document.querySelectorAll('#messages .replies button')]"
            f".filter((b) => !b.disabled && b.textContent === {js(title)}).pop()"
        )
        await self.tab.wait_for(f"!!{button}", what=f"the button {title!r}")
        await self.tab.evaluate(f"{button}.click()")

    async def reads(self, fragment: str, timeout: float = BOT_TIMEOUT_SECONDS) -> None:
        """Waits until a message containing `fragment` arrives after the customer's last message
        (the welcome or an earlier answer with the same words does not count)."""
        arrived = f"{self.SINCE_LAST_SENT}.some((li) => li.textContent.includes({js(fragment)}))"
        await self.tab.wait_for(arrived, timeout, what=f"a message with {fragment!r}")

    async def bot_texts(self) -> list[str]:
        """The texts of the assistant's messages since the customer's last message, line breaks kept."""
        bot = f"{self.SINCE_LAST_SENT}.filter((li) => li.classList.contains('bot'))"
        return list(await self.tab.evaluate(f"{bot}.map((li) => li.querySelector('.text').textContent)"))

    async def last_agent_message(self) -> dict[str, str]:
        """The newest message from a colleague: who sent it (as shown above it) and its text."""
        return await self.tab.evaluate(
            "(() => { const li = [...document.querySelectorAll('#messages li.agent')].pop();"
            " return li ? {sender: li.querySelector('.sender').textContent, text: li.querySelector('.text').textContent}"
            " : null; })()"
        )

    async def session_id(self) -> str:
        """The conversation id (Rasa's sender id), as the page keeps it."""
        return str(await self.tab.evaluate("localStorage.getItem('naadloos.chat.session')"))

    async def header(self) -> str:
        return str(await self.tab.evaluate(self.HEADER))

    async def waits_for_place(self, text: str, timeout: float = BOT_TIMEOUT_SECONDS) -> None:
        """Waits until the waiting bar shows `text` ("Je bent nummer 2 in de wachtrij.")."""
        await self.tab.wait_for(f"{self.WAITING_SHOWN} && {self.PLACE} === {js(text)}", timeout, what=repr(text))

    async def typing_shown(self) -> bool:
        return bool(await self.tab.evaluate(self.TYPING_SHOWN))


class DeskPage:
    """The agent desk of the live-chat service: live queue and inbox of tickets and callbacks."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    @classmethod
    async def open(cls, context: Context, livechat_url: str) -> DeskPage:
        tab = await context.open("about:blank")
        await tab.emulate(DESKTOP)
        await tab.goto(f"{livechat_url}/desk")
        await tab.wait_for("!document.getElementById('login-view').hidden", what="the login form")
        return cls(tab)

    async def logs_in(self, password: str, username: str = DEMO_AGENT) -> None:
        await submit(self.tab, "login-form", {"username": username, "password": password})
        await self.tab.wait_for("document.getElementById('connection')?.textContent === 'live'", what="the live feed")

    async def logs_out(self) -> None:
        """Through the page's own API call, so it also works when a test failed halfway: the agent
        is offline again for the next journey (an open session counts as online for a minute)."""
        try:
            await self.api("POST", "/agents/logout")
        except BrowserError:
            pass  # the page is gone: its session ends with the browser context

    async def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """`/api<path>` with the agent's session, from the page (same origin, as desk.js does)."""
        options = {"method": method, "credentials": "same-origin", "headers": {"Content-Type": "application/json"}}
        if body is not None:
            options["body"] = json.dumps(body)
        return await self.tab.evaluate(f"fetch({js('/api' + path)}, {js(options)}).then((r) => r.json())")

    async def handover_of(self, conversation_id: str) -> int:
        """The id of the queued or assigned hand-over of `conversation_id`, once the desk has it."""
        lookup = (
            "fetch('/api/queue', {credentials: 'same-origin'}).then((r) => r.json()).then((q) =>"
            f" [...q.queued, ...q.assigned].find((h) => h.conversation_id === {js(conversation_id)})?.id)"
        )
        return int(await self.tab.wait_for(lookup, what=f"the hand-over of {conversation_id}"))

    async def opens_handover(self, conversation_id: str) -> int:
        """Clicks the customer's item in the live queue and waits for its conversation; its id."""
        handover_id = await self.handover_of(conversation_id)
        item = (
            "[...document.querySelectorAll('#queue li, #assigned li')]"
            f".find((li) => li.querySelector('strong')?.textContent.startsWith({js(f'#{handover_id} ')}))"
        )
        await self.tab.wait_for(f"!!{item}", what=f"hand-over #{handover_id} in the queue")
        await self.tab.evaluate(f"{item}.click()")
        await self.tab.wait_for(f"document.getElementById('conv-title')?.textContent === {js(f'Gesprek #{handover_id}')}",
                                what=f"the conversation of hand-over #{handover_id}")
        return handover_id

    async def accepts(self) -> None:
        """Takes over the open conversation."""
        await self.tab.wait_for("!document.getElementById('accept').disabled", what="the accept button")
        await self.tab.evaluate("document.getElementById('accept').click()")
        await self.tab.wait_for("!document.getElementById('reply').disabled", what="the reply box after accepting")

    async def replies(self, text: str) -> None:
        await submit(self.tab, "reply-form", {"reply": text})

    async def gives_back(self, handover_id: int) -> None:
        """Ends hand-over `handover_id` (taking it first when it still waits): the customer is back
        with the bot and nobody is left in the queue for the next journey."""
        await self.api("POST", f"/handovers/{handover_id}/accept", {})
        closed = await self.api("POST", f"/handovers/{handover_id}/close", {"outcome": "back_to_bot"})
        assert (closed.get("handover") or {}).get("status") == "closed", f"hand-over #{handover_id}: {closed}"

    async def transcript_has(self, fragment: str) -> None:
        await self.tab.wait_for(has_item("transcript", fragment), what=f"{fragment!r} in the transcript")

    # --- the inbox of tickets and callbacks -------------------------------------------------------
    @staticmethod
    def inbox_row(title: str) -> str:
        """An expression: the row of the open list titled `title` ("Terugbellen #3"), or undefined."""
        return (
            "[...document.querySelectorAll('#inbox-list li')].find((li) => {"
            " const shown = li.querySelector('strong')?.textContent || '';"
            f" return shown === {js(title)} || shown.startsWith({js(title + ' · ')}); }})"
        )

    async def opens_inbox(self) -> None:
        await self.tab.evaluate("document.getElementById('inbox-tab').click()")
        await self.tab.wait_for("!document.getElementById('inbox-view').hidden", what="the inbox")

    async def opens_inbox_item(self, kind: str, conversation_id: str, timeout: float = 30.0) -> tuple[str, str]:
        """Opens the open `kind` item ("ticket", "callback") of `conversation_id` from the inbox
        list; its title ("Terugbellen #3") and its line in the list."""
        lookup = (
            "fetch('/api/inbox', {credentials: 'same-origin'}).then((r) => r.json()).then((inbox) =>"
            f" inbox.items.find((i) => i.kind === {js(kind)} && i.conversation_id === {js(conversation_id)})?.id)"
        )
        item_id = await self.tab.wait_for(lookup, timeout, what=f"the {kind} of {conversation_id}")
        title = f"{INBOX_KINDS[kind]} #{item_id}"
        await self.opens_inbox()  # the tab refreshes the list
        listed = await self.tab.wait_for(f"{self.inbox_row(title)}?.innerText", what=f"{title} in the inbox list")
        await self.tab.evaluate(f"{self.inbox_row(title)}.click()")
        await self.tab.wait_for(f"{text_of('inbox-detail')}.includes({js(title)})", what=f"the details of {title}")
        return title, str(listed)

    async def inbox_detail(self) -> str:
        """The open item's text, each run of white space as one space ("Telefoon 0612345678")."""
        return " ".join(str(await self.tab.evaluate(text_of("inbox-detail"))).split())

    async def inbox_transcript(self) -> list[str]:
        """The open item's conversation, one "Klant …" or "Assistent …" line per turn."""
        return list(await self.tab.evaluate(
            "[...document.querySelectorAll('#inbox-detail ol.transcript li')].map((li) => li.innerText.replace(/\\s+/g, ' '))"
        ))

    async def claims(self) -> None:
        await self.tab.evaluate("document.getElementById('inbox-claim').click()")
        await self.tab.wait_for("document.getElementById('inbox-outcome-form') !== null", what="the outcome form")

    async def records_outcome(self, outcome: str, note: str) -> None:
        """Chooses `outcome` (a code: called_back, mailed, no_answer, resolved) with `note` and saves."""
        await submit(self.tab, "inbox-outcome-form", {"inbox-outcome": outcome, "inbox-note": note})
        await self.tab.wait_for("document.getElementById('inbox-done-button')?.disabled === false", what="Afronden enabled")

    async def finishes(self) -> None:
        await self.tab.evaluate("document.getElementById('inbox-done-button').click()")
        await self.tab.wait_for(f"{text_of('inbox-detail')}.includes('Afgerond')", what="the item done")

    async def history_shows(self, fragment: str) -> None:
        """Unfolds "Afgerond" under the list and waits until a finished item there shows `fragment`."""
        await self.tab.evaluate("document.getElementById('inbox-done').closest('details').open = true")
        await self.tab.wait_for(f"{text_of('inbox-done')}.includes({js(fragment)})", what=f"{fragment!r} among the finished")


@asynccontextmanager
async def desk_of(context: Context, livechat_url: str, password: str) -> AsyncIterator[DeskPage]:
    """The desk with the demo agent logged in, logged out again afterwards, also after a failure."""
    desk = await DeskPage.open(context, livechat_url)
    try:
        await desk.logs_in(password)
        yield desk
    finally:
        await desk.logs_out()


# --- the organisation's own website, with a chat widget ------------------------------------------
@contextmanager
def website(origin: str, pages: dict[str, tuple[str, str | bytes]], policy: str = "") -> Iterator[str]:
    """A static website at `origin` (http://localhost:<port>) while the block runs: `pages` maps a
    path to (content type, body); `policy` is every answer's Content-Security-Policy. It runs in a
    thread: the test's event loop stays free."""
    files = {path: (kind, body.encode("utf-8") if isinstance(body, str) else body) for path, (kind, body) in pages.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            kind, body = files.get(self.path.split("?")[0], ("text/plain; charset=utf-8", b"not found"))
            self.send_response(200 if self.path.split("?")[0] in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if policy:
                self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", urlsplit(origin).port or 80), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def record_csp_violations(tab: Tab) -> None:
    """From the next page on, `window.cspViolations` lists what the page's CSP blocked (a DevTools
    script, which the page's own policy does not stop)."""
    await tab.call("Page.enable")
    await tab.call(
        "Page.addScriptToEvaluateOnNewDocument",
        source="window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    )


async def click(tab: Tab, expression: str) -> None:
    """A real mouse click in the middle of the element `expression` (what is on top there gets it)."""
    box = await tab.wait_for(
        f"(() => {{ const r = {expression}?.getBoundingClientRect();"
        " return r && r.width ? {x: r.x + r.width / 2, y: r.y + r.height / 2} : null; })()",
        what=f"{expression} on screen",
    )
    for kind in ("mousePressed", "mouseReleased"):
        await tab.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)


async def frame_in(tab: Tab, browser: Browser, url_prefix: str, timeout: float = 30.0) -> Tab:
    """The frame in `tab` that shows a page starting with `url_prefix`, to drive as a tab of its own
    (Chromium runs a frame of another site as a target of its own). A frame the page was not
    allowed to show shows chrome-error://chromewebdata/ instead."""
    own = (await tab.call("Target.getTargetInfo"))["targetInfo"]["targetId"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [
            info for info in (await tab.call("Target.getTargets"))["targetInfos"]
            if info["type"] == "iframe" and info.get("parentId") == own and info["url"].startswith(url_prefix)
        ]
        if frames:
            return await Tab.to(f"ws://127.0.0.1:{browser.port}/devtools/page/{frames[0]['targetId']}")
        await asyncio.sleep(0.25)
    raise BrowserError(f"no frame showing {url_prefix} in the page within {timeout}s")


class WidgetPage:
    """A page of the organisation's website with our chat widget (`/widget.js`, livechat/widget.py)."""

    LAUNCHER = "document.getElementById('naadloos-chat-launcher')"
    PANEL = "document.getElementById('naadloos-chat-panel')"
    CLOSE = "document.getElementById('naadloos-chat-close')"

    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    @classmethod
    async def open(cls, context: Context, url: str, metrics: dict[str, Any] = DESKTOP) -> WidgetPage:
        tab = await context.open("about:blank")
        await tab.emulate(metrics)
        await record_csp_violations(tab)
        await tab.goto(url)
        await tab.wait_for(f"!!{cls.LAUNCHER}", what="the chat launcher")
        return cls(tab)

    async def launcher(self) -> dict[str, Any]:
        """What the launcher is: its element, name, state, colours and place on the screen."""
        return dict(await self.tab.evaluate(
            f"(() => {{ const b = {self.LAUNCHER}, r = b.getBoundingClientRect(), s = getComputedStyle(b);"
            " return {tag: b.tagName, type: b.type, label: b.getAttribute('aria-label'),"
            " expanded: b.getAttribute('aria-expanded'), controls: b.getAttribute('aria-controls'),"
            " background: s.backgroundColor, color: s.color, shown: s.display !== 'none',"
            " right: innerWidth - r.right, bottom: innerHeight - r.bottom, width: r.width, height: r.height}; })()"
        ))

    async def panel_box(self) -> dict[str, float] | None:
        """Where the open panel is ({x, y, width, height}), None while it is closed."""
        return await self.tab.evaluate(
            f"(() => {{ const p = {self.PANEL}; if (!p || p.hidden) return null;"
            " const r = p.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )

    async def opens_chat(self, browser: Browser, chat_url: str) -> ChatPage:
        """Clicks the launcher and waits for the chat in the panel, connected, with its welcome."""
        await click(self.tab, self.LAUNCHER)
        await self.tab.wait_for(f"{self.LAUNCHER}.getAttribute('aria-expanded') === 'true'", what="the panel open")
        frame = await frame_in(self.tab, browser, chat_url)
        await frame.wait_for("document.getElementById('connection')?.textContent === 'Verbonden'", what="chat connected")
        await frame.wait_for("document.querySelectorAll('#messages li').length >= 1", what="the welcome message")
        return ChatPage(frame)

    async def closes_chat(self) -> None:
        await click(self.tab, self.CLOSE)
        await self.tab.wait_for(f"{self.LAUNCHER}.getAttribute('aria-expanded') === 'false'", what="the panel closed")

    async def csp_violations(self) -> list[str]:
        return list(await self.tab.evaluate("window.cspViolations"))


class RasaWebchat:
    """`rasa-webchat` (npm, a React widget) on the organisation's website, driven as a customer
    would: its launcher, its text field and send button. Its messages are `.rw-message` rows,
    `.rw-response` from the channel (bot and agent alike), `.rw-client` from the customer."""

    LAUNCHER = "document.querySelector('.rw-launcher')"
    INPUT = "document.querySelector('.rw-new-message')"
    RESPONSES = "[...document.querySelectorAll('.rw-response')]"

    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    @classmethod
    async def open(cls, context: Context, url: str) -> RasaWebchat:
        """The site's page with the widget opened (its launcher clicked)."""
        tab = await context.open("about:blank")
        await tab.emulate(DESKTOP)
        await tab.goto(url)
        await click(tab, cls.LAUNCHER)
        await tab.wait_for(f"!!{cls.INPUT}", what="the widget's text field")
        return cls(tab)

    async def responses(self) -> list[str]:
        return list(await self.tab.evaluate(f"{self.RESPONSES}.map((m) => m.innerText)"))

    async def reads(self, fragment: str, timeout: float = BOT_TIMEOUT_SECONDS) -> str:
        """Waits for a response containing `fragment` (any, also an earlier one); its text."""
        found = f"{self.RESPONSES}.map((m) => m.innerText).find((t) => t.includes({js(fragment)}))"
        return str(await self.tab.wait_for(found, timeout, what=f"a response with {fragment!r}"))

    async def says(self, text: str) -> None:
        """Types `text` in the widget's field (through React's own change event) and sends it."""
        await self.tab.evaluate(
            f"(() => {{ const field = {self.INPUT};"
            " const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value').set;"
            f" setter.call(field, {js(text)}); field.dispatchEvent(new Event('input', {{bubbles: true}})); }})()"
        )
        await click(self.tab, "document.querySelector('.rw-send')")
        sent = f"[...document.querySelectorAll('.rw-client')].some((m) => m.innerText.includes({js(text)}))"
        await self.tab.wait_for(sent, what=f"{text!r} shown as sent")

    async def session_id(self) -> str:
        """The conversation id (Rasa's sender id), as rasa-webchat keeps it (localStorage "chat_session")."""
        return str(await self.tab.wait_for(
            "JSON.parse(localStorage.getItem('chat_session') || '{}').session_id", what="the widget's session id"
        ))
