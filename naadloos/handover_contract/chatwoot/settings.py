"""Settings of the Chatwoot back end and its webhook receiver, from environment variables through
the shared reader `naadloos.core.environment` (at call time, never at import; listed in `.env.example`
and docs/chatwoot.md).

A secret comes from its variable or from the file its ``*_FILE`` variable names (first line), so
it need not sit in the environment of every process. A mistake raises the shared settings error
(`ChatwootConfigError` here) naming the variable.

`python -m naadloos.handover_contract.chatwoot.settings NAME...` prints values for the shell scripts
as `CHATWOOT_<NAME>=value` (`make run` asks for ``bridge_host bridge_port``), like
`python -m naadloos.core.settings` does for the shared settings; secrets are never printed.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from naadloos.core.environment import SettingError, read_float, read_int, read_secret, read_text, read_url
from naadloos.core.settings import Settings, print_shell_values

MIN_WEBHOOK_SECRET_LENGTH = 16  # Chatwoot makes the secret itself; ours must not be a short guessable one
MIN_WEBHOOK_TOKEN_LENGTH = 32  # the pre-4.13 token in the URL path is all that protects the receiver

ChatwootConfigError = SettingError  # one error type for every setting; its name in this package


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
    # CHATWOOT_INBOX_ID: the API channel inbox where conversations from other channels appear
    # (0: unset; front-door conversations of the agent bot stay in their own inbox)
    inbox_id: int
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
        shared = Settings.from_environment()
        return cls(
            url=read_url("CHATWOOT_URL", ""),
            account_id=read_int("CHATWOOT_ACCOUNT_ID", 0),
            inbox_id=read_int("CHATWOOT_INBOX_ID", 0),
            teams=parse_teams(read_text("CHATWOOT_TEAMS")),
            timeout_seconds=read_float("CHATWOOT_TIMEOUT_SECONDS", 3.0),
            links_db=shared.chatwoot_db,
            webhook_window_seconds=read_int("CHATWOOT_WEBHOOK_WINDOW_SECONDS", 300),
            bridge_host=read_text("CHATWOOT_BRIDGE_HOST", "127.0.0.1"),
            bridge_port=read_int("CHATWOOT_BRIDGE_PORT", 5057, minimum=1),
            rasa_url=shared.rasa_url,
            api_token=read_secret("CHATWOOT_API_TOKEN"),
            webhook_secret=read_secret("CHATWOOT_WEBHOOK_SECRET"),
            webhook_token=read_secret("CHATWOOT_WEBHOOK_TOKEN"),
        )

    def require_api(self) -> ChatwootSettings:
        """Itself, when everything the back end needs to call Chatwoot is set. Not CHATWOOT_INBOX_ID:
        with Chatwoot only as the front door (its agent bot) every hand-over stays in the
        customer's own conversation; the back end asks for the inbox when a conversation from
        another channel needs one (`ChatwootBackend`, `INBOX_MISSING`)."""
        if not self.url.startswith(("http://", "https://")):
            raise ChatwootConfigError("CHATWOOT_URL must be set to Chatwoot's address (http:// or https://)")
        if self.account_id <= 0:
            raise ChatwootConfigError("CHATWOOT_ACCOUNT_ID must be set (a number from Chatwoot's address bar)")
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


if __name__ == "__main__":
    command = "naadloos.handover_contract.chatwoot.settings"
    sys.exit(print_shell_values(command, ChatwootSettings.from_environment, sys.argv[1:], prefix="chatwoot_"))
