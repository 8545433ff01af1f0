"""A Redis server and a RabbitMQ node of the cluster tests' own, on free loopback ports.

The machine's Redis (6379) and RabbitMQ (5672) are shared with other test runs that may be going on
at the same moment, so the tests that stop and restart Redis or RabbitMQ never touch those: the
cluster under test uses these private ones instead (Debian's `redis-server` and `rabbitmq-server`,
the same programs). Each can be stopped and started again on the same port; RabbitMQ keeps its
durable queues and persistent messages in its own data folder across a restart."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import suppress
from pathlib import Path

from naadloos.evaluation.processes import free_port, log_tail

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")  # Debian's; /usr/sbin's wrapper runs it as the rabbitmq user
REDIS_START_SECONDS = 10.0
RABBITMQ_START_SECONDS = 60.0
STOP_SECONDS = 20.0


class ServiceError(RuntimeError):
    """A private service did not start (the message has the end of its log)."""


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class PrivateService:
    """A server process in its own process group, with its output in `log`."""

    name = "service"
    start_seconds = 10.0

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{self.name}.log"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        """Starts the server and waits until its port takes connections."""
        with self.log.open("a") as sink:
            self.process = subprocess.Popen(
                self.command(), env=self.environment(), cwd=self.folder, stdout=sink, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        deadline = time.monotonic() + self.start_seconds
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServiceError(f"the private {self.name} did not start on port {self.port}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM to the server's process group (a clean shutdown), SIGKILL when it takes too long."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        while port_open(self.port):  # the listener may outlive the group leader for a moment
            time.sleep(0.05)


class PrivateRedis(PrivateService):
    """`redis-server` keeping nothing on disk, as the machine's own Redis."""

    name = "redis"
    start_seconds = REDIS_START_SECONDS

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        binary = shutil.which("redis-server") or "redis-server"
        return [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.folder)]


class PrivateRabbitMQ(PrivateService):
    """A RabbitMQ node of its own name, ports, configuration, data folder and Erlang cookie (HOME),
    started as the current user; guest/guest from loopback, no plugins."""

    name = "rabbitmq"
    start_seconds = RABBITMQ_START_SECONDS

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.distribution_port = free_port()
        self.node = f"naadloos_cluster_test_{self.port}@localhost"
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's, which names the machine's node

    def command(self) -> list[str]:
        return [str(RABBITMQ_SERVER)]

    def environment(self) -> dict[str, str]:
        folder = str(self.folder)
        return {
            **os.environ,
            "HOME": folder,  # the Erlang cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.distribution_port),
            "RABBITMQ_CONFIG_FILE": f"{folder}/rabbitmq.conf",
            "RABBITMQ_CONF_ENV_FILE": f"{folder}/rabbitmq-env.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{folder}/enabled_plugins",
            "RABBITMQ_MNESIA_BASE": f"{folder}/mnesia",
            "RABBITMQ_LOG_BASE": f"{folder}/log",
            "RABBITMQ_PLUGINS_EXPAND_DIR": f"{folder}/plugins-expand",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }


def missing_programs() -> list[str]:
    """What the private services need and this machine lacks."""
    missing = [] if shutil.which("redis-server") else ["redis-server (Debian: redis-server)"]
    if not RABBITMQ_SERVER.exists():
        missing.append(f"{RABBITMQ_SERVER} (Debian: rabbitmq-server)")
    return missing
