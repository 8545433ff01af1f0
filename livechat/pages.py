"""The agent desk page (`GET /desk`, static files under `/desk/static/`), the insight page for team
leads and designers (`GET /desk/inzicht`: without a session back to the desk's login, an agent
gets 403), the customer's web chat (`livechat.chat_page`) and the security headers every response
gets: a strict Content-Security-Policy (scripts and styles only from this origin, no inline code),
no framing, no sniffing, no referrer. One page may be framed: the chat page of the widget on the
organisation's own websites (`livechat.widget`), by those sites only (`frame_ancestors`); it gets
no `X-Frame-Options: DENY`, which would forbid that.

The policy names configured origins only (`LIVECHAT_PUBLIC_URL`, `RASA_PUBLIC_URL`), never the
request's Host header. Static files come from `serve_directory`: a directory, a missing file, a
NUL byte or a path outside the folder is a JSON 404.
"""
from __future__ import annotations

from collections.abc import Sequence
from mimetypes import guess_type
from pathlib import Path
from urllib.parse import unquote

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, file, html, redirect

from livechat.api.auth import current_agent
from livechat.config import LiveChatConfig
from livechat.errors import ApiError

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint("pages")


def socket_origins(public_url: str) -> list[str]:
    """The origins a page connects to for a service at `public_url` (a bare origin): http(s) and ws(s)."""
    websocket = "wss" + public_url[len("https"):] if public_url.startswith("https:") else "ws" + public_url[len("http"):]
    return [public_url, websocket]


def content_security_policy(connect: Sequence[str] = ()) -> str:
    """The policy of every response; `connect` adds origins the page may connect to."""
    extra = "".join(f" {origin}" for origin in dict.fromkeys(connect))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'{extra}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def frame_ancestors(policy: str, origins: Sequence[str]) -> str:
    """`policy` (from `content_security_policy`) with its frame-ancestors set to `origins`:
    only those pages may show it in a frame ('none' when there are none)."""
    sources = " ".join(dict.fromkeys(origins)) or "'none'"
    directives = (part.strip() for part in policy.split(";"))
    return "; ".join(f"frame-ancestors {sources}" if d.split(" ", 1)[0] == "frame-ancestors" else d for d in directives)


def servable_file(root: Path, relative: str) -> Path | None:
    """The regular file `relative` (URL-decoded) inside `root`, or None."""
    if "\x00" in relative:
        return None
    candidate = (root / relative.lstrip("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def content_type(path: Path) -> str:
    kind = guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind == "application/javascript" else kind


def serve_directory(app: Sanic, uri: str, directory: Path, name: str) -> None:
    """GET `uri`/<file>: the files in `directory`; a JSON 404 for anything else."""
    root = directory.resolve()

    async def serve(request: Request, file_path: str) -> HTTPResponse:
        found = servable_file(root, unquote(file_path))
        if found is None:
            raise ApiError(404, "not_found", "file not found")
        return await file(found, mime_type=content_type(found))

    app.add_route(serve, f"{uri}/<file_path:path>", methods=["GET", "HEAD"], name=name)


@bp.get("/desk")
async def desk(request: Request) -> HTTPResponse:
    return await file(STATIC_DIR / "desk.html", mime_type="text/html; charset=utf-8")


FORBIDDEN_PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Geen toegang</title></head><body>'
    '<h1>Geen toegang</h1><p>Deze pagina is alleen voor teamleiders en ontwerpers.</p>'
    '<p><a href="/desk">Terug naar de desk</a></p></body></html>'
)


@bp.get("/desk/inzicht")
async def insight_page(request: Request) -> HTTPResponse:
    agent = await current_agent(request)
    if agent is None:
        return redirect("/desk")
    if not agent.sees_insight:
        return html(FORBIDDEN_PAGE, status=403)
    return await file(STATIC_DIR / "insight.html", mime_type="text/html; charset=utf-8")


@bp.get("/")
async def home(request: Request) -> HTTPResponse:
    return redirect("/desk")


def register_pages(app: Sanic, config: LiveChatConfig) -> None:
    policy = content_security_policy(socket_origins(config.public_url))

    def add_security_headers(request: Request, response: BaseHTTPResponse) -> None:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request is not None and request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")

    app.blueprint(bp)
    serve_directory(app, "/desk/static", STATIC_DIR, "desk_static")
    app.register_middleware(add_security_headers, "response")
    # Imported here: the widget's pages build on this module and on livechat.chat_page.
    from livechat.widget import register_widget

    register_widget(app, config)
