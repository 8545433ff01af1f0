"""Bot side: what the customer types during a hand-over reaches the desk. Signed."""
from __future__ import annotations

from urllib.parse import unquote

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow, validation
from livechat.api.auth import signed
from livechat.api.errors import ok, read_json
from livechat.services import services_of

bp = Blueprint("conversations")


def conversation_id_of(path_part: str) -> str:
    """The conversation id of a URL segment: the bot percent-encodes it (`quote(id, safe="")`, so
    "a b/c%d" is "a%20b%2Fc%25d"); decoded exactly once, for the lookup only (the signature covers
    the path as sent). Sanic 21.12's `unquote=True` does not reach a segment before the last one."""
    return unquote(path_part)


@bp.post("/conversations/<conversation_id:str>/messages")
@signed
async def customer_message(request: Request, conversation_id: str) -> HTTPResponse:
    """Body {text, message_id}: 201 stored and pushed to the desk; 200 when `message_id` was seen,
    in a message or in the hand-over's transcript."""
    data = validation.customer_message(read_json(request))
    message, created = await handover_flow.customer_message(
        services_of(request), conversation_id_of(conversation_id), data["text"], data["message_id"]
    )
    shown = message.to_json() if message else None
    return ok({"message": shown, "created": created, "in_transcript": message is None}, status=201 if created else 200)
