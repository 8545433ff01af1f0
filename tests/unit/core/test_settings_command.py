"""`python -m naadloos.core.settings NAME...` and `python -m naadloos.handover_contract.chatwoot.settings
NAME...`: the shell scripts (`make run`, `make shell`) ask Python for the values Python owns (the var
folder, the hand-over back end, the Chatwoot receiver's address) instead of repeating their defaults."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SHARED = "naadloos.core.settings"
CHATWOOT = "naadloos.handover_contract.chatwoot.settings"


def settings_command(module: str, *names: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NAADLOOS_", "CHATWOOT_", "LIVECHAT_"))}
    return subprocess.run(
        [sys.executable, "-m", module, *names], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )


def assignments(output: str) -> dict[str, str]:
    """What a shell's `eval` of `output` assigns."""
    values = {}
    for line in output.splitlines():
        name, value = line.split("=", 1)
        values[name] = " ".join(shlex.split(value))
    return values


def test_prints_shell_assignments_with_the_python_defaults():
    done = settings_command(SHARED, "var_dir", "handover_backend")
    assert done.returncode == 0, done.stderr
    # Inside the project a path is relative to it: the scripts run from the project root.
    assert assignments(done.stdout) == {"VAR_DIR": "var", "HANDOVER_BACKEND": "builtin"}


def test_follows_the_environment_and_quotes_for_the_shell(tmp_path):
    var = tmp_path / "met spatie; en $(meer)"
    env = {"NAADLOOS_VAR_DIR": str(var), "NAADLOOS_HANDOVER_BACKEND": " Chatwoot ", "CHATWOOT_BRIDGE_PORT": "6000"}
    shared = settings_command(SHARED, "var_dir", "handover_backend", **env)
    chatwoot = settings_command(CHATWOOT, "bridge_port", **env)
    assert (shared.returncode, chatwoot.returncode) == (0, 0), shared.stderr + chatwoot.stderr
    script = f'{shared.stdout}\n{chatwoot.stdout}\nprintf "%s|%s|%s" "$VAR_DIR" "$HANDOVER_BACKEND" "$CHATWOOT_BRIDGE_PORT"'
    shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert shell.stdout == f"{var}|chatwoot|6000"


def test_a_bad_value_or_an_unknown_name_is_a_clear_error():
    done = settings_command(CHATWOOT, "bridge_port", CHATWOOT_BRIDGE_PORT="poort")
    assert done.returncode == 2
    assert done.stderr.strip() == f"{CHATWOOT}: CHATWOOT_BRIDGE_PORT must be a whole number, got 'poort'"
    done = settings_command(SHARED, "var_map")
    assert done.returncode == 2 and "unknown setting 'var_map'" in done.stderr


def test_never_prints_a_secret():
    done = settings_command(CHATWOOT, "api_token", CHATWOOT_API_TOKEN="geheim-token-van-chatwoot")
    assert done.returncode == 2
    assert "geheim" not in done.stdout + done.stderr
