"""Settings of the Chatwoot back end and its webhook receiver, from environment variables (read at
call time, never at import; listed in `.env.example` and docs/chatwoot.md).

A secret comes from its variable or from the file its ``*_FILE`` variable names (first line), so
it need not sit in the environment of every process. A mistake raises `ChatwootConfigError`
naming the variable.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from naadloos.settings import PROJECT_ROOT, Settings

MIN_WEBHOOK_SECRET_LENGTH = 16  # Chatwoot makes the secret itself; ours must not be a short guessable one
MIN_WEBHOOK_TOKEN_LENGTH = 32  # the pre-4.13 token in the URL path is all that protects the receiver


class ChatwootConfigError(ValueError):
    """A Chatwoot setting is missing or malformed (the message names the variable)."""


def _secret(variable: str) -> str:
    """`variable`, or the first line of the file `variable`_FILE names; "" when neither is set."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    name = os.environ.get(f"{variable}_FILE", "").strip()
    if not name:
        return ""
    path = Path(name) if Path(name).is_absolute() else PROJECT_ROOT / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ChatwootConfigError(f"{variable}_FILE={name}: cannot read it ({error.strerror})") from error
    return lines[0].strip() if lines else ""


def _number(variable: str, default: str, cls: type = int) -> int | float:
    raw = (os.environ.get(variable) or default).strip()
    try:
        value = cls(raw)
    except ValueError as error:
        raise ChatwootConfigError(f"{variable} must be a number, not {raw!r}") from error
    if value < 0:
        raise ChatwootConfigError(f"{variable} must not be negative")
    return value


def parse_teams(raw: str) -> dict[str, int]:
    """'klantenservice=1, fraude=4' -> {'klantenservice': 1, 'fraude': 4}: our team -> Chatwoot team id."""
    teams: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in raw.split(","))):
        name, separator, number = part.partition("=")
        if not separator or not name.strip() or not number.strip().isascii() or not number.strip().isdigit():
            raise ChatwootConfigError(f"CHATWOOT_TEAMS: {part!r} is not like klantenservice=1")
        teams[name.strip()] = int(number.strip())
    return teams


@dataclass(frozen=True)
class ChatwootSettings:
    url: str  # CHATWOOT_URL: where Naadloos reaches Chatwoot, e.g. https://chatwoot.example.nl
    account_id: int  # CHATWOOT_ACCOUNT_ID
    inbox_id: int  # CHATWOOT_INBOX_ID: the API channel inbox the conversations appear in
    teams: Mapping[str, int]  # CHATWOOT_TEAMS: our team -> Chatwoot team; unlisted teams: no team, the inbox
    timeout_seconds: float  # CHATWOOT_TIMEOUT_SECONDS: per call to Chatwoot's API
    links_db: Path  # NAADLOOS_CHATWOOT_DB: which Chatwoot conversation belongs to which customer
    webhook_window_seconds: int  # CHATWOOT_WEBHOOK_WINDOW_SECONDS: allowed clock difference of a signed webhook
    bridge_host: str  # CHATWOOT_BRIDGE_HOST
    bridge_port: int  # CHATWOOT_BRIDGE_PORT
    rasa_url: str  # RASA_URL: where the receiver delivers agents' messages
    api_token: str = field(default="", repr=False)  # CHATWOOT_API_TOKEN(_FILE): an agent's or bot's access token
    webhook_secret: str = field(default="", repr=False)  # CHATWOOT_WEBHOOK_SECRET(_FILE): signed webhooks (4.13+)
    webhook_token: str = field(default="", repr=False)  # CHATWOOT_WEBHOOK_TOKEN(_FILE): URL token (before 4.13)

    @classmethod
    def from_environment(cls) -> ChatwootSettings:
        return cls(
            url=(os.environ.get("CHATWOOT_URL") or "").strip().rstrip("/"),
            account_id=int(_number("CHATWOOT_ACCOUNT_ID", "0")),
            inbox_id=int(_number("CHATWOOT_INBOX_ID", "0")),
            teams=parse_teams(os.environ.get("CHATWOOT_TEAMS") or ""),
            timeout_seconds=float(_number("CHATWOOT_TIMEOUT_SECONDS", "3", float)),
            links_db=Settings.from_environment().chatwoot_db,
            webhook_window_seconds=int(_number("CHATWOOT_WEBHOOK_WINDOW_SECONDS", "300")),
            bridge_host=(os.environ.get("CHATWOOT_BRIDGE_HOST") or "127.0.0.1").strip(),
            bridge_port=int(_number("CHATWOOT_BRIDGE_PORT", "5057")),
            rasa_url=(os.environ.get("RASA_URL") or "http://localhost:5005").strip().rstrip("/"),
            api_token=_secret("CHATWOOT_API_TOKEN"),
            webhook_secret=_secret("CHATWOOT_WEBHOOK_SECRET"),
            webhook_token=_secret("CHATWOOT_WEBHOOK_TOKEN"),
        )

    def require_api(self) -> ChatwootSettings:
        """Itself, when everything the back end needs to call Chatwoot is set."""
        if not self.url.startswith(("http://", "https://")):
            raise ChatwootConfigError("CHATWOOT_URL must be set to Chatwoot's address (http:// or https://)")
        for variable, value in (("CHATWOOT_ACCOUNT_ID", self.account_id), ("CHATWOOT_INBOX_ID", self.inbox_id)):
            if value <= 0:
                raise ChatwootConfigError(f"{variable} must be set (a number from Chatwoot's address bar)")
        if not self.api_token:
            raise ChatwootConfigError(
                "CHATWOOT_API_TOKEN or CHATWOOT_API_TOKEN_FILE must be set (Chatwoot: Profile settings -> Access token)"
            )
        return self

    def require_webhooks(self) -> ChatwootSettings:
        """Itself, when the receiver can tell Chatwoot's webhooks from forged ones."""
        if not self.webhook_secret and not self.webhook_token:
            raise ChatwootConfigError(
                "set CHATWOOT_WEBHOOK_SECRET (Chatwoot 4.13 and later) or CHATWOOT_WEBHOOK_TOKEN (older versions)"
            )
        if self.webhook_secret and len(self.webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise ChatwootConfigError(f"CHATWOOT_WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET_LENGTH} characters")
        token = self.webhook_token
        if token and (len(token) < MIN_WEBHOOK_TOKEN_LENGTH or not (token.isascii() and token.isalnum())):
            raise ChatwootConfigError(
                f"CHATWOOT_WEBHOOK_TOKEN must be at least {MIN_WEBHOOK_TOKEN_LENGTH} letters and digits "
                "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if self.account_id <= 0 or self.inbox_id <= 0:
            raise ChatwootConfigError("CHATWOOT_ACCOUNT_ID and CHATWOOT_INBOX_ID must be set: only their webhooks are taken")
        return self
