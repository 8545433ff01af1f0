#!/usr/bin/env bash
# `make run`: starts the whole system and keeps it running until Ctrl-C or SIGTERM.
#
#   action server       rasa run actions                  ACTION_SERVER_PORT
#   Rasa server         rasa run --enable-api (token)      RASA_HOST:RASA_PORT
#   live-chat service   python -m livechat (desk + chat)   LIVECHAT_HOST:LIVECHAT_PORT
#   Chatwoot receiver   python -m naadloos.handover_contract.chatwoot
#                                                          CHATWOOT_BRIDGE_HOST:CHATWOOT_BRIDGE_PORT
#                       (only with NAADLOOS_HANDOVER_BACKEND=chatwoot; docs/chatwoot.md)
#
# It waits until all of them answer their health check, then prints the URLs and the demo agent's
# login. Logs go to NAADLOOS_VAR_DIR (default var/). When one of them stops, the others are
# stopped too and the script says which one and where its log is. Exit status: 0 after Ctrl-C or
# SIGTERM, 1 when something failed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/settings.sh
. scripts/settings.sh
# shellcheck source=scripts/processes.sh
. scripts/processes.sh
SCRIPT_NAME=run

STARTUP_TIMEOUT_SECONDS=${NAADLOOS_STARTUP_TIMEOUT:-300}
STOP_TIMEOUT_SECONDS=20
NAMES=(actions rasa livechat)
PIDS=()
NAP_PID=

