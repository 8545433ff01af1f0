"""`scripts/cluster.sh` (what `make cluster` runs) started for the tests: nginx in front of 2 Rasa, 2
action servers and 2 live chats, on free loopback ports, with the machine's PostgreSQL (databases of
this run, dropped afterwards) and a Redis and a RabbitMQ of the tests' own (`private_services`), so
the tests can stop and restart those without touching what other runs on this machine use.

`RunningCluster` knows every address (through nginx, or one instance directly), the Rasa token, the
demo agent's password, and can `kill` one instance the hard way (SIGKILL to the process that
listens on its port) and read what Rasa stored in PostgreSQL."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import uuid
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import requests

from livechat.config import CUSTOMER_EVENTS_QUEUE
from naadloos.channels.webchat_redis import DEFAULT_REDIS_CHANNEL
from naadloos.evaluation.processes import (
    INHERITED_SETTINGS,
    MODEL,
    ROOT,
    always_open_organisation,
    log_tail,
    stop_run_script,
)
from tests.cluster.private_services import PrivateRabbitMQ, PrivateRedis
from tests.livechat.helpers import PROJECT_TEAMS

CLUSTER_SCRIPT = ("bash", "scripts/cluster.sh")
CLUSTER_READY = "Naadloos runs as a cluster behind nginx."
STARTUP_SECONDS = 420  # two Rasa servers load the model at the same time on two cores
INSTANCE_OFFSETS = (100, 200)  # scripts/cluster.sh: instance i listens on base port + 100 * i
BASE_PORT_RANGE = (20000, 32000)
PG_ADMIN: dict[str, Any] = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
KINDS = ("rasa", "actions", "livechat")


class ClusterError(RuntimeError):
    """The cluster did not start (the message has what cluster.sh printed and the ends of the logs)."""


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_ports(kinds: tuple[str, ...]) -> dict[str, int]:
    """A port per kind whose instance ports (+100, +200) are free as well, all different. Taken below
    the kernel's ephemeral range (32768 and up), where other tests' `free_port()` never lands, so a
    port found free is not taken by them while the cluster starts."""
    taken: set[int] = set()
    chosen: dict[str, int] = {}
    while len(chosen) < len(kinds):
        base = random.randrange(*BASE_PORT_RANGE)
        ports = {base, *(base + offset for offset in INSTANCE_OFFSETS)}
        if not ports & taken and all(port_free(port) for port in ports):
            chosen[kinds[len(chosen)]] = base
            taken |= ports
    return chosen


def listener_pid(port: int) -> int | None:
    """The process listening on 127.0.0.1:`port` (Linux /proc), or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                    return int(entry.name)
    return None


