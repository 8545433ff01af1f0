"""A stand-in Twilio for the tests: a real HTTP server (aiohttp, a free localhost port) with the
Messages API in Twilio's request and response shapes, and Twilio's incoming-message webhooks.

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP Basic auth with the account SID
  and auth token (401 and Twilio's error 20003 otherwise), a form with ``To``, ``From`` and
  ``Body`` and/or ``MediaUrl`` (400 and error 21602 without a body); 201 with the message resource.
  What was sent is kept in `sent`.
- `mode`: "ok"; "error" answers 500 (error 20500); "refuse" answers 400 (error 21211, invalid To);
  "slow" waits `delay` seconds first.
- `webhook` posts an incoming message to a URL as Twilio does: form-encoded, every parameter Twilio
  sends (blank ones too), signed in ``X-Twilio-Signature`` with Twilio's own library
  (`twilio.request_validator`), not with the channel's code, so a mistake in one is not mirrored
  by the other.
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from email.utils import formatdate

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.channels.fake_provider import FakeProvider

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
OUR_NUMBER = "+3197010203040"


def twilio_error(status: int, code: int, message: str) -> web.Response:
    """Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions)."""
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return web.json_response(body, status=status)


def message_sid() -> str:
    return "SM" + uuid.uuid4().hex


@dataclass
class FakeTwilio(FakeProvider):
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    mode: str = "ok"
    delay: float = 3.0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create_message)

    async def _create_message(self, request: web.Request) -> web.Response:
        expected = aiohttp.BasicAuth(self.account_sid, self.auth_token).encode()
        if request.headers.get("Authorization") != expected or request.match_info["account"] != self.account_sid:
            return twilio_error(401, 20003, "Authenticate")
        if self.mode == "error":
            return twilio_error(500, 20500, "Internal Server Error")
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        form = await request.post()
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        media = form.getall("MediaUrl", [])
        if not to or not sender:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if self.mode == "refuse":
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body and not media:
            return twilio_error(400, 21602, "Message body is required.")
        sid = message_sid()
        self.sent.append({"to": to, "from": sender, "body": body, "media_url": list(media), "sid": sid})
        resource = {
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "body": body,
            "status": "queued", "num_media": str(len(media)), "num_segments": "1", "direction": "outbound-api",
            "api_version": "2010-04-01", "date_created": formatdate(usegmt=True), "date_sent": None,
            "date_updated": formatdate(usegmt=True), "error_code": None, "error_message": None, "price": None,
            "price_unit": "USD", "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
        }
        return web.json_response(resource, status=201)

    def texts_to(self, recipient: str) -> list[str]:
        return [message["body"] for message in self.sent if message["to"] == recipient]

    # --- what Twilio sends us -----------------------------------------------------------------------
    def incoming(self, customer: str, body: str, whatsapp: bool = True, **extra: str) -> list[tuple[str, str]]:
        """The form parameters of an incoming message, as Twilio's Messaging webhook sends them."""
        sid = message_sid()
        prefix = "whatsapp:" if whatsapp else ""
        params = {
            "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Klant", "SmsSid": sid, "SmsStatus": "received",
            "Body": body, "To": prefix + OUR_NUMBER, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
            "AccountSid": self.account_sid, "From": prefix + customer, "ApiVersion": "2010-04-01",
        }
        if whatsapp:
            params["WaId"] = customer.lstrip("+")
            params["MessageType"] = "text"
        params.update(extra)
        return list(params.items())

    def signature(self, url: str, params: list[tuple[str, str]], auth_token: str | None = None) -> str:
        return RequestValidator(auth_token or self.auth_token).compute_signature(url, dict(params))

    async def webhook(
        self, url: str, params: list[tuple[str, str]], signed_url: str | None = None, signature: str | None = None
    ) -> tuple[int, str]:
        """POSTs `params` to `url` signed for `signed_url` (default `url`), or with `signature`."""
        headers = {
            "X-Twilio-Signature": self.signature(signed_url or url, params) if signature is None else signature,
            "User-Agent": "TwilioProxy/1.1",
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=params, headers=headers) as reply:
                return reply.status, await reply.text()
