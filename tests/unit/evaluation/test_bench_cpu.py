"""The benchmark's CPU seconds per process (`naadloos.evaluation.bench.cpu`), on real processes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from naadloos.evaluation.bench import report
from naadloos.evaluation.bench.cpu import CpuMeter, LevelCpu, cpu_seconds, cpu_text, named_children, tree, tree_seconds

# Waits a second (the meter starts meanwhile), spins `seconds` of CPU, then sleeps.
SPIN = "import time\ntime.sleep(1)\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\ntime.sleep(60)"


@pytest.fixture
def spinning_parent():
    """A shell that starts two children as run.sh starts its services, each spinning 0.4 s of CPU."""
    script = (f"{sys.executable} -c '{SPIN.format(seconds=0.4)}' -m livechat & "
              f"{sys.executable} -c '{SPIN.format(seconds=0.4)}' naadloos.core.rasa_server --port 1 & wait")
    parent = subprocess.Popen(["bash", "-c", script])
    time.sleep(0.3)
    yield parent
    for child in tree(parent.pid)[1:]:
        os.kill(child, signal.SIGKILL)
    parent.kill()
    parent.wait()


def test_cpu_seconds_of_this_process_grow_with_work() -> None:
    before = cpu_seconds(os.getpid())
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    assert cpu_seconds(os.getpid()) - before >= 0.15


def test_a_process_that_is_gone_used_nothing() -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert cpu_seconds(finished.pid) == 0.0


def test_the_meter_counts_each_named_process_of_run_sh(spinning_parent) -> None:
    found = named_children(spinning_parent.pid)
    assert set(found) == {"livechat", "rasa"}
    meter = CpuMeter(found)
    meter.start()
    time.sleep(2.5)  # the children spin and finish
    level = meter.stop(concurrency=1, answered=4)
    assert set(level.seconds) == {"livechat", "rasa"}
    assert all(0.35 <= seconds <= 1.0 for seconds in level.seconds.values()), level
    assert tree_seconds(spinning_parent.pid) >= sum(level.seconds.values())


def test_cpu_per_message_and_the_lines_shown() -> None:
    ours = LevelCpu(10, answered=200, seconds={"rasa": 8.0, "actions": 2.0, "livechat": 0.1})
    plain = LevelCpu(10, answered=0, seconds={"rasa": 1.5})
    assert ours.ms_per_message == {"rasa": 40.0, "actions": 10.0, "livechat": 0.5}
    assert plain.ms_per_message == {"rasa": None}
    assert cpu_text(ours) == "CPU rasa 8.0 s (40 ms/msg), actions 2.0 s (10 ms/msg), livechat 0.1 s (0 ms/msg)"
    table = report.cpu_table({report.PLAIN: [plain], report.OURS: [ours]}).splitlines()
    assert len(table) == 1 + 1 + 3
    assert table[1].split()[-2:] == ["1.5", "-"] and table[2].split()[-2:] == ["8.0", "40"]
