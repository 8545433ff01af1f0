"""How the webhook receiver tells Chatwoot's webhooks from forged and replayed ones.

**Signed (Chatwoot 4.13 and later).** Chatwoot sends ``X-Chatwoot-Timestamp`` (Unix seconds),
``X-Chatwoot-Delivery`` (a unique id per delivery) and ``X-Chatwoot-Signature:
sha256=<lowercase hex HMAC-SHA256(secret, "{timestamp}.{raw body}")>``. A request is taken when the
signature matches (constant-time compare) and the timestamp is at most the window (300 s) away;
the delivery id is remembered for as long as the timestamp could still pass, so a replay inside
the window is processed once.

**Token in the URL (older versions).** Before 4.13 API-inbox webhooks are not signed. Then the
webhook URL ends in a long random token, compared in constant time. This is weaker: the token
travels in every request and ends up in proxy and server logs, and a captured request can be
replayed for as long as its delivery id (or body) is remembered (`TOKEN_REPLAY_SECONDS`), then
again. Use HTTPS and upgrade Chatwoot.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
SIGNATURE_PREFIX = "sha256="
TOKEN_REPLAY_SECONDS = 7 * 24 * 3600  # token mode: deliveries remembered this long (no timestamp to rely on)

_TIMESTAMP = re.compile(r"(?:0|[1-9][0-9]{0,11})")
_SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")
_DELIVERY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}")


class WebhookRejected(Exception):
    """Not a genuine, fresh webhook (the message says why; the answer is 401)."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + lowercase hex HMAC-SHA256 over ``"{timestamp}.{body}"``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signed(secret: str, headers: Mapping[str, str], body: bytes, now: float, window_seconds: int) -> int:
    """The webhook's timestamp when it is genuine and fresh; `WebhookRejected` otherwise."""
    raw_timestamp = headers.get(TIMESTAMP_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    if not raw_timestamp or not given:
        raise WebhookRejected("missing signature headers")
    if not _TIMESTAMP.fullmatch(raw_timestamp):
        raise WebhookRejected("invalid timestamp")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > window_seconds:
        raise WebhookRejected("timestamp outside the allowed window")
    given = given.lower() if given.isascii() else given
    if not _SIGNATURE.fullmatch(given):
        raise WebhookRejected("invalid signature")
    if not hmac.compare_digest(signature(secret, raw_timestamp, body).encode("ascii"), given.encode("ascii")):
        raise WebhookRejected("invalid signature")
    return timestamp


def token_matches(expected: str, given: str) -> bool:
    """Whether the token from the URL is the configured one (constant time)."""
    return bool(expected) and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def delivery_key(headers: Mapping[str, str], body: bytes) -> str:
    """What makes a delivery the same one again: Chatwoot's delivery id, or, when a version sends
    none (or a strange one), the body's hash (an identical body is the same event)."""
    delivery = headers.get(DELIVERY_HEADER) or ""
    if _DELIVERY.fullmatch(delivery):
        return f"delivery:{delivery}"
    return "body:" + hashlib.sha256(body).hexdigest()
