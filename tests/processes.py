"""The project's services as real processes for tests (tests/livechat and tests/e2e). The helpers
live in `naadloos.evaluation.processes`, which the benchmark (`make bench`) uses too; here a failed
start fails the test (`wait_until_up`, `running_system`), and the live chat (`python -m livechat`)
is started and waited for in one call."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from naadloos.evaluation.processes import (
    INHERITED_SETTINGS,
    LOG_TAIL_CHARACTERS,
    MODEL,
    ROOT,
    RUN_READY,
    RUN_SCRIPT,
    RUN_STARTUP_SECONDS,
    RUN_STOP_SECONDS,
    RunningSystem,
    StartupError,
    always_open_organisation,
    children_of,
    free_port,
    log_tail,
    run_env,
    start_process,
    start_system,
    stop_process,
    stop_run_script,
    wait_for_url,
)

__all__ = [  # what the tests import from here, most of it from naadloos.evaluation.processes
    "INHERITED_SETTINGS", "LIVECHAT_COMMAND", "LIVECHAT_STARTUP_SECONDS", "LOG_TAIL_CHARACTERS", "MODEL", "ROOT",
    "RUN_READY", "RUN_SCRIPT", "RUN_STARTUP_SECONDS", "RUN_STOP_SECONDS", "RunningSystem", "always_open_organisation",
    "children_of", "free_port", "livechat_env", "log_tail", "run_env", "running_system", "start_livechat",
    "start_process", "stop_process", "stop_run_script", "wait_until_up",
]

LIVECHAT_COMMAND = (sys.executable, "-m", "livechat")
LIVECHAT_STARTUP_SECONDS = 30.0


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = LIVECHAT_STARTUP_SECONDS) -> None:
    """Until `url` answers 2xx; fails the test (with the log's end) when the process exits or time runs out."""
    try:
        wait_for_url(url, process, log, timeout)
    except StartupError as error:
        pytest.fail(str(error))


def livechat_env(work: Path, port: int, secret: str, **settings: str) -> dict[str, str]:
    """The environment of a test's `python -m livechat`: this environment plus its own port, SQLite
    file and var directory under `work` (created here: Rasa keeps its conversations there and cannot
    create it, and the live chat may create it later than Rasa needs it), the shared `secret`, and
    `settings`."""
    (work / "var").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LIVECHAT_HOST": "127.0.0.1",
        "LIVECHAT_PORT": str(port),
        "LIVECHAT_DATABASE_URL": f"sqlite:///{work / 'livechat.sqlite3'}",
        "NAADLOOS_VAR_DIR": str(work / "var"),
        "LIVECHAT_SHARED_SECRET": secret,
        **settings,
    }


def start_livechat(env: dict[str, str], log: Path, timeout: float = LIVECHAT_STARTUP_SECONDS) -> subprocess.Popen:
    """`python -m livechat` with `env` (LIVECHAT_PORT set), once its /health answers 200."""
    process = start_process(LIVECHAT_COMMAND, env, log)
    wait_until_up(f"http://127.0.0.1:{env['LIVECHAT_PORT']}/health", process, log, timeout)
    return process


@contextmanager
def running_system(work: Path, env: dict[str, str], ports: Mapping[str, int]) -> Iterator[RunningSystem]:
    """`scripts/run.sh` with `env` (see `run_env`) from the trained model, once it printed that
    Naadloos is running; stopped afterwards (`stop_run_script`). Fails the test with what it printed
    and the ends of its logs when there is no model, or it stops or takes too long during start-up."""
    try:
        system = start_system(work, env, ports)
    except StartupError as error:
        pytest.fail(str(error))
    try:
        yield system
    finally:
        stop_run_script(system.process)
