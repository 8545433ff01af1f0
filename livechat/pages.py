"""The agent desk page (`GET /desk`, static files under `/desk/static/`), the customer's web chat
(`livechat.chat_page`) and the security headers every response gets: a strict
Content-Security-Policy (scripts and styles only from this origin, no inline code), no framing,
no sniffing, no referrer."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, file, redirect

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint("pages")


def content_security_policy(host: str, connect: Sequence[str] = ()) -> str:
    """The policy for a page served on `host`; `connect` adds origins the page may connect to."""
    sources = [f"ws://{host}", f"wss://{host}"] if host else []
    sources += [origin for origin in connect if origin not in sources]
    extra = "".join(f" {origin}" for origin in sources)
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'{extra}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


@bp.get("/desk")
async def desk(request: Request) -> HTTPResponse:
    return await file(STATIC_DIR / "desk.html", mime_type="text/html; charset=utf-8")


@bp.get("/")
async def home(request: Request) -> HTTPResponse:
    return redirect("/desk")


def add_security_headers(request: Request, response: BaseHTTPResponse) -> None:
    host = request.headers.get("host", "") if request else ""
    response.headers.setdefault("Content-Security-Policy", content_security_policy(host))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request is not None and request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


def register_pages(app: Sanic) -> None:
    app.blueprint(bp)
    app.static("/desk/static", str(STATIC_DIR), name="desk_static")
    app.register_middleware(add_security_headers, "response")
