"""Typed settings of the live-chat service, read from environment variables at call time.

Every variable has a default that works on a laptop:

- ``LIVECHAT_DATABASE_URL``: SQLAlchemy URL. Default ``sqlite:///var/livechat.sqlite3``; a relative
  SQLite path is taken relative to the project root. Production: ``postgresql://user@host/db``.
- ``LIVECHAT_SHARED_SECRET``: the secret the bot uses to sign its calls (HMAC-SHA256), at least
  32 characters. **When it is not set**, the secret is read from the file named by
  ``LIVECHAT_SHARED_SECRET_FILE`` (default ``var/livechat-shared-secret``), which is created with a
  fresh random secret (mode 0600) on first use. Both sides read it with the hand-over contract's
  `naadloos.handover_contract.secret.load_shared_secret()`; in production set the variable on both
  sides. A secret shorter than 32 characters is refused with a clear error.
- ``LIVECHAT_SIGNATURE_WINDOW_SECONDS`` (300): how far a signed timestamp may be in the past or future.
- ``LIVECHAT_MAX_QUEUE`` (10): queued hand-overs per team before the queue counts as full.
- ``LIVECHAT_MAX_BODY_BYTES`` (1000000): larger request bodies get 413.
- ``LIVECHAT_ACCEPT_TIMEOUT_SECONDS`` (180): after this wait in the queue the customer is offered
  the alternatives (their place is kept).
- ``LIVECHAT_CUSTOMER_LEFT_GRACE_SECONDS`` (60): how long a customer in a hand-over may be without
  the chat page open (a reload, a short network loss) before the desk is told that they left.
- ``LIVECHAT_UNCLAIMED_ALERT_MINUTES`` (30): a ticket or callback nobody has claimed for this long
  is flagged in the desk's inbox (nothing the bot promised may stay without an owner).
- ``LIVECHAT_TEAMS`` (``klantenservice``): comma-separated teams; the first one is the default.
- ``LIVECHAT_AGENT_ONLINE_SECONDS`` (60): an agent counts as online when seen this recently.
- ``LIVECHAT_AVERAGE_HANDLING_MINUTES`` (6): used for the estimated wait.
- ``LIVECHAT_SESSION_HOURS`` (12): lifetime of an agent session.
- ``LIVECHAT_COOKIE_SECURE`` (false): set the Secure flag on the session cookie (behind HTTPS).
- ``LIVECHAT_HOST`` / ``LIVECHAT_PORT`` (127.0.0.1 / 5056): where ``python -m livechat`` listens.
- ``RASA_URL`` (http://localhost:5005), ``RASA_TOKEN`` (empty), ``LIVECHAT_RASA_TIMEOUT_SECONDS`` (5):
  where agent messages are delivered to the customer.
- ``RASA_PUBLIC_URL`` (default: ``RASA_URL``): where the customer's browser reaches Rasa's socket.io
  channel from the web chat page (`/chat`); only scheme, host and port (it goes into the page's CSP).
- ``LIVECHAT_PUBLIC_URL`` (default: ``http://127.0.0.1:<LIVECHAT_PORT>``): where browsers reach this
  service (the desk); only scheme, host and port. The pages' CSP allows websocket connections to
  this origin, never to whatever a request's Host header says.
- ``NAADLOOS_ORGANISATION_FILE``: organisation facts, via `naadloos.settings`.
- ``LIVECHAT_CANNED_REPLIES_FILE`` (``config/canned_replies.yml``): the desk's canned replies,
  checked at start-up (`livechat.canned_replies`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from naadloos.handover_contract.secret import SharedSecretError, load_shared_secret
from naadloos.settings import PROJECT_ROOT, Settings

DEFAULT_DATABASE_URL = "sqlite:///var/livechat.sqlite3"
_ORIGIN_RE = re.compile(r"^(?P<origin>https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?)/?$")


class ConfigError(ValueError):
    """A setting is missing or has an invalid value."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, got '{raw}'") from error
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a number, got '{raw}'") from error
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


