"""Typed settings of the bot side (actions, Rasa's event broker, the Chatwoot receiver), read from
environment variables through the shared reader `naadloos.core.environment` at call time (never at
import), so tests and deployments can set the environment first. Every variable is listed in
`.env.example`.

`python -m naadloos.core.settings NAME...` prints values for the shell scripts
(`scripts/settings.sh`), so `make run` uses Python's defaults instead of repeating them:

    $ python -m naadloos.core.settings var_dir handover_backend
    VAR_DIR=var
    HANDOVER_BACKEND=builtin

A NAME is a field of `Settings`; the Chatwoot settings have the same command in their own module
(`python -m naadloos.handover_contract.chatwoot.settings bridge_port`), since this shared core knows
nothing of the layers above it. Secrets are never printed. Paths inside the project are printed
relative to it (the scripts run from there). A wrong value: its message on stderr and exit code 2.
"""
from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from naadloos.core.environment import PROJECT_ROOT, SettingError, read_path, read_text, read_url, var_dir, var_file
from naadloos.core.organisation import Organisation, load_organisation


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


def read_when_changed(loader: Callable[[Path], T], path: Path) -> T:
    """`loader(path)`, read again only when the file changed (for files people edit while the
    assistant runs: the organisation, the escalation rules)."""
    return _loaded(loader, path, path.stat().st_mtime if path.exists() else 0.0)


def current_organisation() -> Organisation:
    """The organisation from the configured file; re-read when the file changes."""
    return read_when_changed(load_organisation, Settings.from_environment().organisation_file)


def shell_value(settings: object, name: str) -> str:
    """The non-secret field `name` of `settings` (a dataclass) as the shell scripts use it."""
    shown = {f.name for f in fields(settings) if f.repr}  # type: ignore[arg-type]
    if name not in shown:
        raise SettingError(f"unknown setting '{name}'")
    value = getattr(settings, name)
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        value = value.relative_to(PROJECT_ROOT)
    return str(value)


def print_shell_values(command: str, read_settings: Callable[[], object], names: Sequence[str], prefix: str = "") -> int:
    """`PREFIX_NAME=value` lines (quoted for the shell) of the fields `names` of `read_settings()`;
    exit code 2 with `command: <error>` on stderr when a value is wrong or a name unknown."""
    try:
        settings = read_settings()
        lines = [f"{(prefix + name).upper()}={shlex.quote(shell_value(settings, name))}" for name in names]
    except SettingError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(print_shell_values("naadloos.core.settings", Settings.from_environment, sys.argv[1:]))
