"""Bot side, when no human can come: store the conversation as a ticket or a callback request.
Signed; idempotent on `idempotency_key` (201 created, 200 already stored, 409 when the key was
used for another conversation or request). Agents read the tickets and callbacks of their own
teams only."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import validation
from livechat.api.auth import agent_required, signed
from livechat.api.errors import ok, read_json
from livechat.services import services_of
from livechat.storage import tickets as store

bp = Blueprint("no_agent")


@bp.post("/tickets")
@signed
async def create_ticket(request: Request) -> HTTPResponse:
    services = services_of(request)
    values = validation.ticket(read_json(request), services.config.teams, services.config.default_team)
    ticket, created = await services.db.run(store.create_ticket, values, services.clock())
    if created:  # the desks' inbox badge counts it at once
        await services.hub.publish("inbox_item_created", ticket["team"], kind="ticket", id=ticket["id"])
    return ok({"ticket": ticket, "created": created}, status=201 if created else 200)


@bp.post("/callbacks")
@signed
async def create_callback(request: Request) -> HTTPResponse:
    services = services_of(request)
    values = validation.callback(read_json(request), services.config.teams, services.config.default_team)
    callback, created = await services.db.run(store.create_callback, values, services.clock())
    if created:
        await services.hub.publish("inbox_item_created", callback["team"], kind="callback", id=callback["id"])
    return ok({"callback": callback, "created": created}, status=201 if created else 200)


@bp.get("/tickets")
@agent_required
async def list_tickets(request: Request) -> HTTPResponse:
    services = services_of(request)
    tickets = await services.db.run(store.list_tickets, request.ctx.agent.teams, services.config.default_team)
    return ok({"tickets": tickets})


@bp.get("/callbacks")
@agent_required
async def list_callbacks(request: Request) -> HTTPResponse:
    services = services_of(request)
    callbacks = await services.db.run(store.list_callbacks, request.ctx.agent.teams, services.config.default_team)
    return ok({"callbacks": callbacks})
