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
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.rasa_server import LauncherError, read_token
from naadloos.settings import PROJECT_ROOT, Settings

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
