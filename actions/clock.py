"""The current moment for actions whose wording depends on it (opening hours, "nu open").

Tests replace `now` on the action instance with a fixed moment, as the forms do with `today`.
"""
from __future__ import annotations

from datetime import datetime, timezone


class Clocked:
    """Mixin for an action that needs the current moment (timezone-aware, UTC)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)
