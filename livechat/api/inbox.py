"""Agent side: the inbox of tickets and callbacks of the agent's teams (`livechat.storage.inbox`).
List (open and claimed, with the `overdue` and `unowned_too_long` flags), history (done), one item
with its conversation, claim (409 when a colleague was first), outcome, done. Session cookie
required; changes follow the desk's same-origin rules (`livechat.api.auth.agent_required`)."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import validation
from livechat.api.auth import agent_required
from livechat.api.errors import ok, read_json
from livechat.customer_panel import customer_panel
from livechat.desk_labels import PRIORITY_LABELS, reason_label, reason_labels
from livechat.services import Services, services_of
from livechat.storage import inbox as store
from livechat.storage.schema import iso

bp = Blueprint("inbox")
ITEM = "/inbox/<kind:str>/<item_id:int>"


def _scope(request: Request, services: Services) -> store.Scope:
    return store.Scope(tuple(request.ctx.agent.teams), services.config.default_team)


def _flags(services: Services) -> store.Flags:
    return store.Flags(services.clock(), services.config.unclaimed_alert_minutes)


def _labelled(item: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The item with its reason and priority in Dutch (`labels`: `reason_labels()`)."""
    return {
        **item,
        "reason_label": reason_label(item["reason"], labels),
        "priority_label": PRIORITY_LABELS.get(item["priority"], item["priority"]),
    }


async def _answer(item: dict[str, Any]) -> HTTPResponse:
    """One item in full, with the customer panel of the conversation view (Dutch labels)."""
    panel = customer_panel({}, item["customer"] or {}, item["transcript"] or [])
    return ok({"item": {**_labelled(item, reason_labels()), "customer_panel": panel}})


@bp.get("/inbox")
@agent_required
async def active(request: Request) -> HTTPResponse:
    """Open and claimed items: the most urgent first, then the oldest."""
    services = services_of(request)
    flags = _flags(services)
    items = await services.db.run(store.list_active, _scope(request, services), flags)
    labels = reason_labels()
    return ok({
        "items": [_labelled(item, labels) for item in items],
        "unclaimed_alert_minutes": flags.unclaimed_alert_minutes,
        "checked_at": iso(flags.now),
    })


@bp.get("/inbox/done")
@agent_required
async def done_items(request: Request) -> HTTPResponse:
    """The most recently finished items (history)."""
    services = services_of(request)
    items = await services.db.run(store.list_done, _scope(request, services), _flags(services))
    labels = reason_labels()
    return ok({"items": [_labelled(item, labels) for item in items]})


@bp.get(ITEM)
@agent_required
async def item_detail(request: Request, kind: str, item_id: int) -> HTTPResponse:
    """One item with the conversation's transcript, customer details and summary."""
    services = services_of(request)
    return await _answer(await services.db.run(store.get_item, kind, item_id, _scope(request, services), _flags(services)))


@bp.post(ITEM + "/claim")
@agent_required
async def claim(request: Request, kind: str, item_id: int) -> HTTPResponse:
    services = services_of(request)
    agent_id = request.ctx.agent.id
    return await _answer(await services.db.run(store.claim, kind, item_id, agent_id, _scope(request, services), _flags(services)))


@bp.post(ITEM + "/outcome")
@agent_required
async def outcome(request: Request, kind: str, item_id: int) -> HTTPResponse:
    """Body {outcome: called_back | mailed | no_answer | resolved, note?}; only by the owner."""
    services = services_of(request)
    chosen, note = validation.inbox_outcome(read_json(request))
    item = await services.db.run(
        store.record_outcome, kind, item_id, request.ctx.agent.id, chosen, note, _scope(request, services), _flags(services)
    )
    return await _answer(item)


@bp.post(ITEM + "/done")
@agent_required
async def done(request: Request, kind: str, item_id: int) -> HTTPResponse:
    services = services_of(request)
    agent_id = request.ctx.agent.id
    item = await services.db.run(store.mark_done, kind, item_id, agent_id, _scope(request, services), _flags(services))
    return await _answer(item)
