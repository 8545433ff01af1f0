"""Typed settings of the live-chat service, read from environment variables at call time.

Every variable has a default that works on a laptop:

Every value is read through the shared reader `naadloos.core.environment` (one parser per type, one
error type: `ConfigError` is its `SettingError`); this module only says what the live chat needs.

- ``NAADLOOS_VAR_DIR`` (``var``): the folder of the local files (the SQLite database, the shared
  secret, ``demo-agent.txt``), shared with the bot side.
- ``LIVECHAT_DATABASE_URL``: SQLAlchemy URL. Default: SQLite, ``livechat.sqlite3`` in the var folder;
  a relative SQLite path is taken relative to the project root. Production: ``postgresql://user@host/db``.
- ``LIVECHAT_SHARED_SECRET``: the secret the bot uses to sign its calls (HMAC-SHA256), at least
  32 characters. **When it is not set**, the secret is read from the file named by
  ``LIVECHAT_SHARED_SECRET_FILE`` (default ``livechat-shared-secret`` in the var folder), which is created with a
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
- ``LIVECHAT_TEAMS``: comma-separated teams; the first one is the default. Unset: the teams
  config/escalation.yml routes to, its ``default_team`` first (`naadloos.escalation.teams`, which
  also checks a set value against that file at start-up).
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
- ``NAADLOOS_ORGANISATION_FILE``: organisation facts, via `naadloos.core.settings`.
- ``LIVECHAT_CANNED_REPLIES_FILE`` (``config/canned_replies.yml``): the desk's canned replies,
  checked at start-up (`livechat.canned_replies`).
- ``LIVECHAT_REDIS_URL`` (empty): several instances of this service share their desk and chat-page
  events through Redis pub/sub (`livechat.fanout`), e.g. ``redis://redis.example.nl:6379/0``.
  Empty: one instance, events in this process only. ``LIVECHAT_REDIS_CHANNEL_PREFIX``
  (``naadloos-livechat``) starts every channel name: give each deployment that shares one Redis
  (acceptance, production) its own.
- ``LIVECHAT_RABBITMQ_URL`` (empty): customer messages come from Rasa's ``pika`` event broker
  through RabbitMQ (`livechat.customer_events`), e.g. ``amqp://user:password@rabbitmq.example.nl/``;
  ``RABBITMQ_QUEUE`` (``naadloos-customer-events``) is the queue, the same variable Rasa's
  production endpoints publish to. Empty: they arrive by HTTP from the bot side's event broker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from naadloos.core.domain_responses import DOMAIN_FILE
from naadloos.core.environment import (
    DEFAULT_VAR_DIR,
    PROJECT_ROOT,
    SettingError,
    project_path,
    read_bool,
    read_float,
    read_int,
    read_path,
    read_text,
)
from naadloos.core.settings import Settings
from naadloos.escalation.teams import configured_teams
from naadloos.handover_contract.secret import load_shared_secret

ConfigError = SettingError  # the shared settings error, under the name this service's callers know
REDIS_CHANNEL_PREFIX = "naadloos-livechat"  # LIVECHAT_REDIS_CHANNEL_PREFIX
CUSTOMER_EVENTS_QUEUE = "naadloos-customer-events"  # RABBITMQ_QUEUE: Rasa's pika broker publishes here
DATABASE_FILE = "livechat.sqlite3"  # in the var folder, unless LIVECHAT_DATABASE_URL says otherwise
_ORIGIN_RE = re.compile(r"^(?P<origin>https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?)/?$")


def resolve_database_url(url: str) -> str:
    """Makes a relative SQLite path absolute (relative to the project root); other URLs unchanged."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(project_path(url[len(prefix):]))
    return url


def without_credentials(url: str) -> str:
    """`url` without user and password, for the logs (LIVECHAT_REDIS_URL, LIVECHAT_RABBITMQ_URL)."""
    scheme, separator, rest = url.partition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}" if separator else url


