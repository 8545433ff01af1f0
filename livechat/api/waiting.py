"""The waiting customer's own routes, for the web chat page. Open (no signature, no cookie), but
only with the wait token the bot gave that customer (`naadloos.handover_contract.wait_token`).
Any token that is not genuine is the same 404, so the routes tell nothing about other hand-overs.

- `GET /api/waiting/<token>`: the status, the place in the queue, the expected wait, whether a
  callback is offered or was requested (`livechat.waiting.callback_state`) and, once a colleague
  took over, their display name for the page's header (`agent_name`), nothing else.
- `POST /api/waiting/<token>/callback {phone, preferred_moment}`: the callback offered after the
  wait timeout (`livechat.waiting.request_callback`); the customer keeps their place.
- The page's socket for typing and presence: `livechat.api.customer_ws`.
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow, waiting
from livechat.api.auth import check_same_origin
from livechat.api.errors import ok, read_json
from livechat.errors import ApiError
from livechat.services import Services, services_of
from livechat.storage import handovers as store
from livechat.storage.handovers import Handover
from naadloos.handover_contract.wait_token import handover_id_of

bp = Blueprint("waiting")

PUBLIC_FIELDS = ("status", "queue_position", "estimated_wait_minutes")
CALLBACK_FIELDS = ("phone", "preferred_moment")


async def waiting_handover(services: Services, token: str) -> Handover:
    """The hand-over a genuine wait token names; the same 404 for anything else."""
    handover_id = handover_id_of(services.config.shared_secret, token)
    handover = await services.db.run(store.get_handover, handover_id) if handover_id is not None else None
    if handover is None:
        raise ApiError(404, "not_found", "unknown wait token")
    return handover


@bp.get("/waiting/<token:str>")
async def waiting_status(request: Request, token: str) -> HTTPResponse:
    services = services_of(request)
    handover = await waiting_handover(services, token)
    status = await handover_flow.handover_status(services, handover)
    return ok({
        **{name: status[name] for name in PUBLIC_FIELDS},
        "callback": await waiting.callback_state(services, handover),
        # Of the colleague who has it now only the name, for the header ("Je chat met Sanne.").
        "agent_name": handover.assigned_agent_name if handover.status == "assigned" else None,
    })


@bp.post("/waiting/<token:str>/callback")
async def request_callback(request: Request, token: str) -> HTTPResponse:
    """201 stored (200 when the same request was stored before); 409 when the customer no longer
    waits or asked for another callback during this wait; 422 naming the field."""
    check_same_origin(request)
    services = services_of(request)
    handover = await waiting_handover(services, token)
    callback, created = await waiting.request_callback(services, handover, read_json(request))
    shown = {name: callback[name] for name in CALLBACK_FIELDS}
    return ok({"callback": shown, "created": created}, status=201 if created else 200)
