"""The desk page: served with a strict Content-Security-Policy; customer text is never HTML."""
from __future__ import annotations

import re
from pathlib import Path

from livechat.pages import STATIC_DIR
from tests.livechat.helpers import fetch_page


async def test_desk_page_has_a_strict_csp(service, http):
    html, csp = await fetch_page(http, f"{service.url}/desk")
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for text in ("Wachtrij", "Overnemen", "Afsluiten: opgelost", "Terug naar de assistent", "Inloggen"):
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
    lines = (STATIC_DIR / "desk.js").read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in lines if not line.strip().startswith("//"))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline <script>"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    assert "style=" not in html
    for dangerous in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert dangerous not in script, dangerous
    assert "textContent" in script


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
