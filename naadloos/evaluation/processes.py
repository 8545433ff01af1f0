"""The project's services as real processes, for the tests (`tests/processes.py` turns a failed
start into a failed test) and the benchmark (`make bench`): a free loopback port, a process with its
output in a log file, waiting until a URL answers, stopping it; and the whole system as `make run`
starts it (`scripts/run.sh`: `run_env`, `start_system`, `stop_run_script`).

A start that goes wrong raises `StartupError`, whose message has what the process printed, so the
caller (a test, the benchmark) can say why without reading logs."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from naadloos.core.environment import PROJECT_ROOT

ROOT = PROJECT_ROOT
MODEL = ROOT / "models" / "naadloos.tar.gz"
LOG_TAIL_CHARACTERS = 3000
RUN_SCRIPT = ("bash", "scripts/run.sh")
RUN_STARTUP_SECONDS = 240  # run.sh waits for Rasa to load the model
RUN_STOP_SECONDS = 40
RUN_READY = "Naadloos is running."
# Settings of the developer's environment that would point a started run.sh at their own instance
# (prefixes: RASA_TOKEN also drops RASA_TOKEN_FILE, CHATWOOT_ every Chatwoot setting).
INHERITED_SETTINGS = (
    "RASA_TOKEN", "LIVECHAT_SHARED_SECRET", "LIVECHAT_VAR_DIR", "NAADLOOS_CHATWOOT_DB", "NAADLOOS_HANDOVER_BACKEND",
    "CHATWOOT_",
)


class StartupError(RuntimeError):
    """A process stopped or took too long during start-up; the message has the end of its output."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_process(
    command: list[str] | tuple[str, ...], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen:
    """`command` in `cwd` (the project root); its stdout and stderr are appended to `log`."""
    with log.open("a") as sink:
        return subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )


def log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARACTERS:] if log.exists() else ""


def wait_for_url(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until `url` answers 2xx. `StartupError` (with the log's end) when the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"{url}: the process exited during start-up; log:\n{log_tail(log)}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise StartupError(f"{url} did not come up within {timeout:.0f}s; log:\n{log_tail(log)}")


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


def always_open_organisation(directory: Path) -> Path:
    """The project's organisation file, open around the clock and on public holidays."""
    organisation = yaml.safe_load((ROOT / "config" / "organisation.yml").read_text(encoding="utf-8"))
    organisation["opening_hours"] = {day: ["00:00", "24:00"] for day in ("ma", "di", "wo", "do", "vr", "za", "zo")}
    organisation["closed_on_public_holidays"] = False
    path = directory / "organisation.yml"
    path.write_text(yaml.safe_dump(organisation, allow_unicode=True), encoding="utf-8")
    return path


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def run_env(work: Path, ports: Mapping[str, int], **settings: str) -> dict[str, str]:
    """The environment of a started `scripts/run.sh`: this one without the developer's own instance
    (`INHERITED_SETTINGS`), the ports `ports["actions"]`, `["rasa"]` and `["livechat"]` on
    127.0.0.1, the var folder and databases under `work`, and `settings` on top."""
    rasa, livechat = f"http://127.0.0.1:{ports['rasa']}", f"http://127.0.0.1:{ports['livechat']}"
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(INHERITED_SETTINGS)},
        "PYTHONUNBUFFERED": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "NAADLOOS_VAR_DIR": str(work / "var"),
        "NAADLOOS_BACKOFFICE_DB": str(work / "backoffice.sqlite3"),
        "NAADLOOS_OUTBOX_DB": str(work / "outbox.sqlite3"),
        "ACTION_SERVER_PORT": str(ports["actions"]),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "RASA_HOST": "127.0.0.1",
        "RASA_PORT": str(ports["rasa"]),
        "RASA_URL": rasa,
        "RASA_PUBLIC_URL": rasa,
        "RASA_CORS_ORIGINS": livechat,
        "LIVECHAT_HOST": "127.0.0.1",
        "LIVECHAT_PORT": str(ports["livechat"]),
        "LIVECHAT_URL": livechat,
        "LIVECHAT_DATABASE_URL": f"sqlite:///{work / 'livechat.sqlite3'}",
        **settings,
    }


@dataclass
class RunningSystem:
    """`scripts/run.sh` and what it started."""

    process: subprocess.Popen
    output: Path  # what run.sh printed
    var: Path  # NAADLOOS_VAR_DIR: the logs, the Rasa token, the demo agent
    ports: dict[str, int]

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def livechat(self) -> str:
        return f"http://127.0.0.1:{self.ports['livechat']}"

    def printed(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        """The end of every service's log."""
        return "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in sorted(self.var.glob("*.log")))


def stop_run_script(process: subprocess.Popen) -> None:
    """SIGTERM, as Ctrl-C in `make run`; when run.sh does not stop in time, every service it started
    (each in its own process group: run.sh uses job control) and run.sh itself are killed."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=RUN_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        for child in children_of(process.pid):
            with suppress(OSError):
                os.killpg(child, signal.SIGKILL)
        process.kill()
        process.wait()


def start_system(work: Path, env: dict[str, str], ports: Mapping[str, int]) -> RunningSystem:
    """`scripts/run.sh` with `env` (see `run_env`) from the trained model, once it printed that
    Naadloos is running; the caller stops it (`stop_run_script`). `StartupError` with what it
    printed and the ends of its logs when there is no model, or it stops or takes too long during
    start-up (then it is stopped here)."""
    if not MODEL.exists():
        raise StartupError(f"No trained model at {MODEL}: run `make train` first.")
    output = work / "run-output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            RUN_SCRIPT, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    system = RunningSystem(process, output, Path(env["NAADLOOS_VAR_DIR"]), dict(ports))
    try:
        deadline = time.monotonic() + RUN_STARTUP_SECONDS
        while RUN_READY not in system.printed():
            if process.poll() is not None:
                raise StartupError(f"run.sh stopped during start-up:\n{system.printed()}\n{system.logs()}")
            if time.monotonic() > deadline:
                raise StartupError(f"run.sh did not start within {RUN_STARTUP_SECONDS}s:\n{system.printed()}\n{system.logs()}")
            time.sleep(0.5)
    except BaseException:
        stop_run_script(process)
        raise
    return system
