"""The one reader of environment variables, for both applications: typed values with defaults
that work on a laptop, and one error type, `SettingError`, whose message names the variable.

Each application keeps its own typed settings (`naadloos.core.settings.Settings` for the bot side,
`livechat.config.LiveChatConfig`, `naadloos.handover_contract.chatwoot.settings.ChatwootSettings`)
and reads every value through these functions, at call time (never at import), so tests and
deployments set the environment first.

Local files (databases, logs, generated secrets) live in one folder, ``NAADLOOS_VAR_DIR``
(default ``var`` in the project). A file's own variable (``NAADLOOS_OUTBOX_DB``, ...) still wins:
`var_file`.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # naadloos/core/environment.py -> the project
VAR_DIR_VARIABLE = "NAADLOOS_VAR_DIR"
DEFAULT_VAR_DIR = "var"
_YES = ("1", "true", "yes", "on", "ja")
_NO = ("0", "false", "no", "off", "nee")
# A web origin as a setting: scheme://host[:port], an optional "/" at the end and nothing else.
_ORIGIN_RE = re.compile(r"^(?P<scheme>https?)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
                        r"(?::(?P<port>[0-9]{1,5}))?/?$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SettingError(ValueError):
    """A setting is missing or has an invalid value; the message names the variable."""


def read_text(name: str, default: str = "") -> str:
    """The variable without surrounding spaces; `default` when it is unset or blank."""
    return (os.environ.get(name) or "").strip() or default


def read_url(name: str, default: str) -> str:
    """An address to put paths after: without a trailing slash."""
    return read_text(name, default).rstrip("/")


def web_origin(name: str, raw: str) -> str:
    """`raw` as a browser sends it in its Origin header: "https://www.example.nl" (lower case, no
    default port, no "/" at the end). SettingError naming `name` for anything that is not an origin
    (a path, a query, a "*", no scheme)."""
    match = _ORIGIN_RE.match(raw.strip())
    port = int(match.group("port")) if match and match.group("port") else None
    if not match or (port is not None and not 0 < port < 65536):
        raise SettingError(f"{name}: '{raw}' is not a web origin; write it like https://www.example.nl (no path)")
    scheme, host = match.group("scheme").lower(), match.group("host").lower()
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def read_origins(name: str) -> tuple[str, ...]:
    """A comma-separated list of web origins (see `web_origin`), without duplicates; () when unset."""
    origins = (web_origin(name, part) for part in read_text(name).split(",") if part.strip())
    return tuple(dict.fromkeys(origins))


def read_int(name: str, default: int, minimum: int = 0) -> int:
    raw = read_text(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingError(f"{name} must be a whole number, got '{raw}'") from error
    if value < minimum:
        raise SettingError(f"{name} must be at least {minimum}, got {value}")
    return value


def read_float(name: str, default: float) -> float:
    """A positive number (seconds, minutes)."""
    raw = read_text(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise SettingError(f"{name} must be a number, got '{raw}'") from error
    if not math.isfinite(value):
        raise SettingError(f"{name} must be a number, got '{raw}'")
    if value <= 0:
        raise SettingError(f"{name} must be more than 0, got {value}")
    return value


def read_bool(name: str, default: bool) -> bool:
    """true/false, yes/no, on/off, 1/0 or ja/nee; anything else is refused, not read as false."""
    raw = read_text(name).lower()
    if not raw:
        return default
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise SettingError(f"{name} must be true or false (or yes/no, 1/0), got '{raw}'")


def project_path(raw: str | Path) -> Path:
    """`raw` as an absolute path; a relative one is relative to the project root."""
    path = Path(raw)
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_path(name: str, default: str) -> Path:
    return project_path(read_text(name, default))


def var_dir() -> Path:
    """NAADLOOS_VAR_DIR: the folder of the local files (databases, logs, generated secrets)."""
    return read_path(VAR_DIR_VARIABLE, DEFAULT_VAR_DIR)


def var_file(name: str, file_name: str) -> Path:
    """The file variable `name` points to, or `file_name` in the var folder when it is unset."""
    raw = read_text(name)
    return project_path(raw) if raw else var_dir() / file_name


def read_secret(name: str) -> str:
    """The variable `name`, or the first line of the file that `name`_FILE names (so a secret need
    not sit in the environment of every process); "" when neither is set."""
    value = read_text(name)
    if value:
        return value
    file_name = read_text(f"{name}_FILE")
    if not file_name:
        return ""
    try:
        lines = project_path(file_name).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SettingError(f"{name}_FILE={file_name}: cannot read it ({error.strerror})") from error
    return lines[0].strip() if lines else ""
