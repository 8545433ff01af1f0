"""Agent side of typing and presence. Session cookie required.

- `POST /api/handovers/<id>/typing`: the agent types in the reply box; the customer's chat page
  shows "<name> typt…" (`livechat.typing_signals`). No body, no words. 404 unknown, 403 another
  team's, 409 unless the agent has the conversation; `relayed` false when dropped (less than a
  second after the last one) or no page of the customer is connected.
- `GET /api/presence`: for the open hand-overs of the agent's teams whose customer has the web chat
  page: `left` with `left_at` (then the desk shows "Klant heeft het gesprek verlaten") or `present`,
  with `back_at` when they came back after leaving (`livechat.presence`).
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import typing_signals
from livechat.api.auth import agent_required
from livechat.api.desk import _visible_handover
from livechat.api.errors import ok
from livechat.services import services_of
from livechat.storage import presence as presence_store

bp = Blueprint("presence")


@bp.post("/handovers/<handover_id:int>/typing")
@agent_required
async def agent_typing(request: Request, handover_id: int) -> HTTPResponse:
    services = services_of(request)
    handover = await _visible_handover(services, handover_id, request.ctx.agent)
    relayed = await typing_signals.agent_typing(services, handover, request.ctx.agent)
    return ok({"relayed": relayed})


@bp.get("/presence")
@agent_required
async def presence(request: Request) -> HTTPResponse:
    services = services_of(request)
    rows = await services.db.run(presence_store.presence_of_teams, request.ctx.agent.teams)
    return ok({"presence": [row.to_json() for row in rows]})
