#!/usr/bin/env bash
# `make shell`: starts the action server in the background and opens a Dutch chat with the
# assistant in this terminal (`rasa shell`). Ctrl-C or /stop ends both. Without the live-chat
# service a hand-over takes the no-agent path; `make run` starts the whole system.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/settings.sh
. scripts/settings.sh

# ACTION_SERVER_KEEP_ALIVE_SECONDS: see .env.example (as in scripts/run.sh).
SANIC_KEEP_ALIVE_TIMEOUT="$ACTION_SERVER_KEEP_ALIVE_SECONDS" \
    "$BIN/rasa" run actions --actions actions --port "$ACTION_SERVER_PORT" > "$VAR_DIR/actions.log" 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null; wait "$actions_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 120); do
    is_up "http://127.0.0.1:$ACTION_SERVER_PORT/health" && break
    kill -0 "$actions_pid" 2>/dev/null || break
    sleep 0.5
done
is_up "http://127.0.0.1:$ACTION_SERVER_PORT/health" || fail "the action server did not start; see $VAR_DIR/actions.log"

echo "shell: action server is up (log: $VAR_DIR/actions.log). Starting the chat; type /stop to end."
"$BIN/rasa" shell --model "$MODEL"