def drop_database(name: str) -> None:
    admin = psycopg2.connect(connect_timeout=3, **PG_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@dataclass
class RunningCluster:
    work: Path
    ports: dict[str, int]  # the proxy's port per kind; instance i is on + 100 * i
    token: str
    redis: PrivateRedis
    rabbitmq: PrivateRabbitMQ
    database: str  # Rasa's tracker store; the live chat's is database + "_livechat"
    process: subprocess.Popen | None = None
    password: str = ""  # the demo agent's
    killed: set[str] = field(default_factory=set)
    _stack: ExitStack = field(default_factory=ExitStack)

    # --- addresses ---------------------------------------------------------------------------------
    def port(self, kind: str, instance: int | None = None) -> int:
        return self.ports[kind] + (INSTANCE_OFFSETS[instance - 1] if instance else 0)

    def url(self, kind: str, instance: int | None = None) -> str:
        """Through nginx, or instance 1 or 2 directly."""
        return f"http://127.0.0.1:{self.port(kind, instance)}"

    def rasa(self, instance: int | None = None) -> str:
        return self.url("rasa", instance)

    def livechat(self, instance: int | None = None) -> str:
        return self.url("livechat", instance)

    # --- what it did -------------------------------------------------------------------------------
    @property
    def logs(self) -> Path:
        return self.work / "var" / "cluster"

    def log(self, name: str) -> str:
        """The log of `name` (rasa-1, livechat-2, actions-1, proxy ...)."""
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def printed(self) -> str:
        return (self.work / "cluster-output.txt").read_text(encoding="utf-8", errors="replace")

    def health(self, instance: int) -> dict[str, Any]:
        return requests.get(f"{self.livechat(instance)}/health", timeout=5).json()

    def stored_events(self, sender_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """What Rasa's tracker store holds for each conversation, read from PostgreSQL itself, in
        the order it was stored."""
        connection = psycopg2.connect(connect_timeout=3, **{**PG_ADMIN, "dbname": self.database})
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT sender_id, data FROM events WHERE sender_id = ANY(%s) ORDER BY id", (sender_ids,))
                rows = cursor.fetchall()
        finally:
            connection.close()
        events: dict[str, list[dict[str, Any]]] = {sender: [] for sender in sender_ids}
        for sender, data in rows:
            events[sender].append(json.loads(data))
        return events

    # --- the hard way ------------------------------------------------------------------------------
    def kill(self, kind: str, instance: int) -> None:
        """kill -9 of the server process of one instance (rasa, actions or livechat 1 or 2)."""
        pid = listener_pid(self.port(kind, instance))
        assert pid is not None, f"nothing listens on {kind}-{instance}'s port {self.port(kind, instance)}"
        os.kill(pid, signal.SIGKILL)
        self.killed.add(f"{kind}-{instance}")

    def require_every_instance(self) -> None:
        """For the tests that need both instances of everything (the kill test runs last)."""
        assert not self.killed, f"an earlier test killed {sorted(self.killed)}: run the cluster tests in file order"

    # --- start and stop ----------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """cluster.sh's settings: everything on this run's ports, databases and private services
        (set here, so a developer's .env cannot point the test at their own services)."""
        rasa, actions, livechat = (self.url(kind) for kind in KINDS)
        redis_url = self.redis.url
        postgres = f"postgresql://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}"
        return {
            **{key: value for key, value in os.environ.items() if not key.startswith(INHERITED_SETTINGS)},
            "PYTHONUNBUFFERED": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "NAADLOOS_VAR_DIR": str(self.work / "var"),
            "NAADLOOS_ORGANISATION_FILE": str(always_open_organisation(self.work)),
            "NAADLOOS_HANDOVER_BACKEND": "builtin",
            "NAADLOOS_CLUSTER_DB": self.database,
            "NAADLOOS_STARTUP_TIMEOUT": str(STARTUP_SECONDS),
            "RASA_TOKEN": self.token,
            "LIVECHAT_SHARED_SECRET": "cluster-test-secret-" + uuid.uuid4().hex,
            "RASA_HOST": "127.0.0.1", "RASA_PORT": str(self.ports["rasa"]),
            "RASA_URL": rasa, "RASA_PUBLIC_URL": rasa, "RASA_CORS_ORIGINS": livechat,
            "ACTION_SERVER_PORT": str(self.ports["actions"]), "ACTION_ENDPOINT_URL": f"{actions}/webhook",
            "LIVECHAT_HOST": "127.0.0.1", "LIVECHAT_PORT": str(self.ports["livechat"]),
            "LIVECHAT_URL": livechat, "LIVECHAT_PUBLIC_URL": livechat,
            "LIVECHAT_TEAMS": ",".join(PROJECT_TEAMS),
            "RASA_DB_HOST": str(PG_ADMIN["host"]), "RASA_DB_PORT": str(PG_ADMIN["port"]),
            "RASA_DB_USER": str(PG_ADMIN["user"]), "RASA_DB_PASSWORD": "",
            "LIVECHAT_DATABASE_URL": f"{postgres}/{self.database}_livechat",
            "LIVECHAT_TRACKER_STORE_URL": f"{postgres}/{self.database}",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis.port), "REDIS_DB": "1",
            "NAADLOOS_WEBCHAT_REDIS_URL": redis_url, "NAADLOOS_WEBCHAT_REDIS_CHANNEL": DEFAULT_REDIS_CHANNEL,
            "LIVECHAT_REDIS_URL": redis_url,
            "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": str(self.rabbitmq.port),
            "RABBITMQ_USER": "guest", "RABBITMQ_PASSWORD": "guest", "RABBITMQ_QUEUE": CUSTOMER_EVENTS_QUEUE,
            "LIVECHAT_RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{self.rabbitmq.port}/",
        }

    def start(self) -> None:
        """The private services, then cluster.sh, until it says it runs and both live chats consume
        RabbitMQ and share their events through Redis; ClusterError otherwise (everything stopped)."""
        try:
            self._stack.callback(drop_database, self.database)  # cluster.sh creates it; dropped even after a failed start
            self._stack.callback(drop_database, f"{self.database}_livechat")
            for service in (self.redis, self.rabbitmq):
                service.start()
                self._stack.callback(service.stop)
            output = self.work / "cluster-output.txt"
            with output.open("w") as sink:
                self.process = subprocess.Popen(
                    CLUSTER_SCRIPT, cwd=ROOT, env=self.environment(), stdout=sink, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )
            self._stack.callback(stop_run_script, self.process)
            self._wait_until_ready()
            demo = re.search(r"password: (\S+)", (self.work / "var" / "demo-agent.txt").read_text())
            if demo is None:
                raise ClusterError("the first live chat wrote no demo agent password")
            self.password = demo.group(1)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS + 30
        while CLUSTER_READY not in self.printed():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"cluster.sh did not start:\n{self.printed()}\n{self.log_tails()}")
            time.sleep(0.5)
        while not all(self.health(i).get("status") == "ok" for i in (1, 2)):
            if time.monotonic() > deadline:
                raise ClusterError(f"the live chats are not healthy: {[self.health(i) for i in (1, 2)]}")
            time.sleep(0.2)

    def log_tails(self) -> str:
        return "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        """cluster.sh stopped (SIGTERM, as Ctrl-C), the private services stopped, the databases
        dropped; safe to call more than once."""
        self._stack.close()


def new_cluster(work: Path) -> RunningCluster:
    if not MODEL.exists():
        raise ClusterError(f"No trained model at {MODEL}: run `make train` first.")
    return RunningCluster(
        work=work,
        ports=free_base_ports(KINDS),
        token="cluster-test-token-" + uuid.uuid4().hex,
        redis=PrivateRedis(work / "redis"),
        rabbitmq=PrivateRabbitMQ(work / "rabbitmq"),
        database=f"naadloos_cluster_test_{uuid.uuid4().hex[:8]}",
    )
