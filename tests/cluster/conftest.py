"""The cluster tests (issue 13, item 4) run against `make cluster` itself: `scripts/cluster.sh` with
nginx, 2 Rasa, 2 action servers and 2 live chats (`running_cluster`). One cluster serves every test
in this folder; it is stopped right after the last of them, not at the end of the whole run, so the
rest of the suite gets the machine back. Of the tests that use the cluster, the one that kills
instances runs last (file order).

Skipped, with the reason, only when this machine lacks nginx (and cannot install it), PostgreSQL,
redis-server or rabbitmq-server; a missing model fails, as in the other end-to-end tests."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from naadloos.evaluation.processes import ROOT
from tests.cluster.private_services import PrivateRabbitMQ, missing_programs
from tests.cluster.running_cluster import PG_ADMIN, ClusterError, RunningCluster, new_cluster

HERE = Path(__file__).resolve().parent
NGINX = Path("/usr/sbin/nginx")


def missing_prerequisites() -> list[str]:
    """What the cluster needs and this machine does not have. nginx is installed first when
    missing (scripts/install_proxy.sh: Debian's package, as root)."""
    missing = missing_programs()
    if not (NGINX.exists() or shutil.which("nginx")):
        installed = subprocess.run(["bash", "scripts/install_proxy.sh"], cwd=ROOT, capture_output=True, text=True)
        if installed.returncode != 0:
            missing.append(f"nginx (scripts/install_proxy.sh: {installed.stderr.strip()})")
    try:
        psycopg2.connect(connect_timeout=3, **PG_ADMIN).close()
    except psycopg2.Error as error:
        missing.append(f"PostgreSQL on {PG_ADMIN['host']}:{PG_ADMIN['port']} as {PG_ADMIN['user']} ({str(error).strip()})")
    return missing


_started: list[RunningCluster] = []  # the session's cluster, for the early stop below


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    missing = missing_prerequisites()
    if missing:
        pytest.skip("the cluster tests need " + "; ".join(missing))
    try:
        running = new_cluster(tmp_path_factory.mktemp("cluster"))
        _started.append(running)
        running.start()
    except ClusterError as error:
        pytest.fail(str(error), pytrace=False)
    yield running
    running.stop()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last test of this folder: stop the cluster now instead of at the end of the session."""
    if nextitem is None or HERE not in nextitem.path.parents:
        while _started:
            _started.pop().stop()


@pytest.fixture
def rabbitmq_node(tmp_path: Path) -> Iterator[PrivateRabbitMQ]:
    """A RabbitMQ node of this test alone (`PrivateRabbitMQ`), for tests that stop and start it;
    skipped when rabbitmq-server is missing."""
    if missing_programs():
        pytest.skip("needs " + "; ".join(missing_programs()))
    node = PrivateRabbitMQ(tmp_path / "rabbitmq")
    node.start()
    yield node
    node.stop()
