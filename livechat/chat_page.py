"""The customer's web chat page (`GET /chat`), its static files (`/chat/static/`, the vendored
socket.io client under `/vendor/`) and `GET /chat/config`, which tells the page where Rasa's
socket.io channel is (`RASA_PUBLIC_URL`).

The page talks to Rasa directly; this service only serves it. Its Content-Security-Policy is the
desk's, plus connections to Rasa's origin (http(s) for polling, ws(s) for the websocket).
"""
from __future__ import annotations

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, file
from sanic.response import json as json_response

from livechat.pages import STATIC_DIR, content_security_policy
from livechat.services import services_of

CHAT_DIR = STATIC_DIR / "chat"
VENDOR_DIR = STATIC_DIR / "vendor"
SOCKET_PATH = "/socket.io"

bp = Blueprint("chat_page")


def socket_origins(public_url: str) -> list[str]:
    """The origins the page connects to for Rasa at `public_url` (a bare origin)."""
    websocket = "wss" + public_url[len("https"):] if public_url.startswith("https:") else "ws" + public_url[len("http"):]
    return [public_url, websocket]


@bp.get("/chat")
async def chat(request: Request) -> HTTPResponse:
    config = services_of(request).config
    response = await file(CHAT_DIR / "chat.html", mime_type="text/html; charset=utf-8")
    host = request.headers.get("host", "")
    response.headers["Content-Security-Policy"] = content_security_policy(host, socket_origins(config.rasa_public_url))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/chat/config")
async def chat_config(request: Request) -> HTTPResponse:
    services = services_of(request)
    return json_response(
        {
            "socket_url": services.config.rasa_public_url,
            "socket_path": SOCKET_PATH,
            "organisation": services.organisation.name,
        },
        headers={"Cache-Control": "no-store"},
    )


def register_chat_page(app: Sanic) -> None:
    app.blueprint(bp)
    app.static("/chat/static", str(CHAT_DIR), name="chat_static")
    app.static("/vendor", str(VENDOR_DIR), name="vendor_static")
