"""`python -m naadloos.core.rasa_server <rasa run options>`: `rasa run` with the API token kept off the
command line.

Rasa 3.6 takes its API token only from `rasa run --auth-token`, and a command line is readable by
every user of the machine (`ps`, /proc/<pid>/cmdline). This launcher reads the token from the
environment (``RASA_TOKEN``) or from the file named by ``RASA_TOKEN_FILE`` and hands it to Rasa's own
command-line entry point inside this process; the process's command line shows only the other
options. Every other option is Rasa's, e.g.::

    RASA_TOKEN_FILE=var/rasa-token python -m naadloos.core.rasa_server --enable-api --port 5005 --model models

Two things make the served assistant cheaper per message, both done before Rasa starts. The math
libraries (OpenBLAS under numpy, OpenMP, which TensorFlow's inference follows too, MKL) get one
thread each (`ONE_MATH_THREAD`, unless the environment sets another number): the work per message
is a handful of small matrix products, and with many conversations at once the threads only fight
over the two cores (README, "Speed"). And Rasa leaves out work it repeats per message
(`naadloos.core.lean_rasa`): the action server's answers are checked with a validator built once,
events find their class in a table, and the policies share one computation of the dialogue states.
"""
from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path

TOKEN_VARIABLE = "RASA_TOKEN"
TOKEN_FILE_VARIABLE = "RASA_TOKEN_FILE"
TOKEN_OPTION = "--auth-token"
# Thread counts of OpenBLAS (numpy), OpenMP and MKL; README, "Speed".
ONE_MATH_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class LauncherError(ValueError):
    """The token is missing, or was passed on the command line after all."""


def read_token() -> str:
    """RASA_TOKEN, else the first line of the file RASA_TOKEN_FILE; LauncherError when neither is set."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        return token
    path = os.environ.get(TOKEN_FILE_VARIABLE, "").strip()
    if not path:
        raise LauncherError(f"set {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE}: Rasa's HTTP API must not run without a token")
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise LauncherError(f"cannot read the Rasa token from {TOKEN_FILE_VARIABLE}={path}: {error.strerror}") from error
    if not token:
        raise LauncherError(f"the Rasa token file {path} is empty")
    return token


def rasa_arguments(options: Sequence[str], token: str) -> list[str]:
    """The argv that Rasa's CLI parses: `rasa run <options> --auth-token <token>`."""
    if any(option == TOKEN_OPTION or option.startswith(TOKEN_OPTION + "=") for option in options):
        raise LauncherError(f"do not pass {TOKEN_OPTION}: the token comes from {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE}")
    return ["rasa", "run", *options, TOKEN_OPTION, token]


def use_one_math_thread(environ: MutableMapping[str, str]) -> None:
    """`ONE_MATH_THREAD` in `environ`, for every variable it does not set yet. Works only before
    numpy is imported (the libraries read it once, when they load)."""
    for name, value in ONE_MATH_THREAD.items():
        environ.setdefault(name, value)


def main(options: Sequence[str] | None = None) -> int:
    try:
        argv = rasa_arguments(sys.argv[1:] if options is None else options, read_token())
    except LauncherError as error:
        print(f"naadloos.core.rasa_server: {error}", file=sys.stderr)
        return 2
    # Rasa's entry point parses sys.argv. Changing the list inside Python does not change what the
    # operating system shows as this process's command line.
    sys.argv = argv
    use_one_math_thread(os.environ)
    from naadloos.core.lean_rasa import install as leave_out_repeated_work

    leave_out_repeated_work()
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
