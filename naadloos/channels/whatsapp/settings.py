"""The `whatsapp` channel's settings: read through `naadloos.core.environment` (``WHATSAPP_*`` in
`.env.example`); a key of the channel's `credentials.yml` entry wins (`naadloos.channels.credentials`).

Unset, the channel is off but Rasa starts as before: webhooks get 503 and a log line that names
what to set, and nothing is sent. So `credentials.yml` can list the channel without ``${VAR}``
values, which would stop Rasa on a laptop without a WhatsApp account.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from naadloos.channels.credentials import credential_or
from naadloos.core.environment import SettingError, read_float, read_secret, read_text, read_url, var_file

DEFAULT_API_URL = "https://graph.facebook.com/v19.0"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_TEMPLATE_LANGUAGE = "nl"
WINDOW_DB_VARIABLE = "NAADLOOS_WHATSAPP_DB"
DEFAULT_WINDOW_DB = "whatsapp.sqlite3"


@dataclass(frozen=True)
class WhatsAppSettings:
    phone_number_id: str  # Meta's id of our business number (not the number itself)
    access_token: str = field(repr=False)  # sends messages (a system user's permanent token)
    app_secret: str = field(repr=False)  # signs every webhook (X-Hub-Signature-256)
    verify_token: str = field(repr=False)  # our own word for Meta's GET handshake
    api_url: str  # the Graph API with its version, without a trailing slash
    timeout_seconds: float
    template_name: str  # approved template for an agent's reply after the 24-hour window; "" = none
    template_language: str
    window_db: Path  # when each customer last wrote (the 24-hour window survives a restart)

    @classmethod
    def from_environment(cls, credentials: Mapping[str, Any] | None = None) -> WhatsAppSettings:
        settings = cls(
            phone_number_id=credential_or(credentials, "phone_number_id", read_text("WHATSAPP_PHONE_NUMBER_ID")),
            access_token=credential_or(credentials, "access_token", read_secret("WHATSAPP_ACCESS_TOKEN")),
            app_secret=credential_or(credentials, "app_secret", read_secret("WHATSAPP_APP_SECRET")),
            verify_token=credential_or(credentials, "verify_token", read_secret("WHATSAPP_VERIFY_TOKEN")),
            api_url=credential_or(credentials, "api_url", read_url("WHATSAPP_API_URL", DEFAULT_API_URL)).rstrip("/"),
            timeout_seconds=read_float("WHATSAPP_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
            template_name=credential_or(credentials, "template_name", read_text("WHATSAPP_TEMPLATE_NAME")),
            template_language=credential_or(
                credentials, "template_language", read_text("WHATSAPP_TEMPLATE_LANGUAGE", DEFAULT_TEMPLATE_LANGUAGE)
            ),
            window_db=var_file(WINDOW_DB_VARIABLE, DEFAULT_WINDOW_DB),
        )
        if not settings.api_url.startswith(("https://", "http://")):
            raise SettingError(f"WHATSAPP_API_URL must be a full URL (https://...), got '{settings.api_url}'")
        if settings.phone_number_id and not settings.phone_number_id.isdigit():
            raise SettingError(
                f"WHATSAPP_PHONE_NUMBER_ID must be Meta's numeric phone number id (WhatsApp > API Setup), "
                f"got '{settings.phone_number_id}'"
            )
        return settings

    def missing_for_handshake(self) -> list[str]:
        """What must be set before Meta's GET verification can be answered."""
        return [] if self.verify_token else ["WHATSAPP_VERIFY_TOKEN"]

    def missing_for_webhooks(self) -> list[str]:
        """What must be set before a message webhook can be verified."""
        return [] if self.app_secret else ["WHATSAPP_APP_SECRET"]

    def missing_for_sending(self) -> list[str]:
        """What must be set before anything can be sent."""
        return [name for name, value in (("WHATSAPP_PHONE_NUMBER_ID", self.phone_number_id),
                                         ("WHATSAPP_ACCESS_TOKEN", self.access_token)) if not value]

    def missing(self) -> list[str]:
        return [*self.missing_for_handshake(), *self.missing_for_webhooks(), *self.missing_for_sending()]
