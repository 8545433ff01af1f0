"""The HTTP API: one blueprint per area, all under /api.

Bot side (HMAC-signed, see `livechat.security`): handovers, conversations, no_agent.
Open: availability, openapi (this API's description). Agent side (session cookie): agents, desk, desk_ws.
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from livechat.api import agents, availability, conversations, desk, desk_ws, handovers, no_agent, openapi


def api_group() -> BlueprintGroup:
    return Blueprint.group(
        handovers.bp,
        conversations.bp,
        availability.bp,
        no_agent.bp,
        agents.bp,
        desk.bp,
        desk_ws.bp,
        openapi.bp,
        url_prefix="/api",
    )
