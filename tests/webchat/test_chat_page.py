"""The customer's web chat page: served with a strict CSP that allows exactly the Rasa socket,
only local scripts, and bot/agent text that never becomes HTML."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from livechat.callback_wording import load_callback_wording
from livechat.chat_page import CHAT_DIR, VENDOR_DIR, socket_origins
from livechat.config import ConfigError, LiveChatConfig, public_origin
from livechat.validation import MAX_TEXT
from livechat.web_chat_settings import load_web_chat_settings
from tests.livechat.helpers import fetch_page
from tests.webchat.conftest import RASA_PUBLIC_URL


class References(HTMLParser):
    """Every script and stylesheet a page loads, and whether it has inline code."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.styles: list[str | None] = []
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes.get("src"))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.styles.append(attributes.get("href"))
        self.inline_handlers += [name for name in attributes if name.startswith("on") or name == "style"]


def is_local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


async def test_chat_page_has_a_strict_csp_that_allows_only_the_rasa_socket(service, http):
    html, csp = await fetch_page(http, f"{service.url}/chat")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "https://chat.example.nl:8443" in directives["connect-src"]
    assert "wss://chat.example.nl:8443" in directives["connect-src"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in directives["connect-src"]
    for text in ("Chat met de klantenservice", "Verstuur", "Typ hier je vraag", "De assistent typt", "Nieuw gesprek"):
        assert text in html


async def test_page_references_only_local_scripts_and_styles_that_are_served(service, http):
    page = References()
    page.feed((await fetch_page(http, f"{service.url}/chat"))[0])
    assert page.scripts == [
        "/vendor/socket.io.min.js",
        "/chat/static/links.js",
        "/chat/static/handover_socket.js",
        "/chat/static/callback_offer.js",
        "/chat/static/chat.js",
    ]
    assert page.styles == ["/chat/static/chat.css"]
    assert page.inline_handlers == []
    for url, kind in [(src, "javascript") for src in page.scripts] + [(href, "css") for href in page.styles]:
        assert is_local(url)
        async with http.get(f"{service.url}{url}") as reply:
            assert reply.status == 200, url
            assert kind in reply.content_type, url
    async with http.get(f"{service.url}/chat/static/../app.py") as reply:
        assert reply.status == 404


async def test_config_tells_the_page_where_rasa_is(service, http):
    async with http.get(f"{service.url}/chat/config") as reply:
        assert reply.status == 200
        assert reply.headers["Cache-Control"] == "no-store"
        config = await reply.json()
    settings = load_web_chat_settings()
    assert config == {
        "socket_url": RASA_PUBLIC_URL, "socket_path": "/socket.io", "organisation": "Polderstroom",
        "max_message_length": MAX_TEXT, **settings.to_json("Polderstroom"),
        "callback": load_callback_wording().to_json(),  # the bot's callback form, offered while waiting
    }
    assert "{organisation}" not in config["welcome"] and 3 <= len(config["subjects"]) <= 5


def test_vendored_socket_io_client_is_version_4_with_its_licence():
    script = (VENDOR_DIR / "socket.io.min.js").read_text(encoding="utf-8")
    assert re.match(r"/\*!\s*\* Socket\.IO v4\.", script)
    assert "MIT License" in (VENDOR_DIR / "socket.io-client.LICENSE").read_text(encoding="utf-8")
    assert "eval(" not in script and "new Function" not in script  # would need 'unsafe-eval'


def test_script_puts_text_on_the_page_as_text_only_and_speaks_rasa_socketio():
    lines = [line for name in ("chat.js", "links.js") for line in (CHAT_DIR / name).read_text(encoding="utf-8").splitlines()]
    script = "\n".join(line for line in lines if not line.strip().startswith("//"))
    for dangerous in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert dangerous not in script, dangerous
    assert "textContent" in script
    for protocol in ('"session_request"', '"session_confirm"', '"user_uttered"', '"bot_uttered"', "localStorage"):
        assert protocol in script, protocol
    # Links from the bot only when they are https, never javascript: URLs.
    assert "/^https:\\/\\//i.test(src)" in script and 'url.protocol === "https:"' in script


@pytest.mark.parametrize(
    "raw, origin",
    [
        ("http://localhost:5005", "http://localhost:5005"),
        ("https://chat.example.nl/", "https://chat.example.nl"),
        ("http://[::1]:5005", "http://[::1]:5005"),
    ],
)
def test_public_url_is_a_bare_origin(raw, origin):
    assert public_origin("RASA_PUBLIC_URL", raw) == origin


@pytest.mark.parametrize(
    "raw",
    ["http://x; script-src *", "http://localhost:5005/socket.io", "ftp://host", "http://user@host", "http://a:99999", ""],
)
def test_public_url_that_could_change_the_csp_or_is_not_an_origin_is_refused(raw):
    with pytest.raises(ConfigError, match="RASA_PUBLIC_URL"):
        public_origin("RASA_PUBLIC_URL", raw)


def test_public_url_defaults_to_rasa_url(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", "s" * 40)
    monkeypatch.delenv("RASA_PUBLIC_URL", raising=False)
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005/")
    assert LiveChatConfig.from_environment().rasa_public_url == "http://rasa.internal:5005"
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.example.nl")
    assert LiveChatConfig.from_environment().rasa_public_url == "https://chat.example.nl"


def test_socket_origins_pair_http_with_ws():
    assert socket_origins("http://localhost:5005") == ["http://localhost:5005", "ws://localhost:5005"]
    assert socket_origins("https://chat.example.nl") == ["https://chat.example.nl", "wss://chat.example.nl"]
