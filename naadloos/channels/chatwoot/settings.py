"""The `chatwoot` channel's settings: read through `naadloos.core.environment` (``CHATWOOT_*`` in
`.env.example`); a key of the channel's `credentials.yml` entry wins (`naadloos.channels.credentials`).

What the channel shares with the Chatwoot back end (address, account, timeout, the signature's
window, the links file) comes from `ChatwootSettings`, so each is set once. Its own two are the
agent bot's: the access token it posts replies with, and the secret Chatwoot signs its webhooks
with (Settings > Bots in Chatwoot).

Unset, the channel is off but Rasa starts as before: webhooks get 503 and a log line that names
what to set.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from naadloos.channels.credentials import check_urls, credential_or
from naadloos.core.environment import SettingError, read_secret
from naadloos.core.settings import Settings
from naadloos.handover_contract.backend import CHATWOOT
from naadloos.handover_contract.chatwoot.settings import MIN_WEBHOOK_SECRET_LENGTH, ChatwootSettings

BOT_TOKEN_VARIABLE = "CHATWOOT_AGENT_BOT_TOKEN"
BOT_SECRET_VARIABLE = "CHATWOOT_AGENT_BOT_SECRET"


def _account_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise SettingError(f"CHATWOOT_ACCOUNT_ID must be a whole number (from Chatwoot's address bar), got '{raw}'")
    return int(raw)


@dataclass(frozen=True)
class FrontDoorSettings:
    url: str  # CHATWOOT_URL: where Rasa reaches Chatwoot's API
    account_id: int  # CHATWOOT_ACCOUNT_ID: only this account's webhooks are taken
    bot_token: str = field(repr=False)  # CHATWOOT_AGENT_BOT_TOKEN(_FILE): the agent bot's access token
    bot_secret: str = field(repr=False)  # CHATWOOT_AGENT_BOT_SECRET(_FILE): signs the agent bot's webhooks
    window_seconds: int  # CHATWOOT_WEBHOOK_WINDOW_SECONDS: allowed clock difference of a signed webhook
    timeout_seconds: float  # CHATWOOT_TIMEOUT_SECONDS: per call to Chatwoot
    # NAADLOOS_CHATWOOT_DB when the hand-over goes to Chatwoot (NAADLOOS_HANDOVER_BACKEND=chatwoot):
    # where the back end notes the conversations it handed over; None with another back end.
    links_db: Path | None

    @classmethod
    def from_environment(cls, credentials: Mapping[str, Any] | None = None) -> FrontDoorSettings:
        shared = ChatwootSettings.from_environment()
        settings = cls(
            url=credential_or(credentials, "url", shared.url).rstrip("/"),
            account_id=_account_id(credential_or(credentials, "account_id", str(shared.account_id))),
            bot_token=credential_or(credentials, "bot_token", read_secret(BOT_TOKEN_VARIABLE)),
            bot_secret=credential_or(credentials, "bot_secret", read_secret(BOT_SECRET_VARIABLE)),
            window_seconds=shared.webhook_window_seconds,
            timeout_seconds=shared.timeout_seconds,
            links_db=shared.links_db if Settings.from_environment().handover_backend == CHATWOOT else None,
        )
        check_urls({"CHATWOOT_URL": settings.url})
        if settings.bot_secret and len(settings.bot_secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise SettingError(
                f"{BOT_SECRET_VARIABLE} must be at least {MIN_WEBHOOK_SECRET_LENGTH} characters "
                "(Chatwoot shows the bot's secret in Settings > Bots)"
            )
        return settings

    def missing(self) -> list[str]:
        """The variables that must be set before the channel can work."""
        return [
            name
            for name, value in (
                ("CHATWOOT_URL", self.url),
                ("CHATWOOT_ACCOUNT_ID", self.account_id > 0),
                (BOT_TOKEN_VARIABLE, self.bot_token),
                (BOT_SECRET_VARIABLE, self.bot_secret),
            )
            if not value
        ]
