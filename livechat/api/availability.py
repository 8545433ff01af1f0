"""Can a human take over now? Open (not signed): it returns only counts and opening hours, no
customer data, so the bot, the web chat page and the desk can all ask it."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.api.errors import ok
from livechat.availability import check_availability
from livechat.errors import ApiError
from livechat.services import services_of

bp = Blueprint("availability")


@bp.get("/availability")
async def availability(request: Request) -> HTTPResponse:
    services = services_of(request)
    team = (request.args.get("team") or services.config.default_team).strip().lower()
    if team not in services.config.teams:
        raise ApiError(404, "not_found", f"unknown team '{team[:64]}'", teams=list(services.config.teams))
    result = await check_availability(services.db, services.config, services.organisation, services.clock(), team)
    return ok(result.to_json())
