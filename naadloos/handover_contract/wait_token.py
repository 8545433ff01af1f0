"""The customer's wait token: lets the web chat page ask how its own hand-over is doing.

The bot gives the page the token with the hand-over message; the page shows it to the live-chat
service's open `GET /api/waiting/<token>`, which answers only status, place in the queue and
expected wait. The token is ``<hand-over id>.<tag>``, the tag an HMAC-SHA256 with the shared
secret over the id (domain-separated from request signatures), so it can be checked without
storing it and nobody can make one for another hand-over: counting through ids gets nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import re

_PURPOSE = b"naadloos-wait-token\n"
TAG_HEX_CHARACTERS = 32  # 128 bits
_TOKEN = re.compile(rf"([1-9][0-9]{{0,17}})\.([0-9a-f]{{{TAG_HEX_CHARACTERS}}})")


def _tag(secret: str, handover_id: int) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + str(handover_id).encode(), hashlib.sha256).hexdigest()
    return digest[:TAG_HEX_CHARACTERS]


def wait_token(secret: str, handover_id: int) -> str:
    """The token for hand-over `handover_id`."""
    return f"{handover_id}.{_tag(secret, handover_id)}"


def handover_id_of(secret: str, token: str) -> int | None:
    """The hand-over id a genuine token names; None for anything else (no hint why)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    handover_id = int(match.group(1))
    return handover_id if hmac.compare_digest(_tag(secret, handover_id), match.group(2)) else None
