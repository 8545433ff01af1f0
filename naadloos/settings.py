"""Typed settings read from environment variables, with defaults that work on a laptop.

Read at call time (never at import), so tests and deployments can set the environment first.
Every variable is listed in `.env.example`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from naadloos.escalation_config import EscalationConfig, load_escalation_config
from naadloos.organisation import Organisation, load_organisation

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(variable: str, default: str) -> Path:
    path = Path(os.environ.get(variable) or default)
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    organisation_file: Path
    escalation_file: Path  # when and how to hand over, edited by conversation designers
    backoffice_db: Path
    livechat_url: str  # the live-chat service, as the bot side reaches it
    outbox_db: Path  # hand-over records kept while the live-chat service is unreachable
    handover_backend: str = "builtin"  # who takes over: builtin | chatwoot (naadloos.handover_contract.backend)
    chatwoot_db: Path = PROJECT_ROOT / "var/chatwoot.sqlite3"  # Chatwoot back end: which conversation is whose

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            organisation_file=_path("NAADLOOS_ORGANISATION_FILE", "config/organisation.yml"),
            escalation_file=_path("NAADLOOS_ESCALATION_FILE", "config/escalation.yml"),
            backoffice_db=_path("NAADLOOS_BACKOFFICE_DB", "var/backoffice.sqlite3"),
            livechat_url=(os.environ.get("LIVECHAT_URL") or "http://127.0.0.1:5056").rstrip("/"),
            outbox_db=_path("NAADLOOS_OUTBOX_DB", "var/outbox.sqlite3"),
            handover_backend=(os.environ.get("NAADLOOS_HANDOVER_BACKEND") or "builtin").strip().lower(),
            chatwoot_db=_path("NAADLOOS_CHATWOOT_DB", "var/chatwoot.sqlite3"),
        )


T = TypeVar("T")


@lru_cache(maxsize=8)
def _loaded(loader: Callable[[Path], T], path: Path, modified: float) -> T:
    return loader(path)


def _current(loader: Callable[[Path], T], path: Path) -> T:
    """`loader(path)`, read again only when the file changed."""
    return _loaded(loader, path, path.stat().st_mtime if path.exists() else 0.0)


def current_organisation() -> Organisation:
    """The organisation from the configured file; re-read when the file changes."""
    return _current(load_organisation, Settings.from_environment().organisation_file)


def current_escalation_config() -> EscalationConfig:
    """The escalation rules from the configured file; re-read when the file changes."""
    return _current(load_escalation_config, Settings.from_environment().escalation_file)
