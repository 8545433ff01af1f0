"""A channel setting from its `credentials.yml` entry or, when that leaves it out, the environment;
and the check that a URL setting is a full URL.

Our channels read their settings from environment variables through `naadloos.core.environment`
(listed in `.env.example`), so `credentials.yml` needs no ``${VAR}`` that would stop Rasa when a
laptop has no account at the provider: an unset variable leaves the channel off instead. A key in
the channel's `credentials.yml` entry (Rasa's own names, e.g. ``auth_token: ${TWILIO_AUTH_TOKEN}``)
still wins, for deployments that keep channel secrets there.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naadloos.core.environment import SettingError


def credential_or(credentials: Mapping[str, Any] | None, key: str, from_environment: str) -> str:
    """`credentials[key]` without surrounding spaces when it is set and not empty, else `from_environment`."""
    value = (credentials or {}).get(key)
    text = "" if value is None else str(value).strip()
    return text or from_environment


def check_urls(urls: Mapping[str, str]) -> None:
    """Each set value of `urls` (variable name -> value) is a full http(s) URL; SettingError otherwise."""
    for name, url in urls.items():
        if url and not url.startswith(("https://", "http://")):
            raise SettingError(f"{name} must be a full URL (https://...), got '{url}'")
