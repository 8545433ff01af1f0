"""The project's services as real processes for tests (tests/livechat and tests/e2e): a free port,
start with the output in a log file, wait until a URL answers, stop; and the live chat
(`python -m livechat`) started and waited for in one call."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
LIVECHAT_COMMAND = (sys.executable, "-m", "livechat")
LIVECHAT_STARTUP_SECONDS = 30.0
LOG_TAIL_CHARACTERS = 3000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_process(command: list[str] | tuple[str, ...], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` in the project root; its stdout and stderr are appended to `log`."""
    with log.open("a") as sink:
        return subprocess.Popen(
            list(command), cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )


def log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARACTERS:] if log.exists() else ""


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = LIVECHAT_STARTUP_SECONDS) -> None:
    """Until `url` answers 2xx; fails the test (with the log's end) when the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: the process exited during start-up; log:\n{log_tail(log)}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not come up within {timeout:.0f}s; log:\n{log_tail(log)}")


def stop_process(process: subprocess.Popen, stop_signal: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Sends `stop_signal` and waits; kills the process when it does not stop in time. Its exit code."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def livechat_env(work: Path, port: int, secret: str, **settings: str) -> dict[str, str]:
    """The environment of a test's `python -m livechat`: this environment plus its own port, SQLite
    file and var directory under `work`, the shared `secret`, and `settings`."""
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


def always_open_organisation(directory: Path) -> Path:
    """The project's organisation file, open around the clock and on public holidays."""
    organisation = yaml.safe_load((ROOT / "config" / "organisation.yml").read_text(encoding="utf-8"))
    organisation["opening_hours"] = {day: ["00:00", "24:00"] for day in ("ma", "di", "wo", "do", "vr", "za", "zo")}
    organisation["closed_on_public_holidays"] = False
    path = directory / "organisation.yml"
    path.write_text(yaml.safe_dump(organisation, allow_unicode=True), encoding="utf-8")
    return path
