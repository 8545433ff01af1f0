"""Customers' conversations never leave the organisation: Rasa telemetry is off in this environment."""
from __future__ import annotations

import os
import subprocess
import sys


def test_telemetry_is_off_without_any_setting_in_the_environment() -> None:
    env = {key: value for key, value in os.environ.items() if key != "RASA_TELEMETRY_ENABLED"}
    probe = "import os, rasa.telemetry as t; print(os.environ['RASA_TELEMETRY_ENABLED'], t.is_telemetry_enabled())"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "false False"
