"""Conversation review on the insight page, team leads and designers only (403 for agents, as
`livechat.api.insight`): the conversations of a period with their review tags, one
conversation's transcript from Rasa's conversation store, and putting a tag on or off.

    GET  /api/insight/conversations?from=&to=&channel=&tag=fout_antwoord
    GET  /api/insight/conversations/<conversation_id>
    POST /api/insight/conversations/<conversation_id>/tags {"tag": "fout_antwoord", "on": true}
"""
from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.api.auth import agent_required
from livechat.api.errors import ok, read_json
from livechat.api.insight import engine_of, insight_role_required, period_of, unavailable
from livechat.desk_labels import reason_labels
from livechat.errors import ApiError
from livechat.insight import conversations, review
from livechat.services import services_of
from livechat.storage import conversation_tags

bp = Blueprint("insight_review")

MAX_ID = 255  # Rasa's sender_id column


def _tag_of(value: Any, field: str) -> str:
    if value not in review.REVIEW_TAGS:
        raise ApiError(400, "bad_request", f"{field}: must be one of {', '.join(review.REVIEW_TAGS)}", field=field)
    return str(value)


def _conversation_id(raw: str) -> str:
    if not raw or len(raw) > MAX_ID:
        raise ApiError(404, "not_found", "no such conversation")
    return raw


@bp.get("/insight/conversations")
@agent_required
@insight_role_required
async def conversations_of_period(request: Request) -> HTTPResponse:
    period = period_of(request)
    tag = _tag_of(request.args.get("tag"), "tag") if request.args.get("tag") else None
    try:
        found = await asyncio.to_thread(
            conversations.read_sessions, engine_of(request.app), period.start.timestamp(), period.end.timestamp()
        )
    except conversations.ConversationsUnavailable as error:
        raise unavailable(error) from error
    services = services_of(request)
    tags = await services.db.run(conversation_tags.tags_of, {s.sender_id for s in found})
    items = review.listed(found, period.channel, tags, tag, reason_labels())
    return ok({"period": period.to_json(), "tag": tag, "tags": review.REVIEW_TAGS, "items": items})


@bp.get("/insight/conversations/<conversation_id:str>")
@agent_required
@insight_role_required
async def one_conversation(request: Request, conversation_id: str) -> HTTPResponse:
    conversation_id = _conversation_id(conversation_id)
    try:
        lines = await asyncio.to_thread(review.transcript, engine_of(request.app), conversation_id, reason_labels())
    except conversations.ConversationsUnavailable as error:
        raise unavailable(error) from error
    if not lines:
        raise ApiError(404, "not_found", "no such conversation")
    tags = await services_of(request).db.run(conversation_tags.tags_of, [conversation_id])
    return ok({"conversation_id": conversation_id, "transcript": lines, "tags": tags.get(conversation_id, [])})


@bp.post("/insight/conversations/<conversation_id:str>/tags")
@agent_required
@insight_role_required
async def tag_conversation(request: Request, conversation_id: str) -> HTTPResponse:
    conversation_id = _conversation_id(conversation_id)
    body = read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "expected a JSON object")
    tag = _tag_of(body.get("tag"), "tag")
    on = body.get("on", True)
    if not isinstance(on, bool):
        raise ApiError(400, "bad_request", "on: must be true or false", field="on")
    services = services_of(request)
    await services.db.run(conversation_tags.set_tag, conversation_id, tag, on, request.ctx.agent.id, services.clock())
    tags = await services.db.run(conversation_tags.tags_of, [conversation_id])
    return ok({"conversation_id": conversation_id, "tags": tags.get(conversation_id, [])})