def _project_path(raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else PROJECT_ROOT / path


def resolve_database_url(url: str) -> str:
    """Makes a relative SQLite path absolute (relative to the project root); other URLs unchanged."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(_project_path(url[len(prefix):]))
    return url


def _shared_secret() -> str:
    """The hand-over contract's shared secret, its error as a `ConfigError` of this service."""
    try:
        return load_shared_secret()
    except SharedSecretError as error:
        raise ConfigError(str(error)) from error


def public_origin(name: str, raw: str) -> str:
    """`raw` as a bare http(s) origin (scheme://host[:port]); ConfigError for anything else."""
    match = _ORIGIN_RE.match(raw.strip())
    if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
        raise ConfigError(f"{name} must look like http://host:port (no path), got '{raw}'")
    return match.group("origin")


def parse_teams(raw: str | None) -> tuple[str, ...]:
    """LIVECHAT_TEAMS as the service reads it: comma-separated, lower case, the first is the default."""
    teams = tuple(t.strip().lower() for t in (raw or "klantenservice").split(",") if t.strip())
    if not teams:
        raise ConfigError("LIVECHAT_TEAMS must name at least one team")
    return teams


@dataclass(frozen=True)
class LiveChatConfig:
    database_url: str
    shared_secret: str = field(repr=False)
    organisation_file: Path
    signature_window_seconds: int = 300
    max_queue: int = 10
    max_body_bytes: int = 1_000_000
    accept_timeout_seconds: int = 180
    unclaimed_alert_minutes: int = 30
    customer_left_grace_seconds: int = 60
    teams: tuple[str, ...] = ("klantenservice",)
    agent_online_seconds: int = 60
    average_handling_minutes: float = 6.0
    session_hours: int = 12
    cookie_secure: bool = False
    host: str = "127.0.0.1"
    port: int = 5056
    rasa_url: str = "http://localhost:5005"
    rasa_token: str = field(default="", repr=False)
    rasa_timeout_seconds: float = 5.0
    rasa_public_url: str = "http://localhost:5005"
    public_url: str = "http://127.0.0.1:5056"
    var_dir: Path = PROJECT_ROOT / "var"
    canned_replies_file: Path = PROJECT_ROOT / "config" / "canned_replies.yml"

    @property
    def default_team(self) -> str:
        return self.teams[0]

    @classmethod
    def from_environment(cls) -> LiveChatConfig:
        env = os.environ.get
        rasa_url = (env("RASA_URL") or "http://localhost:5005").rstrip("/")
        port = _int("LIVECHAT_PORT", 5056, minimum=1)
        return cls(
            database_url=resolve_database_url(env("LIVECHAT_DATABASE_URL") or DEFAULT_DATABASE_URL),
            shared_secret=_shared_secret(),
            organisation_file=Settings.from_environment().organisation_file,
            canned_replies_file=_project_path(env("LIVECHAT_CANNED_REPLIES_FILE") or "config/canned_replies.yml"),
            signature_window_seconds=_int("LIVECHAT_SIGNATURE_WINDOW_SECONDS", 300, minimum=1),
            max_queue=_int("LIVECHAT_MAX_QUEUE", 10, minimum=1),
            max_body_bytes=_int("LIVECHAT_MAX_BODY_BYTES", 1_000_000, minimum=1024),
            accept_timeout_seconds=_int("LIVECHAT_ACCEPT_TIMEOUT_SECONDS", 180, minimum=1),
            unclaimed_alert_minutes=_int("LIVECHAT_UNCLAIMED_ALERT_MINUTES", 30, minimum=1),
            customer_left_grace_seconds=_int("LIVECHAT_CUSTOMER_LEFT_GRACE_SECONDS", 60, minimum=1),
            teams=parse_teams(env("LIVECHAT_TEAMS")),
            agent_online_seconds=_int("LIVECHAT_AGENT_ONLINE_SECONDS", 60, minimum=1),
            average_handling_minutes=_float("LIVECHAT_AVERAGE_HANDLING_MINUTES", 6.0),
            session_hours=_int("LIVECHAT_SESSION_HOURS", 12, minimum=1),
            cookie_secure=_bool("LIVECHAT_COOKIE_SECURE", False),
            host=env("LIVECHAT_HOST") or "127.0.0.1",
            port=port,
            rasa_url=rasa_url,
            rasa_token=env("RASA_TOKEN") or "",
            rasa_timeout_seconds=_float("LIVECHAT_RASA_TIMEOUT_SECONDS", 5.0),
            rasa_public_url=public_origin("RASA_PUBLIC_URL", env("RASA_PUBLIC_URL") or rasa_url),
            public_url=public_origin("LIVECHAT_PUBLIC_URL", env("LIVECHAT_PUBLIC_URL") or f"http://127.0.0.1:{port}"),
            var_dir=_project_path(env("LIVECHAT_VAR_DIR") or "var"),
        )
