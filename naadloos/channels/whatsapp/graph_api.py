"""Sending through WhatsApp's Cloud API: ``POST {api_url}/{phone-number-id}/messages`` with the
access token as Bearer token (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).

Every failure is a `ProviderError` (`naadloos.channels.delivery`), without secrets in its text.
Meta's answer tells two kinds apart, and the channel acts on the difference:

- `GraphRefused`: Meta answered with an error that the same request will get again (a wrong
  template, an invalid number); `OutsideServiceWindow` is the one for "the customer's last
  message is more than 24 hours old" (error 131047).
- any other `ProviderError`: unreachable, too slow, a server error or a rate limit: worth a retry.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import aiohttp

from naadloos.channels.delivery import ProviderError
from naadloos.channels.whatsapp.settings import WhatsAppSettings

OUTSIDE_WINDOW_CODE = 131047  # "Re-engagement message": more than 24 hours since the customer wrote
# Error codes that mean "not now" rather than "never": throttling and temporary trouble at Meta.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 80007, 130429, 131000, 131016, 131056})


class GraphRefused(ProviderError):
    """Meta refused the message for a reason that a retry does not change."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


class OutsideServiceWindow(GraphRefused):
    """Meta refused a free-form message: the customer's 24-hour window is closed."""


class GraphApi:
    """One aiohttp session, created on first use (inside the event loop), closed by `close()`."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    def messages_url(self) -> str:
        return f"{self.settings.api_url}/{quote(self.settings.phone_number_id, safe='')}/messages"

    async def send(self, to: str, message: dict[str, Any]) -> str:
        """Sends `message` (its ``type`` and that type's object, `naadloos.channels.whatsapp.messages`)
        to the customer `to` (a wa_id); WhatsApp's id of it."""
        missing = self.settings.missing_for_sending()
        if missing:
            raise ProviderError(f"the WhatsApp channel cannot send: set {', '.join(missing)}")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds))
        headers = {"Authorization": f"Bearer {self.settings.access_token}"}
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        try:
            async with self._session.post(self.messages_url(), json=body, headers=headers) as reply:
                status, raw = reply.status, await reply.text()
        except asyncio.TimeoutError as error:
            raise ProviderError(f"WhatsApp did not answer within {self.settings.timeout_seconds:g} s") from error
        except aiohttp.ClientError as error:
            raise ProviderError(f"WhatsApp is not reachable ({type(error).__name__})") from error
        answer = _json_or_none(raw)
        if status >= 300:
            raise _error(status, answer)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else None
        return str(first.get("id", "")) if isinstance(first, dict) else ""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _json_or_none(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error(status: int, answer: Any) -> ProviderError:
    """The error for Meta's answer ``{"error": {"message", "code", "error_data": {"details"}}}``."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return ProviderError(f"WhatsApp answered HTTP {status}")
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = f"WhatsApp answered HTTP {status}: error {code} ({str(details or error.get('message') or '')[:200]})"
    if status >= 500 or status == 429 or code in TRANSIENT_CODES:
        return ProviderError(text)
    if code == OUTSIDE_WINDOW_CODE:
        return OutsideServiceWindow(text, code)
    return GraphRefused(text, code)
