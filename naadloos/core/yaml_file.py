"""Reading a configuration file in YAML, with errors that name the file and the problem."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# YAML reads a value that starts with * as a reference to an anchor elsewhere in the file: in a
# keyword list, "- *ketel" (a word ending in "ketel") is such a reference, not text.
_STAR_HINT = ' (a value that starts with * must be in quotes, for example - "*ketel")'


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """The parsed file; `error` ("cannot read <what> file ...", "... is not valid YAML") otherwise."""
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as problem:
        raise error(f"cannot read {what} file {path}: {problem.strerror}") from problem
    except yaml.YAMLError as problem:
        hint = _STAR_HINT if "undefined alias" in str(problem) else ""
        raise error(f"{what} file {path} is not valid YAML: {problem}{hint}") from problem
