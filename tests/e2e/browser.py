"""A tiny headless Chromium driver over the Chrome DevTools Protocol (no extra packages: the
`websockets` client that Rasa already brings, plus `requests`). One `Browser`, several `Tab`s;
`running_browser` starts and stops one around a test. `Browser.new_context()` gives a `Context` of
its own (cookies, localStorage and cache apart, like a separate profile), so a customer and an
agent in one test do not share a login or a conversation; `Tab.emulate(PHONE)` shows a page as on
a 390x844 phone."""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import requests
import websockets

from tests.processes import free_port

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
START_TIMEOUT_SECONDS = 20.0
C = TypeVar("C", bound="Connection")


# Device metrics for `Tab.emulate` (CDP `Emulation.setDeviceMetricsOverride`).
PHONE: dict[str, Any] = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
DESKTOP: dict[str, Any] = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Connection:
    """One DevTools websocket (a page's or the browser's own): commands and their answers."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._ids = itertools.count(1)

    @classmethod
    async def to(cls: type[C], url: str) -> C:
        """Connected to the DevTools websocket at `url`."""
        return cls(await websockets.connect(url, max_size=None, ping_interval=None))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        result, _ = await self.call_collecting(method, "", **params)
        return result

    async def call_collecting(self, method: str, event: str, **params: Any) -> tuple[dict[str, Any], list[Any]]:
        """The result of `method` and the params of every `event` that arrived before it."""
        request_id = next(self._ids)
        await self._connection.send(json.dumps({"id": request_id, "method": method, "params": params}))
        events: list[Any] = []
        while True:  # other events and stale answers are skipped
            reply = json.loads(await self._connection.recv())
            if event and reply.get("method") == event:
                events.append(reply.get("params"))
            elif reply.get("id") == request_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {})), events

    async def close(self) -> None:
        await self._connection.close()


class Tab(Connection):
    """One page: evaluates JavaScript and takes screenshots through its DevTools websocket."""

    async def emulate(self, metrics: dict[str, Any]) -> None:
        """Shows the page at `metrics` (`PHONE`, `DESKTOP`); a mobile one also gets touch input."""
        await self.call("Emulation.setDeviceMetricsOverride", **metrics)
        await self.call("Emulation.setTouchEmulationEnabled", enabled=bool(metrics.get("mobile")), maxTouchPoints=5)

    async def goto(self, url: str) -> None:
        """Navigates without blocking the event loop (a server in this process can answer)."""
        await self.call("Page.navigate", url=url)

    async def heap_snapshot(self) -> str:
        """The page's JavaScript heap after a full garbage collection, as V8's snapshot JSON: every
        string a script can still reach is in it."""
        await self.call("HeapProfiler.enable")
        await self.call("HeapProfiler.collectGarbage")
        _, chunks = await self.call_collecting("HeapProfiler.takeHeapSnapshot", "HeapProfiler.addHeapSnapshotChunk")
        await self.call("HeapProfiler.disable")
        return "".join(chunk["chunk"] for chunk in chunks)

    async def evaluate(self, expression: str) -> Any:
        """The value of `expression` (awaited when it is a promise), as JSON."""
        result = await self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression[:80]!r}: {details.get('exception', {}).get('description') or details}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0, what: str = "") -> Any:
        """Polls until `expression` is truthy; returns its value or raises with `what`."""
        deadline = time.monotonic() + timeout
        value: Any = None
        while time.monotonic() < deadline:
            try:
                value = await self.evaluate(expression)
            except BrowserError:
                value = None  # e.g. the page is still loading
            if value:
                return value
            await asyncio.sleep(0.25)
        try:
            page = str(await self.evaluate("document.body ? document.body.innerText : ''"))[-2000:]
        except BrowserError as error:
            page = str(error)
        raise BrowserError(f"timed out after {timeout}s waiting for {what or expression}; the page shows:\n{page}")

    async def screenshot(self, path: Path) -> None:
        await self.call("Page.bringToFront")  # a background tab paints no frames: capturing would stall
        result = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(result["data"]))


class Context:
    """A browser context of its own: what its tabs store (cookies, localStorage) no other context sees."""

    def __init__(self, browser: Browser, context_id: str) -> None:
        self._browser = browser
        self.id = context_id

    async def open(self, url: str) -> Tab:
        """A new tab in this context showing `url`."""
        return await self._browser.open(url, context=self)


class Browser:
    """Headless Chromium with remote debugging on a free localhost port."""

    def __init__(self, profile: Path) -> None:
        executable = find_chromium()
        if executable is None:
            raise BrowserError("Chromium is not installed: run `make browser` (scripts/install_browser.sh).")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1200,900", f"--user-data-dir={profile}", f"--remote-debugging-port={self.port}",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._tabs: list[Tab] = []
        self._contexts: list[Context] = []
        self._session: Connection | None = None  # the browser's own websocket, opened on first use
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"Chromium exited with code {self.process.returncode} during start-up")
            try:
                if requests.get(f"{self.base}/json/version", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.quit()
        raise BrowserError(f"Chromium did not open its debugging port within {START_TIMEOUT_SECONDS}s")

    async def _browser_session(self) -> Connection:
        if self._session is None:
            version = requests.get(f"{self.base}/json/version", timeout=10).json()
            self._session = await Connection.to(version["webSocketDebuggerUrl"])
        return self._session

    async def new_context(self) -> Context:
        """A fresh context: no cookies or storage shared with the default one or any other."""
        created = await (await self._browser_session()).call("Target.createBrowserContext")
        context = Context(self, created["browserContextId"])
        self._contexts.append(context)
        return context

    async def open(self, url: str, context: Context | None = None) -> Tab:
        """A new tab showing `url`, in `context` or else in the browser's default context."""
        where = {"browserContextId": context.id} if context else {}
        target = await (await self._browser_session()).call("Target.createTarget", url=url, **where)
        tab = await Tab.to(f"ws://127.0.0.1:{self.port}/devtools/page/{target['targetId']}")
        self._tabs.append(tab)
        return tab

    async def close_tabs(self) -> None:
        """Closes every tab and context this browser opened."""
        for tab in self._tabs:
            await tab.close()
        self._tabs.clear()
        if self._session is not None:
            for context in self._contexts:
                await self._session.call("Target.disposeBrowserContext", browserContextId=context.id)
            await self._session.close()
            self._session = None
        self._contexts.clear()

    def quit(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@asynccontextmanager
async def running_browser(profile: Path) -> AsyncIterator[Browser]:
    """Chromium for one test; fails (not skips) when it is not installed."""
    if find_chromium() is None:
        raise BrowserError("Chromium is not installed: run `make browser` (scripts/install_browser.sh).")
    chromium = Browser(profile)
    try:
        yield chromium
        await chromium.close_tabs()
    finally:
        chromium.quit()
