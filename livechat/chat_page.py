"""The customer's web chat page (`GET /chat`), its static files (`/chat/static/`, the vendored
socket.io client under `/vendor/`) and `GET /chat/config`, which tells the page where Rasa's
socket.io channel is (`RASA_PUBLIC_URL`), the welcome message and suggested subjects
(`config/web_chat.yml`, read at start), the words of the callback offered while waiting (the
bot's callback form in domain.yml, `livechat.callback_wording`, read and checked at start with the
service's other wording) and the longest
message the customer may send: the live-chat service's limit for a customer message
(`livechat.validation.MAX_TEXT`), because during a hand-over every message goes on to the
colleague through that API.

The page talks to Rasa directly; this service only serves it. Its Content-Security-Policy is the
desk's, plus connections to Rasa's origin (http(s) for polling, ws(s) for the websocket); both from
configuration (`LIVECHAT_PUBLIC_URL`, `RASA_PUBLIC_URL`), never from the request's Host header.
"""
from __future__ import annotations

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, file
from sanic.response import json as json_response

from livechat.callback_wording import callback_wording
from livechat.pages import STATIC_DIR, content_security_policy, serve_directory, socket_origins
from livechat.services import services_of
from livechat.validation import MAX_TEXT
from livechat.web_chat_settings import WebChatSettings, load_web_chat_settings

CHAT_DIR = STATIC_DIR / "chat"
VENDOR_DIR = STATIC_DIR / "vendor"
SOCKET_PATH = "/socket.io"

bp = Blueprint("chat_page")


@bp.get("/chat")
async def chat(request: Request) -> HTTPResponse:
    config = services_of(request).config
    response = await file(CHAT_DIR / "chat.html", mime_type="text/html; charset=utf-8")
    origins = socket_origins(config.public_url) + socket_origins(config.rasa_public_url)
    response.headers["Content-Security-Policy"] = content_security_policy(origins)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/chat/config")
async def chat_config(request: Request) -> HTTPResponse:
    services = services_of(request)
    settings: WebChatSettings = request.app.ctx.web_chat_settings
    wording = services.wording
    callback = callback_wording(wording.responses, wording.facts(services.clock()))
    return json_response(
        {
            "socket_url": services.config.rasa_public_url,
            "socket_path": SOCKET_PATH,
            "organisation": services.organisation.name,
            "max_message_length": MAX_TEXT,
            **settings.to_json(services.organisation.name),
            "callback": callback.to_json(),
        },
        headers={"Cache-Control": "no-store"},
    )


def register_chat_page(app: Sanic) -> None:
    app.blueprint(bp)

    @app.before_server_start
    async def load_settings(app: Sanic, _loop: object) -> None:
        app.ctx.web_chat_settings = load_web_chat_settings()

    serve_directory(app, "/chat/static", CHAT_DIR, "chat_static")
    serve_directory(app, "/vendor", VENDOR_DIR, "vendor_static")
