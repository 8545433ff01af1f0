"""Reading a configuration file in YAML, with errors that name the file and the problem."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """The parsed file; `error` ("cannot read <what> file ...", "... is not valid YAML") otherwise."""
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as problem:
        raise error(f"cannot read {what} file {path}: {problem.strerror}") from problem
    except yaml.YAMLError as problem:
        raise error(f"{what} file {path} is not valid YAML: {problem}") from problem
