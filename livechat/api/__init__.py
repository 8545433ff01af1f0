"""The HTTP API: one blueprint per area, all under /api.

Bot side (HMAC-signed, see `livechat.security`): handovers, conversations, no_agent.
Open: availability, openapi (this API's description), waiting and customer_ws (with the customer's
wait token).
Agent side (session cookie): agents, desk, desk_ws, inbox, history, presence; insight only for team
leads and designers.
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from livechat.api import (
    agents,
    availability,
    conversations,
    customer_ws,
    desk,
    desk_ws,
    handovers,
    history,
    inbox,
    insight,
    insight_review,
    no_agent,
    openapi,
    presence,
    waiting,
)


def api_group() -> BlueprintGroup:
    return Blueprint.group(
        handovers.bp,
        conversations.bp,
        availability.bp,
        no_agent.bp,
        agents.bp,
        desk.bp,
        desk_ws.bp,
        inbox.bp,
        history.bp,
        insight.bp,
        insight_review.bp,
        openapi.bp,
        waiting.bp,
        customer_ws.bp,
        presence.bp,
        url_prefix="/api",
    )
