#!/usr/bin/env bash
# Creates .venv with Python 3.10 and the pinned dependencies from requirements.lock.
# Re-running is cheap: when the lock file and the interpreter are unchanged it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.naadloos-installed"

python=$(scripts/find_python.sh)
wanted="$(sha256sum requirements.lock | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] && [ -x "$VENV/bin/python" ]; then
  echo "install: $VENV is up to date."
  exit 0
fi

echo "install: creating $VENV with $python"
rm -rf "$VENV"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
# --no-deps: the lock file lists every package, so the result is exactly the lock.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
"$VENV/bin/python" -m pip check
# Rasa telemetry off for every process of this environment, also when `rasa` is run directly
# (a .pth line runs at interpreter start); RASA_TELEMETRY_ENABLED=true in the environment wins.
site_packages=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo 'import os; os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")' > "$site_packages/naadloos_telemetry_off.pth"
echo "$wanted" > "$STAMP"

scripts/install_spacy_model.sh "$VENV"
echo "install: done."
