"""Bot side: create a hand-over and ask how it is doing. Signed with the shared secret."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow, validation
from livechat.api.auth import signed
from livechat.api.conversations import conversation_id_of
from livechat.api.errors import ok, read_json
from livechat.errors import ApiError
from livechat.services import services_of
from livechat.storage import handovers as store

bp = Blueprint("handovers")


@bp.post("/handovers")
@signed
async def create_handover(request: Request) -> HTTPResponse:
    """201 with the new hand-over; 200 with the existing one for a known key or open conversation."""
    services = services_of(request)
    new = validation.handover(read_json(request), services.config.teams, services.config.default_team)
    handover, created = await handover_flow.create_handover(services, new)
    body = await handover_flow.handover_status(services, handover)
    return ok({**body, "created": created}, status=201 if created else 200)


@bp.get("/conversations/<conversation_id:str>/handover")
@signed
async def conversation_handover(request: Request, conversation_id: str) -> HTTPResponse:
    """The conversation's latest hand-over: status, queue position, estimated wait."""
    services = services_of(request)
    handover = await services.db.run(store.latest_handover_for_conversation, conversation_id_of(conversation_id))
    if handover is None:
        raise ApiError(404, "not_found", "no hand-over for this conversation")
    return ok(await handover_flow.handover_status(services, handover))
