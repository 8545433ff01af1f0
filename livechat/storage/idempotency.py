"""Idempotency keys of the bot's writes (hand-overs, tickets, callback requests).

A retried call (same key, same conversation, same request) gets the stored record back. A key
that comes back with another conversation or another request is a bug or an attack on the
caller's side: it gets 409 ``idempotency_conflict`` and none of the stored record's data.

"The same request" means the same validated values: each row keeps the SHA-256 of its
validated request as canonical JSON (sorted keys, no whitespace, times in UTC), without the
key itself. So the order of keys, surrounding spaces or a phone number written as
``+31 6 1234 5678`` instead of ``06-12345678`` do not count as a difference; any changed value
does. Rows stored before the fingerprint existed (``request_hash`` NULL) are checked on their
conversation only.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from livechat.errors import ApiError
from livechat.storage.schema import iso

KEY_FIELD = "idempotency_key"


class IdempotencyConflict(ApiError):
    """409: the key was used before for another conversation or another request."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "idempotency_conflict", message, field=KEY_FIELD)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not part of a request")


def request_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the validated request without its idempotency key."""
    canonical = json.dumps(
        {name: value for name, value in values.items() if name != KEY_FIELD},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_same_request(stored: Any, conversation_id: str, fingerprint: str) -> None:
    """Raises `IdempotencyConflict` unless the stored row (with `conversation_id` and
    `request_hash`) was made by this same request."""
    if stored.conversation_id != conversation_id:
        raise IdempotencyConflict("this idempotency key was already used for another conversation")
    if stored.request_hash is not None and stored.request_hash != fingerprint:
        raise IdempotencyConflict("this idempotency key was already used with a different request")
