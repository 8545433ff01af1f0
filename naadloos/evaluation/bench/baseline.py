"""The plain Rasa bot the benchmark compares with: the project `rasa init --no-prompt` creates
(Rasa's own scaffold, copied as `rasa init` copies it, with its own data), trained as `rasa init`
trains it, and served with `rasa run --enable-api` on a loopback port, from the same virtualenv and
so the same Rasa version as our assistant.

Training takes a few minutes on two cores, so the model is kept once per Rasa version in the var
folder (`NAADLOOS_VAR_DIR`, `bench/plain-rasa-<version>.tar.gz`); the project itself is copied
fresh into the run's scratch folder every time."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from naadloos.evaluation.processes import log_tail, start_process

TRAIN_SECONDS = 30 * 60
RASA = (sys.executable, "-m", "rasa")


def rasa_version() -> str:
    return importlib.metadata.version("rasa")


def scaffold() -> Path:
    """The folder `rasa init` copies (rasa/cli/initial_project), found without importing Rasa."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or spec.origin is None:
        raise RuntimeError("Rasa is not installed in this Python: run `make install`")
    return Path(spec.origin).parent / "cli" / "initial_project"


def cached_model(var_dir: Path) -> Path:
    return var_dir / "bench" / f"plain-rasa-{rasa_version()}.tar.gz"


def create_project(directory: Path) -> Path:
    """A plain `rasa init` project in `directory` (which must not exist yet)."""
    shutil.copytree(scaffold(), directory)
    return directory


def train(project: Path, model: Path, env: dict[str, str], log: Path) -> Path:
    """Trains `project` into `model` (written only when training succeeded). RuntimeError with the
    end of the training log when it fails."""
    model.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=model.parent) as out, log.open("a") as sink:
        result = subprocess.run(
            [*RASA, "train", "--out", out, "--fixed-model-name", "plain"],
            cwd=project, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            timeout=TRAIN_SECONDS, check=False,
        )
        trained = Path(out) / "plain.tar.gz"
        if result.returncode != 0 or not trained.exists():
            raise RuntimeError(f"training the plain Rasa bot failed (exit {result.returncode}); log {log}:\n{log_tail(log)}")
        trained.replace(model)
    return model


def start(project: Path, model: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`rasa run --enable-api` of `project` with `model` on 127.0.0.1:`port`; its /status answers
    200 once the model is loaded (`naadloos.evaluation.processes.wait_for_url`)."""
    command = [
        *RASA, "run", "--enable-api", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
    ]
    return start_process(command, env, log, cwd=project)