# --- the Rasa token: from the environment, or generated once into $VAR_DIR/rasa-token -----------
if [[ -z ${RASA_TOKEN:-} ]]; then
    token_file=$VAR_DIR/rasa-token
    if [[ ! -s $token_file ]]; then
        (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$token_file.new")
        mv "$token_file.new" "$token_file"
    fi
    RASA_TOKEN=$(< "$token_file")
    token_source=$token_file
else
    token_source="the RASA_TOKEN variable"
fi
export RASA_TOKEN
# Demo agent file and shared secret live next to the logs (NAADLOOS_VAR_DIR, which every Python
# process reads); both sides read the same secret file, created here once so that three processes
# starting together do not race to create it.
# Sanic (all three servers) waits this long for open connections when it stops; its default of
# 15 s makes Ctrl-C slow while a chat or desk tab is open.
export SANIC_GRACEFUL_SHUTDOWN_TIMEOUT=${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT:-3}
"$BIN/python" -c 'from naadloos.handover_contract.secret import load_shared_secret; load_shared_secret()' \
    || fail "could not read or create the live-chat shared secret"

# --- who takes over: the built-in desk, or Chatwoot with its webhook receiver --------------------
# HANDOVER_BACKEND comes from Python (scripts/settings.sh). With Chatwoot, the action server, Rasa's
# event broker and the receiver share NAADLOOS_CHATWOOT_DB, by default in NAADLOOS_VAR_DIR.
# A missing or wrong setting is named now, before anything starts (not at the first hand-over).
"$BIN/python" - << 'PY' || fail "the hand-over back end is not set up (NAADLOOS_HANDOVER_BACKEND; Chatwoot: docs/chatwoot.md)"
import sys
from naadloos.core.settings import Settings
from naadloos.handover_contract.backend import CHATWOOT, handover_backend_from_settings
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
try:
    handover_backend_from_settings()
    if Settings.from_environment().handover_backend == CHATWOOT:
        ChatwootSettings.from_environment().require_webhooks()
except ValueError as error:
    sys.exit(f"run: {error}")
PY

livechat_base=http://$(local_host "$LIVECHAT_HOST"):$LIVECHAT_PORT
rasa_base=http://$(local_host "$RASA_HOST"):$RASA_PORT
HEALTH_URLS=(
    "http://127.0.0.1:$ACTION_SERVER_PORT/health"
    "$rasa_base/status?token=\${RASA_TOKEN}"  # http_status expands it: no token in `ps`
    "$livechat_base/health"
)
PORTS=("actions 127.0.0.1 $ACTION_SERVER_PORT" "rasa $(local_host "$RASA_HOST") $RASA_PORT"
    "livechat $(local_host "$LIVECHAT_HOST") $LIVECHAT_PORT")
if [[ $HANDOVER_BACKEND == chatwoot ]]; then
    bridge_settings=$("$BIN/python" -m naadloos.handover_contract.chatwoot.settings bridge_host bridge_port) \
        || fail "the Chatwoot receiver's address is not valid (CHATWOOT_BRIDGE_HOST, CHATWOOT_BRIDGE_PORT)"
    eval "$bridge_settings"
    bridge_host=$(local_host "$CHATWOOT_BRIDGE_HOST")
    bridge_port=$CHATWOOT_BRIDGE_PORT
    bridge_base=http://$bridge_host:$bridge_port
    NAMES+=(chatwoot_bridge)
    HEALTH_URLS+=("$bridge_base/health")
    PORTS+=("chatwoot_bridge $bridge_host $bridge_port")
fi

for spec in "${PORTS[@]}"; do
    read -r name host port <<< "$spec"
    if port_in_use "$host" "$port"; then
        fail "port $port ($name) is already in use: is Naadloos already running? Stop it, or choose other ports in .env"
    fi
done

# --- starting and stopping ----------------------------------------------------------------------
log_of() { echo "$VAR_DIR/$1.log"; }
# Each process gets its own process group (job control), so stopping it stops its children too.
set -m

start() {  # name, command...
    local name=$1
    shift
    "$@" > "$(log_of "$name")" 2>&1 < /dev/null &
    PIDS+=($!)
}

on_signal() {
    trap '' INT TERM
    echo
    echo "run: stopping Naadloos (action server, Rasa, live chat)..."
    stop_all
    echo "run: stopped."
    exit 0
}
trap on_signal INT TERM
trap 'stop_all' EXIT

# Comma-separated origins, passed to --cors as separate values.
IFS=', ' read -r -a cors_origins <<< "${RASA_CORS_ORIGINS:-$livechat_base}"

# Sanic closes a connection that sent no request within its keep-alive timeout (5 s); Rasa's
# request can come later than that when it is busy (ACTION_SERVER_KEEP_ALIVE_SECONDS, .env.example).
start actions env SANIC_KEEP_ALIVE_TIMEOUT="$ACTION_SERVER_KEEP_ALIVE_SECONDS" \
    "$BIN/rasa" run actions --actions actions --port "$ACTION_SERVER_PORT"
# The token reaches Rasa through the environment (RASA_TOKEN, exported above), not the command line
# that every user sees in `ps`: naadloos.core.rasa_server is `rasa run` with the token read from there.
start rasa "$BIN/python" -m naadloos.core.rasa_server --enable-api --cors "${cors_origins[@]}" \
    --interface "$RASA_HOST" --port "$RASA_PORT" --model "$MODEL" \
    --endpoints endpoints.yml --credentials credentials.yml
start livechat "$BIN/python" -m livechat
logs="$VAR_DIR/actions.log, $VAR_DIR/rasa.log, $VAR_DIR/livechat.log"
if [[ $HANDOVER_BACKEND == chatwoot ]]; then
    start chatwoot_bridge "$BIN/python" -m naadloos.handover_contract.chatwoot
    logs="$logs, $(log_of chatwoot_bridge)"
fi

echo "run: starting the action server, Rasa (loading the model takes a minute) and the live-chat service..."
echo "run: logs in $logs"
deadline=$((SECONDS + STARTUP_TIMEOUT_SECONDS))
for i in "${!NAMES[@]}"; do
    while status=$(http_status "${HEALTH_URLS[$i]}") && [[ $status != 2?? ]]; do
        # Rasa answers 409 on /status when it runs without a model (it could not load it).
        [[ ${NAMES[$i]} != rasa || $status != 409 ]] || died rasa "runs but could not load $MODEL"
        dead=$(first_dead)
        [[ -z $dead ]] || died "$dead" "stopped during start-up"
        ((SECONDS < deadline)) || died "${NAMES[$i]}" "did not become healthy within ${STARTUP_TIMEOUT_SECONDS}s"
        nap
    done
done

demo_file=$VAR_DIR/demo-agent.txt
if [[ -f $demo_file ]]; then
    demo_login="username $(sed -n 's/^username: //p' "$demo_file"), password $(sed -n 's/^password: //p' "$demo_file") (from $demo_file)"
else
    demo_login="the demo agent already exists; set a new password: $BIN/python -m livechat.agents reset-password demo"
fi

cat <<EOF

Naadloos is running.
  Customer chat:  $livechat_base/chat
  Agent desk:     $livechat_base/desk
                  demo agent: $demo_login
  Rasa API:       $rasa_base   (token from $token_source)
EOF
if [[ $HANDOVER_BACKEND == chatwoot ]]; then
    cat <<EOF
  Hand-over:      Chatwoot at ${CHATWOOT_URL:-?} (agents answer there, not in the desk)
  Webhooks:       $bridge_base/chatwoot/webhook (Chatwoot must reach it: docs/chatwoot.md)
EOF
fi
cat <<EOF
  Logs:           $logs
Press Ctrl-C to stop everything.
EOF

while true; do
    dead=$(first_dead)
    [[ -z $dead ]] || died "$dead" "stopped unexpectedly"
    nap
done
