"""Agent side: the history of closed conversations of the agent's teams, and of the ones they took
part in that ended in another team (`team` narrows it to one of their teams), newest first, in
pages, searchable (`livechat.storage.history`). One conversation is opened read-only with
`GET /api/handovers/<id>` (transcript, messages and notes, wrap-up). Session cookie required.

Query parameters are checked here: anything out of range or of the wrong kind is a 400
``{"error": "bad_request", "field": ..., "message": ...}``, never a 500.
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import handover_flow
from livechat.api.auth import agent_required
from livechat.api.desk import for_desk
from livechat.api.errors import ok
from livechat.desk_labels import reason_labels
from livechat.errors import ApiError
from livechat.services import services_of
from livechat.storage import history
from livechat.storage.schema import OUTCOMES

bp = Blueprint("history")

MAX_QUERY = 200  # characters of a search
MAX_WORDS = 8
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 20
MAX_PAGE = 500  # deeper than 500 pages, search instead
# Conversations closed before the search existed are indexed by the first history requests of a
# process, this many per request, so no request waits long on a large older database.
INDEX_PER_REQUEST = 500


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", f"{field}: {message}", field=field)


def _number(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= maximum:
        raise _bad(name, f"must be a whole number from 1 to {maximum}")
    return int(raw)


def history_query(request: Request) -> history.HistoryQuery:
    """The search of this request, for the agent on `request.ctx.agent`."""
    teams = tuple(request.ctx.agent.teams)
    agent_id: int | None = request.ctx.agent.id  # and what they took part in, unless one team is asked for
    team = request.args.get("team")
    if team is not None:
        if team not in teams:
            raise _bad("team", "must be one of your teams")
        teams, agent_id = (team,), None
    outcome = request.args.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise _bad("outcome", f"must be one of: {', '.join(OUTCOMES)}")
    text = request.args.get("q") or ""
    if len(text) > MAX_QUERY:
        raise _bad("q", f"is longer than {MAX_QUERY} characters")
    words = tuple(dict.fromkeys(history.words(text)))
    if len(words) > MAX_WORDS:
        raise _bad("q", f"has more than {MAX_WORDS} words")
    return history.HistoryQuery(
        teams=teams, words=words, outcome=outcome, agent_id=agent_id,
        page=_number(request, "page", 1, MAX_PAGE), per_page=_number(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    )


@bp.get("/history")
@agent_required
async def closed_conversations(request: Request) -> HTTPResponse:
    """Query `q` (words of the transcript, messages, customer details such as the customer number,
    reason, team or agent), `outcome`, `team` (one of the agent's), `page`, `per_page`."""
    query = history_query(request)
    services = services_of(request)
    if not getattr(request.app.ctx, "history_indexed", False):  # older closed rows, a part per request
        indexed = await handover_flow.index_missing_history(services, INDEX_PER_REQUEST)
        request.app.ctx.history_indexed = indexed < INDEX_PER_REQUEST
    found, more = await services.db.run(history.search, query)
    reasons = reason_labels()
    return ok({
        "items": [for_desk(handover, reasons) for handover in found],
        "page": query.page,
        "per_page": query.per_page,
        "has_more": more,
    })
