"""Client for the live-chat service, as the bot side uses it (see livechat/README.md).

Every call has a short timeout. Anything that keeps the bot from getting a proper answer
(refused, timeout, 5xx, an unexpected reply) raises `LiveChatUnavailable`, so callers have
exactly one failure to handle: the no-agent path.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from yarl import URL

from naadloos.core.settings import Settings
from naadloos.handover_contract.schema import (  # re-exported: their home is the contract's schema
    Availability,
    Handover,
    HandoverRefused,
    LiveChatRejected,
    LiveChatUnavailable,
)
from naadloos.handover_contract.secret import load_shared_secret
from naadloos.handover_contract.signing import signature_headers

TIMEOUT_SECONDS = 3.0


class LiveChatClient:
    def __init__(self, base_url: str, secret: str, timeout_seconds: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    @classmethod
    def from_settings(cls) -> LiveChatClient:
        return cls(Settings.from_environment().livechat_url, load_shared_secret(), TIMEOUT_SECONDS)

    async def availability(self, team: str) -> Availability:
        status, body = await self._request("GET", "/api/availability", params={"team": team})
        if status != 200:
            raise LiveChatUnavailable(f"availability answered {status}")
        try:
            return Availability(
                bool(body["can_take_over"]), str(body["reason"]), int(body["estimated_wait_minutes"]), str(body["team"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise LiveChatUnavailable(f"availability answer not understood: {body}") from error

    async def create_handover(self, payload: dict[str, Any]) -> Handover:
        status, body = await self._request("POST", "/api/handovers", payload)
        if status == 409 and body.get("error") == "not_available":
            raise HandoverRefused(str(body.get("reason", "no_agents")))
        if status not in (200, 201):
            raise LiveChatUnavailable(f"hand-over answered {status}: {body}")
        return Handover(int(body["id"]), str(body["status"]), body.get("queue_position"), int(body["estimated_wait_minutes"]))

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A signed write that must succeed (tickets, callbacks, forwarded messages)."""
        status, body = await self._request("POST", path, payload)
        if status not in (200, 201):
            raise LiveChatRejected(f"{path} answered {status}: {body}", status)
        return body

    async def _request(
        self, method: str, path: str, payload: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        # Signed per call (a retry is a new request) over the URL object aiohttp sends unchanged.
        url = URL(self._base_url + path).update_query(params or {})
        headers = {"Content-Type": "application/json", **signature_headers(self._secret, method, url.raw_path_qs, body)}
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(method, url, data=body or None, headers=headers) as response:
                    if response.status >= 500:
                        raise LiveChatUnavailable(f"{path} answered {response.status}")
                    answer = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as error:
            raise LiveChatUnavailable(f"{path}: {error!r}") from error
        if not isinstance(answer, dict):
            raise LiveChatUnavailable(f"{path} answered {answer!r}")
        return response.status, answer
