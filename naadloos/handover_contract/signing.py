"""Signatures of bot -> live-chat requests.

A signed request carries three headers:

- ``X-Naadloos-Timestamp``: Unix time in whole seconds when it was signed (ASCII digits only);
- ``X-Naadloos-Nonce``: 32 random lowercase hex characters, new for every request;
- ``X-Naadloos-Signature``: lowercase hex HMAC-SHA256 with the shared secret over the canonical
  request, the bytes ``f"{timestamp}\\n{nonce}\\n{METHOD}\\n{path_with_query}\\n"`` + the body.

``path_with_query`` is the request target exactly as sent on the wire: the percent-encoded path,
plus ``?`` and the raw query string when there is one. The body is the exact bytes sent (empty for
GET). So a captured request is only valid for the same method, path, query and body, and only
within the window around its timestamp; the nonce makes two identical calls in the same second
differ, so the receiver can refuse any signature it has seen before (a replay).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Naadloos-Timestamp"
NONCE_HEADER = "X-Naadloos-Nonce"
SIGNATURE_HEADER = "X-Naadloos-Signature"

NONCE_BYTES = 16
# Character classes, not str.isdigit()/isdecimal(): those accept superscripts and other scripts'
# digits ("¹²", "١٢"), which int() then refuses or silently converts.
_TIMESTAMP = re.compile(r"(?:0|[1-9][0-9]{0,11})")
_NONCE = re.compile(f"[0-9a-f]{{{2 * NONCE_BYTES}}}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class SignatureError(Exception):
    """The request is not signed, wrongly signed or outside the time window (the message says which)."""


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that matched: the receiver remembers it until `timestamp` + window."""

    signature: str
    timestamp: int


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def canonical_request(
    timestamp: int, nonce: str, method: str, path_with_query: bytes | str, body: bytes | str
) -> bytes:
    """The bytes that are signed; see the module docstring."""
    head = f"{int(timestamp)}\n{nonce}\n{method.upper()}\n".encode("ascii")
    return head + _as_bytes(path_with_query) + b"\n" + _as_bytes(body)


def sign(
    secret: str, timestamp: int, nonce: str, method: str, path_with_query: bytes | str, body: bytes | str
) -> str:
    """Lowercase hex HMAC-SHA256 of the canonical request with `secret`."""
    message = canonical_request(timestamp, nonce, method, path_with_query, body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_headers(
    secret: str,
    method: str,
    path_with_query: str,
    body: bytes | str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The three headers for one request (now and with a fresh nonce, unless given).

    `path_with_query` must be what the HTTP client puts on the wire (with aiohttp: the
    `raw_path_qs` of the `yarl.URL` object that is passed to it).
    """
    moment = int(time.time()) if timestamp is None else int(timestamp)
    once = secrets.token_hex(NONCE_BYTES) if nonce is None else nonce
    return {
        TIMESTAMP_HEADER: str(moment),
        NONCE_HEADER: once,
        SIGNATURE_HEADER: sign(secret, moment, once, method, path_with_query, body),
    }


def verify_signature(
    secret: str,
    method: str,
    path_with_query: bytes | str,
    body: bytes,
    headers: Mapping[str, str],
    now: float,
    window_seconds: int,
) -> VerifiedSignature:
    """The matching signature, or `SignatureError` with a short reason. Constant-time compare.

    Replays inside the window are the caller's to refuse (it remembers `VerifiedSignature`s).
    """
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    nonce = headers.get(NONCE_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not raw_timestamp or not nonce or not signature:
        raise SignatureError("missing signature headers")
    if not _TIMESTAMP.fullmatch(raw_timestamp):
        raise SignatureError("invalid timestamp")
    if not _NONCE.fullmatch(nonce):
        raise SignatureError("invalid nonce")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > window_seconds:
        raise SignatureError("timestamp outside the allowed window")
    given = signature.lower() if signature.isascii() else signature
    if not _SIGNATURE.fullmatch(given):
        raise SignatureError("invalid signature")
    expected = sign(secret, timestamp, nonce, method, path_with_query, body)
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("ascii")):
        raise SignatureError("invalid signature")
    return VerifiedSignature(given, timestamp)
