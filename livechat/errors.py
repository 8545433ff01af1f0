"""Errors that carry an HTTP status: raised by the flows, rendered as JSON by `livechat.api.errors`."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with a status, a machine-readable code, a message and optional details."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
