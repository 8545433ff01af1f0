"""Calls to a provider's HTTP API (Twilio, WhatsApp Cloud API, ...) from an output channel: one
aiohttp session per API, made on first use inside the running event loop (never at import or in
another loop), a total timeout per call, and every transport failure as a `ProviderError` that
names the provider. What an error *answer* means is the provider module's business: `post`
returns the status and the parsed JSON body."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from naadloos.channels.delivery import ProviderError


class ProviderHttp:
    def __init__(self, provider: str, timeout_seconds: float) -> None:
        self.provider = provider  # as messages name it: "Twilio"
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, **request: Any) -> tuple[int, Any]:
        """POSTs to `url` (`request`: aiohttp's keyword arguments, e.g. ``data``, ``json``,
        ``headers``, ``auth``); the status and the JSON answer (None when the body is not JSON)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_seconds))
        try:
            async with self._session.post(url, **request) as reply:
                status, raw = reply.status, await reply.text()
        except asyncio.TimeoutError as error:
            raise ProviderError(f"{self.provider} did not answer within {self.timeout_seconds:g} s") from error
        except aiohttp.ClientError as error:
            raise ProviderError(f"{self.provider} is not reachable ({type(error).__name__})") from error
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
