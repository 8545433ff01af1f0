"""Agent side: the queue, one conversation, accept, write, notes, transfer, close with a wrap-up,
canned replies. Session cookie required.

The desk's hand-over JSON adds `labels` (reason, priority, channel, team and closing outcome in
Dutch: `livechat.desk_labels`) and, for one conversation, `customer_panel` (what the customer
gave, `livechat.customer_panel`).
Notes are messages with sender 'note': stored and shown to the team, never delivered to the customer
(only pending agent/system messages are sent, `livechat.delivery`)."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow, validation
from livechat.api.auth import agent_required
from livechat.api.errors import ok, read_json
from livechat.customer_panel import customer_panel
from livechat.desk_labels import OUTCOME_LABELS, handover_labels, reason_labels, team_label
from livechat.errors import ApiError
from livechat.services import Services, services_of
from livechat.storage import handovers as store
from livechat.storage import history
from livechat.storage.agents import Agent
from livechat.storage.db import MAX_ROW_ID
from livechat.storage.handovers import Handover

bp = Blueprint("desk")
NOTE = "note"  # the sender of an internal note


def for_desk(handover: Handover, reasons: dict[str, str], full: bool = False) -> dict[str, Any]:
    """The hand-over as the desk shows it: with Dutch labels, and in `full` the customer panel."""
    data = handover.to_json(full=full)
    data["labels"] = handover_labels(
        handover.reason, handover.priority, handover.channel, reasons, handover.team, handover.outcome
    )
    if full:
        data["customer_panel"] = customer_panel(handover.slots, handover.customer, handover.transcript)
    return data


async def _visible_handover(services: Services, handover_id: int, agent: Agent) -> Handover:
    """404 for an unknown id (also one no database column can hold), 403 for another team's, except
    a closed one the agent took part in (their history lists it, `livechat.storage.history`)."""
    handover = await services.db.run(store.get_handover, handover_id) if 0 < handover_id <= MAX_ROW_ID else None
    if handover is None:
        raise ApiError(404, "not_found", "hand-over not found")
    if handover.team not in agent.teams and not (
        handover.status == "closed" and await services.db.run(history.took_part, handover.id, agent.id)
    ):
        raise ApiError(403, "forbidden", "this hand-over belongs to another team")
    return handover


@bp.get("/queue")
@agent_required
async def queue(request: Request) -> HTTPResponse:
    """Waiting customers of the agent's teams (urgent > high > normal, then longest waiting
    first) and the conversations agents are handling now."""
    services = services_of(request)
    teams = list(request.ctx.agent.teams)
    reasons = reason_labels()
    queued = await services.db.run(store.list_handovers, "queued", teams)
    assigned = await services.db.run(store.list_handovers, "assigned", teams)
    return ok({
        "teams": teams,
        "queued": [{**for_desk(h, reasons), "queue_position": i + 1} for i, h in enumerate(queued)],
        "assigned": [for_desk(h, reasons) for h in assigned],
    })


@bp.get("/handovers/<handover_id:int>")
@agent_required
async def handover_detail(request: Request, handover_id: int) -> HTTPResponse:
    """Everything the agent needs: summary, labels, customer panel, slots, full bot transcript, raw
    events, messages and notes."""
    services = services_of(request)
    handover = await _visible_handover(services, handover_id, request.ctx.agent)
    messages = await services.db.run(store.list_messages, handover.id)
    return ok({"handover": for_desk(handover, reason_labels(), full=True), "messages": [m.to_json() for m in messages]})


@bp.post("/handovers/<handover_id:int>/accept")
@agent_required
async def accept(request: Request, handover_id: int) -> HTTPResponse:
    """200 for the agent who takes it; 409 when another agent was first."""
    services = services_of(request)
    await _visible_handover(services, handover_id, request.ctx.agent)
    handover = await handover_flow.accept(services, handover_id, request.ctx.agent)
    return ok({"handover": handover.to_json()})


@bp.post("/handovers/<handover_id:int>/messages")
@agent_required
async def agent_message(request: Request, handover_id: int) -> HTTPResponse:
    """Body {text}: stored, then delivered to the customer. 201 also when delivery failed: the
    message is kept with delivery_status 'failed' and the desk gets a delivery_failed event."""
    services = services_of(request)
    text = validation.agent_message(read_json(request))
    handover = await _visible_handover(services, handover_id, request.ctx.agent)
    message = await handover_flow.agent_message(services, handover, request.ctx.agent, text)
    delivery = {"delivered": message.delivery_status == handover_flow.DELIVERED, "error": message.delivery_error}
    return ok({"message": message.to_json(), "delivery": delivery}, status=201)


@bp.post("/handovers/<handover_id:int>/notes")
@agent_required
async def note(request: Request, handover_id: int) -> HTTPResponse:
    """Body {text}: an internal note for the team, in any state of the hand-over; never sent to the
    customer. The team's desks get a `note_added` event."""
    services = services_of(request)
    text = validation.agent_message(read_json(request))
    handover = await _visible_handover(services, handover_id, request.ctx.agent)
    message, _ = await services.db.run(
        store.add_message, handover.id, NOTE, text, services.clock(), agent_id=request.ctx.agent.id
    )
    if handover.status == "closed":  # the history finds it by this note too
        await handover_flow.index_for_history(services, handover.id, handover.reason, handover.team, handover.outcome)
    await services.hub.publish("note_added", handover.team, handover_id=handover.id, message=message.to_json())
    return ok({"message": message.to_json()}, status=201)


