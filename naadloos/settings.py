"""Typed settings of the bot side (actions, Rasa's event broker, the Chatwoot receiver), read from
environment variables through the shared reader `naadloos.environment` at call time (never at
import), so tests and deployments can set the environment first. Every variable is listed in
`.env.example`.

`python -m naadloos.settings NAME...` prints values for the shell scripts (`scripts/settings.sh`),
so `make run` uses Python's defaults instead of repeating them:

    $ python -m naadloos.settings var_dir handover_backend
    VAR_DIR=var
    HANDOVER_BACKEND=builtin

A NAME is a field of `Settings`, or ``chatwoot_`` and a field of the Chatwoot settings; secrets
are never printed. Paths inside the project are printed relative to it (the scripts run from
there). A wrong value: its message on stderr and exit code 2.
"""
from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from naadloos.environment import PROJECT_ROOT, SettingError, read_path, read_text, read_url, var_dir, var_file
from naadloos.escalation_config import EscalationConfig, load_escalation_config
from naadloos.organisation import Organisation, load_organisation


@dataclass(frozen=True)
class Settings:
    organisation_file: Path
    escalation_file: Path  # when and how to hand over, edited by conversation designers
    var_dir: Path  # NAADLOOS_VAR_DIR: where the files below are, unless their own variable says otherwise
    backoffice_db: Path
    livechat_url: str  # the live-chat service, as the bot side reaches it
    rasa_url: str  # Rasa's HTTP API, where people's messages go to the customer (live chat, Chatwoot receiver)
    outbox_db: Path  # hand-over records kept while the live-chat service is unreachable
    handover_backend: str  # who takes over: builtin | chatwoot (naadloos.handover_contract.backend)
    chatwoot_db: Path  # Chatwoot back end: which conversation is whose

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            organisation_file=read_path("NAADLOOS_ORGANISATION_FILE", "config/organisation.yml"),
            escalation_file=read_path("NAADLOOS_ESCALATION_FILE", "config/escalation.yml"),
            var_dir=var_dir(),
            backoffice_db=var_file("NAADLOOS_BACKOFFICE_DB", "backoffice.sqlite3"),
            livechat_url=read_url("LIVECHAT_URL", "http://127.0.0.1:5056"),
            rasa_url=read_url("RASA_URL", "http://localhost:5005"),
            outbox_db=var_file("NAADLOOS_OUTBOX_DB", "outbox.sqlite3"),
            handover_backend=read_text("NAADLOOS_HANDOVER_BACKEND", "builtin").lower(),
            chatwoot_db=var_file("NAADLOOS_CHATWOOT_DB", "chatwoot.sqlite3"),
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


def _printable(settings: object, name: str) -> object:
    """The value of the non-secret field `name` of `settings` (a dataclass)."""
    shown = {f.name for f in fields(settings) if f.repr}  # type: ignore[arg-type]
    if name not in shown:
        raise SettingError(f"unknown setting '{name}'")
    return getattr(settings, name)


def shell_value(name: str) -> str:
    """`name` (a `Settings` field, or chatwoot_<field>) as the shell scripts use it."""
    if name.startswith("chatwoot_"):
        from naadloos.handover_contract.chatwoot.settings import ChatwootSettings  # it reads this module

        value = _printable(ChatwootSettings.from_environment(), name.removeprefix("chatwoot_"))
    else:
        value = _printable(Settings.from_environment(), name)
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        value = value.relative_to(PROJECT_ROOT)
    return str(value)


def main(names: Sequence[str]) -> int:
    try:
        lines = [f"{name.upper()}={shlex.quote(shell_value(name))}" for name in names]
    except SettingError as error:
        print(f"naadloos.settings: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
