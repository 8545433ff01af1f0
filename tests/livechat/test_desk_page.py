"""The desk page: served with a strict Content-Security-Policy; customer text is never HTML; no desk
markup without a session (the browser checks are in test_desk_browser.py)."""
from __future__ import annotations

import re
from pathlib import Path

from livechat.hub import SESSION_ENDED_CODE
from livechat.pages import STATIC_DIR
from tests.livechat.helpers import fetch_page


async def test_desk_page_has_a_strict_csp(service, http):
    html, csp = await fetch_page(http, f"{service.url}/desk")
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for text in ("Wachtrij", "Overnemen", "Doorzetten", "Afsluiten", "Hoe is het gesprek afgelopen?", "Gesloten", "Inloggen"):
        assert text in html


async def test_static_files_are_served(service, http):
    for name, kind in (("desk.js", "javascript"), ("desk.css", "css")):
        async with http.get(f"{service.url}/desk/static/{name}") as reply:
            assert reply.status == 200, name
            assert kind in reply.content_type
    async with http.get(f"{service.url}/desk/static/../app.py") as reply:
        assert reply.status == 404


async def test_api_errors_also_carry_the_security_headers(service, http):
    async with http.get(service.api("/queue")) as reply:
        assert reply.status == 401
        assert "Content-Security-Policy" in reply.headers
        assert reply.headers["Cache-Control"] == "no-store"


def test_page_has_no_inline_code_and_script_uses_text_only():
    html = (STATIC_DIR / "desk.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline <script>"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    assert "style=" not in html
    for source in sorted(STATIC_DIR.glob("desk*.js")):  # desk.js and its parts (inbox, history, ...)
        lines = source.read_text(encoding="utf-8").splitlines()
        script = "\n".join(line for line in lines if not line.strip().startswith("//"))
        for dangerous in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert dangerous not in script, (source.name, dangerous)
        assert f'src="/desk/static/{source.name}"' in html, f"{source.name} is not loaded by desk.html"
    assert "textContent" in (STATIC_DIR / "desk.js").read_text(encoding="utf-8")


async def test_customer_html_is_stored_and_returned_as_plain_text(service, bot, make_agent):
    from tests.livechat.helpers import handover_payload

    agent = await make_agent("sanne")
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    _, created = await bot.post("/handovers", handover_payload(summary=evil))
    await bot.post("/conversations/conv-1/messages", {"text": evil, "message_id": "m-1"})
    async with agent.session.get(service.api(f"/handovers/{created['id']}")) as reply:
        assert reply.content_type == "application/json"
        body = await reply.json()
    assert body["handover"]["summary"] == evil
    assert body["messages"][0]["text"] == evil


def test_static_dir_is_inside_the_package():
    assert Path(STATIC_DIR).parent.name == "livechat"


def test_desk_markup_exists_only_inside_templates():
    """Before login the page holds no desk: desk.js copies it in after login and removes it on logout."""
    html = (STATIC_DIR / "desk.html").read_text(encoding="utf-8")
    outside = re.sub(r"<template\b.*?</template>", "", html, flags=re.DOTALL)
    for element_id in ("desk-view", "queue", "transcript", "conv-summary", "agent-name", "logout"):
        assert f'id="{element_id}"' in html, element_id
        assert f'id="{element_id}"' not in outside, f"#{element_id} is on the page without a session"
    css = (STATIC_DIR / "desk.css").read_text(encoding="utf-8")
    assert "[hidden] { display: none !important; }" in css


def test_desk_knows_the_socket_close_code_for_an_ended_session():
    """desk.js cannot import livechat.hub: the one number they share is checked here."""
    script = (STATIC_DIR / "desk.js").read_text(encoding="utf-8")
    found = re.search(r"const SESSION_ENDED_CODE = (\d+);", script)
    assert found is not None
    assert int(found.group(1)) == SESSION_ENDED_CODE
