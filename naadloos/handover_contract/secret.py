"""The secret both sides sign with: one loader, so the bot and the live-chat service agree.

``LIVECHAT_SHARED_SECRET`` when set; otherwise the file named by ``LIVECHAT_SHARED_SECRET_FILE``
(default ``livechat-shared-secret`` in the var folder, ``NAADLOOS_VAR_DIR``), created with a fresh random
secret (mode 0600) on first use. So on one machine both sides agree without anyone copying a
secret; in production set the variable on both sides.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from naadloos.core.environment import SettingError, read_text, var_file

SECRET_FILE_NAME = "livechat-shared-secret"
MIN_SECRET_LENGTH = 32


class SharedSecretError(SettingError):
    """The configured secret is too short to sign with."""


def secret_file() -> Path:
    """Where the secret is kept when LIVECHAT_SHARED_SECRET is not set."""
    return var_file("LIVECHAT_SHARED_SECRET_FILE", SECRET_FILE_NAME)


def load_shared_secret() -> str:
    """LIVECHAT_SHARED_SECRET, or the secret file (created with a random secret when missing)."""
    secret = read_text("LIVECHAT_SHARED_SECRET")
    if not secret:
        path = secret_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32) + "\n")
        secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise SharedSecretError(
            f"the live-chat shared secret must be at least {MIN_SECRET_LENGTH} characters; "
            "set LIVECHAT_SHARED_SECRET (generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return secret