@bp.get("/canned-replies")
@agent_required
async def canned_replies(request: Request) -> HTTPResponse:
    """The designers' canned replies (config/canned_replies.yml), organisation facts filled in."""
    return ok({"replies": [reply.to_json() for reply in services_of(request).canned_replies]})


@bp.get("/close-outcomes")
@agent_required
async def close_outcomes(request: Request) -> HTTPResponse:
    """The wrap-up choices when closing, in the desk's order, with their Dutch labels."""
    outcomes = [{"outcome": code, "label": label} for code, label in OUTCOME_LABELS.items()]
    return ok({"outcomes": outcomes, "note_max_length": validation.MAX_WRAP_UP_NOTE})


@bp.post("/handovers/<handover_id:int>/close")
@agent_required
async def close(request: Request, handover_id: int) -> HTTPResponse:
    """Body {outcome, note?}: closes with a wrap-up and hands the conversation back to the bot."""
    services = services_of(request)
    outcome, note = validation.close(read_json(request))
    await _visible_handover(services, handover_id, request.ctx.agent)
    handover, delivery = await handover_flow.close(services, handover_id, request.ctx.agent, outcome, note)
    return ok({"handover": handover.to_json(), "resume": delivery.to_json()})


@bp.get("/transfer-targets")
@agent_required
async def transfer_targets(request: Request) -> HTTPResponse:
    """Every team (LIVECHAT_TEAMS) with its Dutch name and the colleagues online in it now."""
    services = services_of(request)
    online = await handover_flow.agents_online(services)
    me = request.ctx.agent.id
    return ok({"teams": [
        {"team": team, "label": team_label(team),
         "colleagues": [{"id": a.id, "name": a.display_name} for a in online if team in a.teams and a.id != me]}
        for team in services.config.teams
    ]})


@bp.post("/handovers/<handover_id:int>/transfer")
@agent_required
async def transfer(request: Request, handover_id: int) -> HTTPResponse:
    """Body {team, agent_id?, note?}: to another team's queue or to a colleague online in that team."""
    services = services_of(request)
    team, agent_id, note = validation.transfer(read_json(request), services.config.teams)
    handover = await _visible_handover(services, handover_id, request.ctx.agent)
    moved, message = await handover_flow.transfer(services, handover, request.ctx.agent, team, agent_id, note)
    return ok({"handover": for_desk(moved, reason_labels()), "note": message.to_json()})
