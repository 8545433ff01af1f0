"""A JSON object read from text that another process sent or stored (a queue message, an outbox
row): one reading, and one way to fail, for every reader."""
from __future__ import annotations

import json
from typing import Any


def json_object(raw: str | bytes, error: type[Exception] = ValueError) -> dict[str, Any]:
    """`raw` read as a JSON object; otherwise `error` saying "not JSON: ..." or "not a JSON object"
    (a caller passes its own error type, which its callers already handle)."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as reason:  # UnicodeDecodeError is a ValueError; too deep a nesting
        raise error(f"not JSON: {reason}") from reason
    if not isinstance(value, dict):
        raise error("not a JSON object")
    return value
