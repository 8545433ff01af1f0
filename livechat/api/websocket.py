"""What the service's two websockets share: the desk's (`livechat.api.desk_ws`) and the customer's
chat page's (`livechat.api.customer_ws`). Both admit a connection in a blueprint request middleware,
before the upgrade, so every refusal is an ordinary JSON error; a bad message on an open socket gets
an error frame with the same body, and the socket stays open."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from livechat.api.errors import error_body
from livechat.errors import ApiError


def check_handshake(request: Request) -> None:
    """400 unless the request is a websocket opening handshake (RFC 6455, 4.2.1): Sanic 21.12 would
    answer anything else with a 500."""
    def has_token(header: str, token: str) -> bool:
        return token in (part.strip().lower() for part in request.headers.get(header, "").split(","))

    try:
        key_ok = len(base64.b64decode(request.headers.get("sec-websocket-key", ""), validate=True)) == 16
    except (binascii.Error, ValueError):
        key_ok = False
    if not (
        has_token("upgrade", "websocket")
        and has_token("connection", "upgrade")
        and key_ok
        and request.headers.get("sec-websocket-version", "").strip() == "13"
    ):
        raise ApiError(400, "bad_request", "expected a websocket handshake (Upgrade: websocket)")


def refusal(error: ApiError) -> HTTPResponse:
    """The JSON answer that refuses a connection before the upgrade."""
    status, body = error_body(error)
    return json_response(body, status=status)


async def send_error_frame(ws: Any, error: ApiError) -> None:
    """`{"type": "error", "error": ..., "message": ...}` for a message the socket does not take."""
    _status, body = error_body(error)
    await ws.send(json.dumps({"type": "error", **body}))
