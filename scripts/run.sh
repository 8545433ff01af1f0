#!/usr/bin/env bash
# Starts the action server in the background and opens a Dutch chat with the assistant in this
# terminal (`rasa shell`). Ctrl-C or /stop ends both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
mkdir -p var

"$BIN/rasa" run actions --actions actions --port "$ACTION_SERVER_PORT" > var/actions.log 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null; wait "$actions_pid" 2>/dev/null || true' EXIT INT TERM

"$BIN/python" - "$ACTION_SERVER_PORT" <<'PY'
import sys, time, urllib.request
url = f"http://localhost:{sys.argv[1]}/health"
for _ in range(120):
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(f"run: the action server did not start; see var/actions.log")
PY

echo "run: action server is up (log: var/actions.log). Starting the chat; type /stop to end."
"$BIN/rasa" shell --model models/naadloos.tar.gz
