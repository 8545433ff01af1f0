"""The HTTP API: one blueprint per area, all under /api.

Bot side (HMAC-signed, see `livechat.security`): handovers, conversations, no_agent.
Open: availability, openapi (this API's description), waiting (with the customer's wait token).
Agent side (session cookie): agents, desk, desk_ws.
"""
from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from livechat.api import agents, availability, conversations, desk, desk_ws, handovers, inbox, no_agent, openapi, waiting


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
        openapi.bp,
        waiting.bp,
        url_prefix="/api",
    )
