"""Signatures for the bot -> live-chat API, agent password hashing and agent session tokens.

Signed requests carry two headers:

- ``X-Naadloos-Timestamp``: Unix time in whole seconds when the request was signed;
- ``X-Naadloos-Signature``: hex HMAC-SHA256 with the shared secret over ``f"{timestamp}.{raw_body}"``
  (the exact bytes sent; an empty body for GET).

A request is accepted when the signature matches (constant-time compare) and the timestamp lies
within the window, in the past or in the future. Replaying a request inside the window is harmless
because every signed write carries an idempotency key. The bot side imports `sign` /
`signature_headers` from here so both sides compute the same thing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Naadloos-Timestamp"
SIGNATURE_HEADER = "X-Naadloos-Signature"

# scrypt cost: n=2**14, r=8, p=1 uses 16 MiB and ~50 ms per hash; parameters are stored per hash.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_LENGTH = 32
SALT_BYTES = 16


class SignatureError(Exception):
    """The request is not signed, wrongly signed or outside the time window."""


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def sign(secret: str, body: bytes | str, timestamp: int) -> str:
    """Hex HMAC-SHA256 over f"{timestamp}.{body}" with `secret`."""
    message = str(int(timestamp)).encode("ascii") + b"." + _as_bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_headers(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers for a signed request with `body` (now, unless `timestamp` is given)."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return {TIMESTAMP_HEADER: str(moment), SIGNATURE_HEADER: sign(secret, body, moment)}


def verify_signature(
    secret: str, body: bytes, headers: Mapping[str, str], now: float, window_seconds: int
) -> None:
    """Raises `SignatureError` with a short reason unless the headers sign `body` within the window."""
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not raw_timestamp or not signature:
        raise SignatureError("missing signature headers")
    if not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise SignatureError("invalid timestamp")
    if abs(now - int(raw_timestamp)) > window_seconds:
        raise SignatureError("timestamp outside the allowed window")
    expected = sign(secret, body, int(raw_timestamp))
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise SignatureError("invalid signature")


# --- passwords ----------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """'scrypt$<n>$<r>$<p>$<salt>$<hash>' with a random salt (base64 fields)."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LENGTH
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`; False for a malformed hash. Constant-time compare."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash to verify against when the username does not exist, so timing does not reveal that.
_DUMMY_HASH = None


def dummy_password_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    verify_password(password, _DUMMY_HASH)


def generate_password() -> str:
    """A random password that people can type: 4 groups of 5 characters, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


# --- sessions -----------------------------------------------------------------------------------
def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_session_token(token: str) -> str:
    """Only this hash is stored: a database leak does not hand out live sessions."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