def public_origin(name: str, raw: str) -> str:
    """`raw` as a bare http(s) origin (scheme://host[:port]); ConfigError for anything else."""
    match = _ORIGIN_RE.match(raw.strip())
    if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
        raise ConfigError(f"{name} must look like http://host:port (no path), got '{raw}'")
    return match.group("origin")


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
    rasa_url: str = "http://localhost:5005"  # from the environment: `Settings.rasa_url`
    rasa_token: str = field(default="", repr=False)
    rasa_timeout_seconds: float = 5.0
    rasa_public_url: str = "http://localhost:5005"
    public_url: str = "http://127.0.0.1:5056"
    var_dir: Path = PROJECT_ROOT / DEFAULT_VAR_DIR
    canned_replies_file: Path = PROJECT_ROOT / "config" / "canned_replies.yml"
    domain_file: Path = DOMAIN_FILE  # the responses the service sends the customer (livechat.customer_wording)
    redis_url: str = field(default="", repr=False)  # may hold a password
    redis_channel_prefix: str = REDIS_CHANNEL_PREFIX
    rabbitmq_url: str = field(default="", repr=False)  # may hold a password
    rabbitmq_queue: str = CUSTOMER_EVENTS_QUEUE

    @property
    def default_team(self) -> str:
        return self.teams[0]

    @classmethod
    def from_environment(cls) -> LiveChatConfig:
        """Every field from its variable; unset, the default above (for the teams and the files:
        the escalation file's teams and the shared var folder)."""
        shared = Settings.from_environment()
        rasa_url = shared.rasa_url
        port = read_int("LIVECHAT_PORT", cls.port, minimum=1)
        return cls(
            database_url=resolve_database_url(read_text("LIVECHAT_DATABASE_URL", f"sqlite:///{shared.var_dir / DATABASE_FILE}")),
            shared_secret=load_shared_secret(),
            organisation_file=shared.organisation_file,
            canned_replies_file=read_path("LIVECHAT_CANNED_REPLIES_FILE", "config/canned_replies.yml"),
            signature_window_seconds=read_int("LIVECHAT_SIGNATURE_WINDOW_SECONDS", cls.signature_window_seconds, minimum=1),
            max_queue=read_int("LIVECHAT_MAX_QUEUE", cls.max_queue, minimum=1),
            max_body_bytes=read_int("LIVECHAT_MAX_BODY_BYTES", cls.max_body_bytes, minimum=1024),
            accept_timeout_seconds=read_int("LIVECHAT_ACCEPT_TIMEOUT_SECONDS", cls.accept_timeout_seconds, minimum=1),
            unclaimed_alert_minutes=read_int("LIVECHAT_UNCLAIMED_ALERT_MINUTES", cls.unclaimed_alert_minutes, minimum=1),
            customer_left_grace_seconds=read_int(
                "LIVECHAT_CUSTOMER_LEFT_GRACE_SECONDS", cls.customer_left_grace_seconds, minimum=1
            ),
            teams=configured_teams(shared.escalation_file),
            agent_online_seconds=read_int("LIVECHAT_AGENT_ONLINE_SECONDS", cls.agent_online_seconds, minimum=1),
            average_handling_minutes=read_float("LIVECHAT_AVERAGE_HANDLING_MINUTES", cls.average_handling_minutes),
            session_hours=read_int("LIVECHAT_SESSION_HOURS", cls.session_hours, minimum=1),
            cookie_secure=read_bool("LIVECHAT_COOKIE_SECURE", cls.cookie_secure),
            host=read_text("LIVECHAT_HOST", cls.host),
            port=port,
            rasa_url=rasa_url,
            rasa_token=read_text("RASA_TOKEN"),
            rasa_timeout_seconds=read_float("LIVECHAT_RASA_TIMEOUT_SECONDS", cls.rasa_timeout_seconds),
            rasa_public_url=public_origin("RASA_PUBLIC_URL", read_text("RASA_PUBLIC_URL", rasa_url)),
            public_url=public_origin("LIVECHAT_PUBLIC_URL", read_text("LIVECHAT_PUBLIC_URL", f"http://127.0.0.1:{port}")),
            var_dir=shared.var_dir,
            redis_url=read_text("LIVECHAT_REDIS_URL").strip(),
            redis_channel_prefix=read_text("LIVECHAT_REDIS_CHANNEL_PREFIX", REDIS_CHANNEL_PREFIX).strip() or REDIS_CHANNEL_PREFIX,
            rabbitmq_url=read_text("LIVECHAT_RABBITMQ_URL").strip(),
            rabbitmq_queue=read_text("RABBITMQ_QUEUE", CUSTOMER_EVENTS_QUEUE).strip() or CUSTOMER_EVENTS_QUEUE,
        )
