"""Twilio for the `twilio` channel: its settings, the webhook signature, and sending messages.

- `TwilioSettings`: read through `naadloos.core.environment` (``TWILIO_*`` in `.env.example`); a key of
  the channel's `credentials.yml` entry wins (Rasa's names: ``account_sid``, ``auth_token``,
  ``twilio_number``; ours: ``whatsapp_number``, ``webhook_url``, ``api_url``).
- `twilio_signature`: what Twilio puts in ``X-Twilio-Signature``: Base64 of HMAC-SHA1, keyed with
  the auth token, over the full URL Twilio called followed by every POST parameter's name and
  value, sorted by name (https://www.twilio.com/docs/usage/webhooks/webhooks-security). The URL
  comes from the settings (`webhook_url`), not from the request: behind a proxy or load balancer
  the request's own URL differs from the one Twilio signed.
- `TwilioApi`: ``POST {api_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with aiohttp
  (`naadloos.channels.provider_http`; the twilio library's client blocks the event loop); every
  failure is a `ProviderError`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from naadloos.channels.credentials import check_urls, credential_or
from naadloos.channels.delivery import ProviderError
from naadloos.channels.provider_http import ProviderHttp
from naadloos.core.environment import read_float, read_secret, read_text, read_url

DEFAULT_API_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT_SECONDS = 10.0
WHATSAPP_PREFIX = "whatsapp:"  # Twilio's address of a WhatsApp user or sender: "whatsapp:+31612345678"
MAX_BODY_CHARACTERS = 1600  # Twilio refuses a longer Body (error 21617)


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str = field(repr=False)
    sms_number: str  # the sender of SMS replies, E.164: "+3197010203040"
    whatsapp_number: str  # the WhatsApp sender (without "whatsapp:"); default: sms_number
    webhook_url: str  # exactly the URL configured at Twilio: what Twilio signs
    api_url: str
    timeout_seconds: float

    @classmethod
    def from_environment(cls, credentials: Mapping[str, Any] | None = None) -> TwilioSettings:
        sms_number = credential_or(credentials, "twilio_number", read_text("TWILIO_NUMBER"))
        whatsapp_number = credential_or(credentials, "whatsapp_number", read_text("TWILIO_WHATSAPP_NUMBER", sms_number))
        settings = cls(
            account_sid=credential_or(credentials, "account_sid", read_text("TWILIO_ACCOUNT_SID")),
            auth_token=credential_or(credentials, "auth_token", read_secret("TWILIO_AUTH_TOKEN")),
            sms_number=sms_number.removeprefix(WHATSAPP_PREFIX),
            whatsapp_number=whatsapp_number.removeprefix(WHATSAPP_PREFIX),
            webhook_url=credential_or(credentials, "webhook_url", read_text("TWILIO_WEBHOOK_URL")),
            api_url=credential_or(credentials, "api_url", read_url("TWILIO_API_URL", DEFAULT_API_URL)).rstrip("/"),
            timeout_seconds=read_float("TWILIO_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
        )
        check_urls({"TWILIO_WEBHOOK_URL": settings.webhook_url, "TWILIO_API_URL": settings.api_url})
        return settings

    def missing_for_webhooks(self) -> list[str]:
        """The variables that must be set before a webhook can be verified."""
        return [name for name, value in (("TWILIO_AUTH_TOKEN", self.auth_token), ("TWILIO_WEBHOOK_URL", self.webhook_url))
                if not value]

    def missing_for_sending(self) -> list[str]:
        """The variables that must be set before anything can be sent."""
        return [name for name, value in (("TWILIO_ACCOUNT_SID", self.account_sid), ("TWILIO_AUTH_TOKEN", self.auth_token),
                                         ("TWILIO_NUMBER", self.sms_number or self.whatsapp_number)) if not value]

    def sender_for(self, recipient: str) -> str:
        """Our number that writes to `recipient`: the WhatsApp sender for "whatsapp:..." users."""
        if recipient.startswith(WHATSAPP_PREFIX):
            if not self.whatsapp_number:
                raise ProviderError("no WhatsApp sender number (TWILIO_WHATSAPP_NUMBER or TWILIO_NUMBER)")
            return WHATSAPP_PREFIX + self.whatsapp_number
        if not self.sms_number:
            raise ProviderError("no SMS sender number (TWILIO_NUMBER)")
        return self.sms_number


def conversation_id_of(address: str) -> str:
    """A customer's Twilio address ("whatsapp:+31612345678", "+31612345678") as their conversation
    id: without the "+" ("whatsapp:31612345678", like a WhatsApp wa_id). Rasa 3.6's HTTP API
    (Sanic 21.12) does not decode the conversation id in its URL path, so the "%2B" of a correctly
    encoded "+" would name another, empty conversation, and a colleague's reply pushed through it
    would go nowhere."""
    return address.replace("+", "", 1)


def address_of(conversation_id: str) -> str:
    """The Twilio address of a conversation (`conversation_id_of` undone): a phone number gets its
    "+" back; an address that has one already stays as it is."""
    kind, _, number = conversation_id.rpartition(":")
    prefix = f"{kind}:" if kind else ""
    return f"{prefix}+{number}" if number.isdigit() else conversation_id


def twilio_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """X-Twilio-Signature of a POST to `url` with the form parameters `params` (name, value pairs;
    blank values count). A name that occurs more than once contributes its values sorted."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_twilio_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str, signature: str) -> bool:
    """Whether `signature` is Twilio's for this request; compared in constant time."""
    expected = twilio_signature(url, params, auth_token).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


class TwilioApi:
    """Twilio's Messages API."""

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self.http = ProviderHttp("Twilio", settings.timeout_seconds)

    def messages_url(self) -> str:
        return f"{self.settings.api_url}/2010-04-01/Accounts/{quote(self.settings.account_sid, safe='')}/Messages.json"

    async def send_message(self, conversation_id: str, body: str = "", media_url: str = "") -> str:
        """Sends one message to the customer of `conversation_id` ("31612345678" or
        "whatsapp:31612345678", see `conversation_id_of`); Twilio's id of it (SM...)."""
        missing = self.settings.missing_for_sending()
        if missing:
            raise ProviderError(f"the Twilio channel cannot send: set {', '.join(missing)}")
        to = address_of(conversation_id)
        form = {"To": to, "From": self.settings.sender_for(to)}
        if body:
            form["Body"] = body
        if media_url:
            form["MediaUrl"] = media_url
        auth = aiohttp.BasicAuth(self.settings.account_sid, self.settings.auth_token)
        status, answer = await self.http.post(self.messages_url(), data=form, auth=auth)
        if status >= 300:
            raise ProviderError(f"Twilio answered HTTP {status}{_twilio_error(answer)}")
        return str(answer.get("sid", "")) if isinstance(answer, dict) else ""

    async def close(self) -> None:
        await self.http.close()


def _twilio_error(answer: Any) -> str:
    """": error 21211 (The 'To' number is not a valid phone number.)" from Twilio's error body."""
    if not isinstance(answer, dict) or "code" not in answer:
        return ""
    return f": error {answer.get('code')} ({str(answer.get('message', ''))[:200]})"
