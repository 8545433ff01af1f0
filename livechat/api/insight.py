"""Agent side, team leads and designers only (`Agent.sees_insight`; an agent gets 403): the figures
of the insight page (`livechat.insight.figures`) for a period and channel, its two charts as SVG,
and the draft NLU file of chosen not-understood messages.

    GET  /api/insight?from=2026-03-01&to=2026-03-07&channel=socketio
    GET  /api/insight/charts/containment.svg?from=...   (same parameters)
    GET  /api/insight/charts/reasons.svg?from=...
    POST /api/insight/nlu-export {"texts": ["kwak", ...]} -> {"yaml": "nlu: ..."}

`from` and `to` are days in Amsterdam, both included (default: the last 7 days up to today), at
most 366 days; a wrong value is a 400 that names the field. When Rasa's conversation store cannot
be read the answer is 503 `conversations_unavailable`.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import text as text_response

from livechat.api.auth import Handler, agent_required
from livechat.api.errors import ok, read_json
from livechat.desk_labels import reason_labels
from livechat.errors import ApiError
from livechat.insight import charts, conversations, figures
from livechat.insight.nlu_export import MAX_EXAMPLES, MAX_TEXT, draft_nlu_yaml
from livechat.services import services_of

bp = Blueprint("insight")

MAX_DAYS = 366
DEFAULT_DAYS = 7
_CHANNEL_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")


def insight_role_required(handler: Handler) -> Handler:
    """After `agent_required`: 403 unless the agent is a team lead or designer."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not request.ctx.agent.sees_insight:
            raise ApiError(403, "forbidden", "for team leads and designers only")
        return await handler(request, *args, **kwargs)

    return wrapper


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", f"{field}: {message}", field=field)


def _day(request: Request, name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, "must be a day as YYYY-MM-DD") from None


def period_of(request: Request) -> figures.Period:
    today = services_of(request).clock().astimezone(figures.ZONE).date()
    last = _day(request, "to", today)
    first = _day(request, "from", last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise _bad("from", "must not be after 'to'")
    if (last - first).days >= MAX_DAYS:
        raise _bad("from", f"the period is at most {MAX_DAYS} days")
    channel = request.args.get("channel") or None
    if channel is not None and not _CHANNEL_RE.match(channel):
        raise _bad("channel", "must be a channel name such as socketio")
    return figures.Period(first, last, channel)


def engine_of(app: Sanic) -> Any:
    """The read-only engine of Rasa's conversation store, made on first use."""
    if getattr(app.ctx, "insight_engine", None) is None:
        url = conversations.tracker_store_url(app.ctx.services.config.var_dir)
        app.ctx.insight_engine = conversations.read_only_engine(url)
    return app.ctx.insight_engine


async def _conversation_figures(request: Request, period: figures.Period) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        found = conversations.read_sessions(engine_of(request.app), period.start.timestamp(), period.end.timestamp())
        return figures.conversation_figures(found, period, reason_labels())

    try:
        return await asyncio.to_thread(read)
    except conversations.ConversationsUnavailable as error:
        raise unavailable(error) from error


def unavailable(error: conversations.ConversationsUnavailable) -> ApiError:
    return ApiError(503, "conversations_unavailable", f"the assistant's conversation store cannot be read: {error}")


@bp.get("/insight")
@agent_required
@insight_role_required
async def insight(request: Request) -> HTTPResponse:
    period = period_of(request)
    numbers = await _conversation_figures(request, period)
    desk = await services_of(request).db.run(figures.desk_figures, period)
    return ok({"period": period.to_json(), "channels": figures.channel_options(), **numbers, "desk": desk})


def _chart(draw: Callable[[dict[str, Any]], str]) -> Handler:
    async def chart(request: Request) -> HTTPResponse:
        numbers = await _conversation_figures(request, period_of(request))
        return text_response(draw(numbers), content_type="image/svg+xml; charset=utf-8")

    return agent_required(insight_role_required(chart))


bp.add_route(_chart(lambda n: charts.containment_chart(n["per_day"])), "/insight/charts/containment.svg",
             methods=["GET"], name="containment_chart")
bp.add_route(_chart(lambda n: charts.reasons_chart(n["handovers_by_reason"])), "/insight/charts/reasons.svg",
             methods=["GET"], name="reasons_chart")


@bp.post("/insight/nlu-export")
@agent_required
@insight_role_required
async def nlu_export(request: Request) -> HTTPResponse:
    body = read_json(request)
    texts = body.get("texts") if isinstance(body, dict) else None
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise _bad("texts", "must be a list of one or more messages")
    if len(texts) > MAX_EXAMPLES or any(len(t) > MAX_TEXT for t in texts):
        raise _bad("texts", f"at most {MAX_EXAMPLES} messages of at most {MAX_TEXT} characters")
    return ok({"yaml": draft_nlu_yaml(texts)})


@bp.after_server_stop
async def close_engine(app: Sanic, _loop: Any) -> None:
    engine = getattr(app.ctx, "insight_engine", None)
    if engine is not None:
        engine.dispose()
        app.ctx.insight_engine = None

