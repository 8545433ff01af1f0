"""The agent desk page (`GET /desk`, static files under `/desk/static/`) and the security headers
every response gets: a strict Content-Security-Policy (scripts and styles only from this origin,
no inline code), no framing, no sniffing, no referrer."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, file, redirect

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint("pages")


def content_security_policy(host: str) -> str:
    sockets = f" ws://{host} wss://{host}" if host else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'{sockets}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
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
