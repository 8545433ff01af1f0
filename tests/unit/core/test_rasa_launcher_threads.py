"""`python -m naadloos.core.rasa_server` gives the math libraries one thread each, unless the
environment chose a number itself, and does so in the process before numpy loads."""
from __future__ import annotations

import subprocess
import sys

from naadloos.core.environment import PROJECT_ROOT
from naadloos.core.rasa_server import ONE_MATH_THREAD, use_one_math_thread


def test_one_thread_unless_the_environment_says_otherwise() -> None:
    environ = {"OMP_NUM_THREADS": "4", "PATH": "/usr/bin"}
    use_one_math_thread(environ)
    assert environ == {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": "/usr/bin"}
    assert set(ONE_MATH_THREAD) == {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}


def test_numpy_loaded_after_it_runs_on_one_thread() -> None:
    """What the launcher does before it imports Rasa, in a fresh process without the variables."""
    code = (
        "import os\n"
        "from naadloos.core.rasa_server import use_one_math_thread\n"
        "use_one_math_thread(os.environ)\n"
        "import numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({pool['num_threads'] for pool in threadpool_info()}))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                           check=True, cwd=PROJECT_ROOT)
    assert found.stdout.strip() == "[1]"
