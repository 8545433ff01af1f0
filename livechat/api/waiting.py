"""The waiting customer's own status, for the web chat page. Open (no signature, no cookie), but
only with the wait token the bot gave that customer (`naadloos.handover_contract.wait_token`):
the answer holds the status, the place in the queue and the expected wait, nothing else. Any
token that is not genuine is the same 404, so the route tells nothing about other hand-overs."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow
from livechat.api.errors import ok
from livechat.errors import ApiError
from livechat.services import services_of
from livechat.storage import handovers as store
from naadloos.handover_contract.wait_token import handover_id_of

bp = Blueprint("waiting")

PUBLIC_FIELDS = ("status", "queue_position", "estimated_wait_minutes")


@bp.get("/waiting/<token:str>")
async def waiting_status(request: Request, token: str) -> HTTPResponse:
    services = services_of(request)
    handover_id = handover_id_of(services.config.shared_secret, token)
    handover = await services.db.run(store.get_handover, handover_id) if handover_id is not None else None
    if handover is None:
        raise ApiError(404, "not_found", "unknown wait token")
    status = await handover_flow.handover_status(services, handover)
    return ok({name: status[name] for name in PUBLIC_FIELDS})
