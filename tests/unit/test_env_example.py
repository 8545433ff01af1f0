""".env.example lists every setting the code reads, each under a comment that explains it.

The settings are found by running the code that reads them (the live chat's and the bot side's
`from_environment()`, the Rasa launcher's token lookup) against an environment that records every
name asked for, so a new variable cannot be forgotten here."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from livechat.config import LiveChatConfig
from naadloos.core.rasa_server import LauncherError, read_token
from naadloos.core.settings import PROJECT_ROOT, Settings
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
# `NAME=value`, or `# NAME=value` for a setting that is off by default (a secret, an override).
SETTING_RE = re.compile(r"^(?:# ?)?([A-Z][A-Z0-9_]*)=")


class RecordingEnviron(dict):
    """An environment that remembers every variable name that was looked up."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def settings_read_by_the_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> set[str]:
    environ = RecordingEnviron({"LIVECHAT_SHARED_SECRET_FILE": str(tmp_path / "secret")})
    monkeypatch.setattr(os, "environ", environ)
    LiveChatConfig.from_environment()
    Settings.from_environment()
    ChatwootSettings.from_environment()
    with pytest.raises(LauncherError):
        read_token()
    return environ.asked


def documented_settings(text: str) -> dict[str, bool]:
    """Setting name -> whether a comment explains it (a comment line above it in its block)."""
    settings: dict[str, bool] = {}
    explained = False
    for line in text.splitlines():
        match = SETTING_RE.match(line)
        if match:
            settings[match.group(1)] = explained
        elif line.startswith("#"):
            explained = True
        elif not line.strip():
            explained = False
    return settings


def test_every_setting_the_code_reads_is_in_env_example_with_a_comment(monkeypatch, tmp_path):
    read = settings_read_by_the_code(monkeypatch, tmp_path)
    assert {"LIVECHAT_TEAMS", "LIVECHAT_PUBLIC_URL", "RASA_TOKEN_FILE", "NAADLOOS_OUTBOX_DB"} <= read, read
    listed = documented_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))
    missing = sorted(read - set(listed))
    assert not missing, f"add these to .env.example, each with a comment (commented out when off by default): {missing}"
    unexplained = sorted(name for name in read if not listed[name])
    assert not unexplained, f"give these a comment in .env.example: {unexplained}"


def test_the_check_reads_commented_and_uncommented_settings():
    text = "# Where it listens.\nHOST=1\n# SECRET=\n\nBARE=2\n"
    assert documented_settings(text) == {"HOST": True, "SECRET": True, "BARE": False}


def active_settings(text: str) -> dict[str, str]:
    """The `NAME=value` lines (not commented out), ${OTHER} expanded as scripts/settings.sh does."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), ""), match.group(2))
    return values


def configurations(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> tuple[Any, ...]:
    monkeypatch.setattr(os, "environ", dict(values))
    return LiveChatConfig.from_environment(), Settings.from_environment(), ChatwootSettings.from_environment()


def test_env_example_repeats_no_python_default_with_another_value(monkeypatch, tmp_path):
    """The Makefile and the shell scripts take .env.example's values; Python has its own defaults
    for the same settings. Each value .env.example sets must be what Python would use without
    it, so `make run` and `python -m livechat` on their own behave the same."""
    values = {"LIVECHAT_SHARED_SECRET_FILE": str(tmp_path / "secret"), **active_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))}
    read = settings_read_by_the_code(monkeypatch, tmp_path)
    with_all = configurations(monkeypatch, values)
    differing = [
        name for name in sorted(set(values) & read - {"LIVECHAT_SHARED_SECRET_FILE"})
        if configurations(monkeypatch, {k: v for k, v in values.items() if k != name}) != with_all
    ]
    assert differing == [], f".env.example sets these to something else than the code's default: {differing}"


def test_the_var_files_are_not_pinned_to_var_in_env_example():
    """Set in .env.example, a file's own variable would keep it in var/ when NAADLOOS_VAR_DIR moves."""
    values = active_settings(ENV_EXAMPLE.read_text(encoding="utf-8"))
    pinned = sorted(name for name, value in values.items() if name != "NAADLOOS_VAR_DIR" and re.search(r"(^|/)var/", value))
    assert pinned == [], f"comment these out in .env.example (they derive from NAADLOOS_VAR_DIR): {pinned}"
