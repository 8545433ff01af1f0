#!/usr/bin/env bash
# `make cluster`: several instances of everything behind one reverse proxy, on this machine
# (README, "Several instances: the web chat and `make cluster`"), until Ctrl-C or SIGTERM. `scripts/cluster.sh --dry-run` checks
# the settings, the services and the proxy configuration and prints what it would start.
#
#   nginx (deploy/cluster/nginx.conf.template) on the single stack's usual addresses, so every
#   URL of .env/.env.example (RASA_URL, LIVECHAT_URL, ACTION_ENDPOINT_URL, RASA_PUBLIC_URL) goes
#   through it:
#     RASA_HOST:RASA_PORT            -> Rasa 1 and 2           on 127.0.0.1:RASA_PORT+100, +200
#     127.0.0.1:ACTION_SERVER_PORT   -> action server 1 and 2  on ACTION_SERVER_PORT+100, +200
#     LIVECHAT_HOST:LIVECHAT_PORT    -> live chat 1 and 2      on LIVECHAT_PORT+100, +200
#   Rasa uses config/endpoints.production.yml: conversations in PostgreSQL (database
#   NAADLOOS_CLUSTER_DB, created when missing), locks in Redis, events to RabbitMQ (RASA_DB_*,
#   REDIS_*, RABBITMQ_* of .env.example). The web chat shares its sockets through Redis
#   (NAADLOOS_WEBCHAT_REDIS_URL); the live chat keeps its data in PostgreSQL
#   (NAADLOOS_CLUSTER_DB + "_livechat") and shares its events through Redis and RabbitMQ.
#   A variable already set (environment, .env) wins over what this script derives, except
#   RASA_DB_NAME: the cluster's Rasa always uses NAADLOOS_CLUSTER_DB (default naadloos_cluster).
#
# Needs: a trained model, nginx (scripts/install_proxy.sh) and PostgreSQL (trust or RASA_DB_PASSWORD),
# Redis and RabbitMQ running. Logs and the generated nginx.conf in NAADLOOS_VAR_DIR/cluster.
# Once running, an instance that stops (a crash, kill -9) is reported and the others go on; the proxy
# stopping stops everything. Exit status: 0 after Ctrl-C or SIGTERM (or a dry run that found nothing
# wrong), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/settings.sh
. scripts/settings.sh
# shellcheck source=scripts/processes.sh
. scripts/processes.sh
SCRIPT_NAME=cluster

DRY_RUN=false
case ${1:-} in
    "") ;;
    --dry-run) DRY_RUN=true ;;
    *) fail "unknown option $1 (only --dry-run)" ;;
esac

STARTUP_TIMEOUT_SECONDS=${NAADLOOS_STARTUP_TIMEOUT:-300}
STOP_TIMEOUT_SECONDS=20
INSTANCES=(1 2)
BACKEND_HOST=127.0.0.1
CLUSTER_DIR=$(cd "$VAR_DIR" && pwd)/cluster
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$CLUSTER_DIR/nginx-temp"

[[ $HANDOVER_BACKEND == builtin ]] \
    || fail "the cluster runs the built-in live chat; NAADLOOS_HANDOVER_BACKEND is $HANDOVER_BACKEND"
[[ -x $NGINX ]] || fail "nginx is missing: run scripts/install_proxy.sh (as root), or sudo apt-get install nginx"

instance_port() {  # base port, instance number
    echo $(($1 + 100 * $2))
}
PROXY_HOST=$(local_host "$RASA_HOST")
[[ $(local_host "$LIVECHAT_HOST") == "$PROXY_HOST" ]] \
    || fail "the proxy listens on one host: RASA_HOST ($RASA_HOST) and LIVECHAT_HOST ($LIVECHAT_HOST) must be the same"

# --- the cluster's settings (a variable already set wins) -----------------------------------------
export NAADLOOS_CLUSTER_DB=${NAADLOOS_CLUSTER_DB:-naadloos_cluster}
export RASA_DB_NAME=$NAADLOOS_CLUSTER_DB
db_login=$RASA_DB_USER${RASA_DB_PASSWORD:+:$RASA_DB_PASSWORD}
redis_base=redis://$REDIS_HOST:$REDIS_PORT
export NAADLOOS_WEBCHAT_REDIS_URL=${NAADLOOS_WEBCHAT_REDIS_URL:-$redis_base/0}
export LIVECHAT_REDIS_URL=${LIVECHAT_REDIS_URL:-$redis_base/0}
export LIVECHAT_RABBITMQ_URL=${LIVECHAT_RABBITMQ_URL:-amqp://$RABBITMQ_USER:$RABBITMQ_PASSWORD@$RABBITMQ_HOST:$RABBITMQ_PORT/}
export LIVECHAT_DATABASE_URL=${LIVECHAT_DATABASE_URL:-postgresql://$db_login@$RASA_DB_HOST:$RASA_DB_PORT/${NAADLOOS_CLUSTER_DB}_livechat}
export LIVECHAT_TRACKER_STORE_URL=${LIVECHAT_TRACKER_STORE_URL:-postgresql://$db_login@$RASA_DB_HOST:$RASA_DB_PORT/$NAADLOOS_CLUSTER_DB}
# The instances listen on their own ports; pages, CSP and cookies use the proxy's address.
export LIVECHAT_PUBLIC_URL=${LIVECHAT_PUBLIC_URL:-http://$PROXY_HOST:$LIVECHAT_PORT}
export SANIC_GRACEFUL_SHUTDOWN_TIMEOUT=${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT:-3}

# --- the services the instances share: PostgreSQL (databases created when missing), Redis, RabbitMQ
"$BIN/python" - "$DRY_RUN" "$NAADLOOS_CLUSTER_DB" "${NAADLOOS_CLUSTER_DB}_livechat" << 'PY' || fail "a shared service is not ready (see above)"
import os, socket, sys
import psycopg2
import redis
from psycopg2 import sql

dry_run, databases = sys.argv[1] == "true", sys.argv[2:]
env = os.environ
try:
    connection = psycopg2.connect(host=env["RASA_DB_HOST"], port=env["RASA_DB_PORT"], user=env["RASA_DB_USER"],
                                  password=env.get("RASA_DB_PASSWORD") or None, dbname="postgres", connect_timeout=3)
except psycopg2.Error as error:
    sys.exit(f"cluster: PostgreSQL on {env['RASA_DB_HOST']}:{env['RASA_DB_PORT']} (RASA_DB_*) does not answer: {error}".strip())
connection.autocommit = True
with connection.cursor() as cursor:
    for name in databases:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone():
            continue
        if dry_run:
            print(f"cluster: would create PostgreSQL database {name}")
        else:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"cluster: created PostgreSQL database {name}")
connection.close()
try:
    redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), socket_connect_timeout=3).ping()
except redis.RedisError as error:
    sys.exit(f"cluster: Redis on {env['REDIS_HOST']}:{env['REDIS_PORT']} (REDIS_*) does not answer: {error}")
try:
    socket.create_connection((env["RABBITMQ_HOST"], int(env["RABBITMQ_PORT"])), timeout=3).close()
except OSError as error:
    sys.exit(f"cluster: RabbitMQ on {env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']} (RABBITMQ_*) does not answer: {error}")
PY

# --- the proxy's configuration --------------------------------------------------------------------
export CLUSTER_DIR BACKEND_HOST PROXY_HOST
for i in "${INSTANCES[@]}"; do
    export "RASA_PORT_$i=$(instance_port "$RASA_PORT" "$i")"
    export "ACTION_SERVER_PORT_$i=$(instance_port "$ACTION_SERVER_PORT" "$i")"
    export "LIVECHAT_PORT_$i=$(instance_port "$LIVECHAT_PORT" "$i")"
done
NGINX_CONF=$CLUSTER_DIR/nginx.conf
# The placeholders in capitals come from the environment; nginx's own $variables stay as they are.
"$BIN/python" deploy/cluster/render_config.py deploy/cluster/nginx.conf.template "$NGINX_CONF" \
    || fail "could not write $NGINX_CONF"
"$NGINX" -t -q -e "$CLUSTER_DIR/nginx-error.log" -p "$CLUSTER_DIR" -c "$NGINX_CONF" \
    || fail "nginx does not accept $NGINX_CONF (see above)"

for port in "$RASA_PORT" "$ACTION_SERVER_PORT" "$LIVECHAT_PORT"; do
    ! port_in_use "$PROXY_HOST" "$port" || fail "port $port is already in use: is Naadloos (make run) already running?"
done
for i in "${INSTANCES[@]}"; do
    for variable in RASA_PORT ACTION_SERVER_PORT LIVECHAT_PORT; do
        port_variable=${variable}_$i
        ! port_in_use "$BACKEND_HOST" "${!port_variable}" || fail "port ${!port_variable} (instance $i) is already in use"
    done
done

# --- the Rasa token: from the environment, or the one make run keeps in $VAR_DIR/rasa-token -------
# (A dry run creates neither the token nor the shared secret.)
[[ -n ${RASA_TOKEN:-} ]] || token_file=$VAR_DIR/rasa-token
if [[ -z ${RASA_TOKEN:-} ]] && ! $DRY_RUN; then
    if [[ ! -s $token_file ]]; then
        (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$token_file.new")
        mv "$token_file.new" "$token_file"
    fi
    RASA_TOKEN=$(< "$token_file")
fi
export RASA_TOKEN
$DRY_RUN || "$BIN/python" -c 'from naadloos.handover_contract.secret import load_shared_secret; load_shared_secret()' \
    || fail "could not read or create the live-chat shared secret"

# --- what runs ------------------------------------------------------------------------------------
IFS=', ' read -r -a cors_origins <<< "${RASA_CORS_ORIGINS:-http://$PROXY_HOST:$LIVECHAT_PORT}"
NAMES=()
COMMANDS=()
HEALTH_URLS=()
plan() {  # name, health URL, command...
    NAMES+=("$1")
    HEALTH_URLS+=("$2")
    shift 2
    COMMANDS+=("$(printf '%q ' "$@")")
}
for i in "${INSTANCES[@]}"; do
    port_variable=ACTION_SERVER_PORT_$i
    plan "actions-$i" "http://$BACKEND_HOST:${!port_variable}/health" \
        env SANIC_KEEP_ALIVE_TIMEOUT="$ACTION_SERVER_KEEP_ALIVE_SECONDS" \
        "$BIN/rasa" run actions --actions actions --port "${!port_variable}"
done
for i in "${INSTANCES[@]}"; do
    port_variable=LIVECHAT_PORT_$i
    plan "livechat-$i" "http://$BACKEND_HOST:${!port_variable}/health" \
        env LIVECHAT_HOST="$BACKEND_HOST" LIVECHAT_PORT="${!port_variable}" "$BIN/python" -m livechat
done
for i in "${INSTANCES[@]}"; do
    port_variable=RASA_PORT_$i
    # The token reaches Rasa through the environment (RASA_TOKEN), not the command line (see run.sh).
    plan "rasa-$i" "http://$BACKEND_HOST:${!port_variable}/status?token=\${RASA_TOKEN}" \
        "$BIN/python" -m naadloos.core.rasa_server --enable-api --cors "${cors_origins[@]}" \
        --interface "$BACKEND_HOST" --port "${!port_variable}" --model "$MODEL" \
        --endpoints config/endpoints.production.yml --credentials credentials.yml
done
plan proxy "http://$PROXY_HOST:$LIVECHAT_PORT/health" \
    "$NGINX" -e "$CLUSTER_DIR/nginx-error.log" -p "$CLUSTER_DIR" -c "$NGINX_CONF" -g "daemon off;"

proxy_base=http://$PROXY_HOST
print_addresses() {
    cat << EOF
  Customer chat:  $proxy_base:$LIVECHAT_PORT/chat
  Agent desk:     $proxy_base:$LIVECHAT_PORT/desk
  Rasa API:       $proxy_base:$RASA_PORT   (token from ${token_file:-the RASA_TOKEN variable})
  Action server:  $proxy_base:$ACTION_SERVER_PORT   (Rasa's ACTION_ENDPOINT_URL: $ACTION_ENDPOINT_URL)
  Behind nginx:   Rasa on $RASA_PORT_1 and $RASA_PORT_2, action servers on $ACTION_SERVER_PORT_1 and \
$ACTION_SERVER_PORT_2, live chats on $LIVECHAT_PORT_1 and $LIVECHAT_PORT_2 (all on $BACKEND_HOST)
  Shared:         PostgreSQL $RASA_DB_HOST:$RASA_DB_PORT (databases $NAADLOOS_CLUSTER_DB, ${NAADLOOS_CLUSTER_DB}_livechat),
                  Redis $REDIS_HOST:$REDIS_PORT, RabbitMQ $RABBITMQ_HOST:$RABBITMQ_PORT (queue $RABBITMQ_QUEUE)
  Logs:           $CLUSTER_DIR/<name>.log; nginx: $CLUSTER_DIR/nginx-error.log, nginx-access.log
EOF
}

if $DRY_RUN; then
    echo "cluster: dry run; nginx accepts $NGINX_CONF. Would start, in this order:"
    for i in "${!NAMES[@]}"; do
        echo "  ${NAMES[$i]}: ${COMMANDS[$i]}"
    done
    echo "cluster: and then serve:"
    print_addresses
    exit 0
fi

# --- starting and stopping (as scripts/run.sh) -----------------------------------------------------
PIDS=()
NAP_PID=
log_of() { echo "$CLUSTER_DIR/$1.log"; }
# Each process gets its own process group (job control), so stopping it stops its children too.
set -m
start() {  # index into NAMES
    eval "${COMMANDS[$1]}" > "$(log_of "${NAMES[$1]}")" 2>&1 < /dev/null &
    PIDS+=($!)
}
on_signal() {
    trap '' INT TERM
    echo
    echo "cluster: stopping the proxy and all instances..."
    stop_all
    echo "cluster: stopped."
    exit 0
}
trap on_signal INT TERM
trap 'stop_all' EXIT

deadline=$((SECONDS + STARTUP_TIMEOUT_SECONDS))
until_healthy() {  # index into NAMES
    local status dead
    while status=$(http_status "${HEALTH_URLS[$1]}") && [[ $status != 2?? ]]; do
        [[ ${NAMES[$1]} != rasa-* || $status != 409 ]] || died "${NAMES[$1]}" "runs but could not load $MODEL"
        dead=$(first_dead)
        [[ -z $dead ]] || died "$dead" "stopped during start-up"
        ((SECONDS < deadline)) || died "${NAMES[$1]}" "did not become healthy within ${STARTUP_TIMEOUT_SECONDS}s"
        nap
    done
}

echo "cluster: starting 2 action servers, 2 live chats, 2 Rasa servers (loading the model takes a minute or two) and nginx..."
echo "cluster: logs in $CLUSTER_DIR"
for i in "${!NAMES[@]}"; do
    start "$i"
    # The first live chat creates its tables and the demo agent before the second one starts.
    [[ ${NAMES[$i]} != livechat-1 ]] || until_healthy "$i"
done
for i in "${!NAMES[@]}"; do
    until_healthy "$i"
done

echo
echo "Naadloos runs as a cluster behind nginx."
print_addresses
echo "Press Ctrl-C to stop everything."
# From here on an instance that stops is reported once and the others go on serving (that is what
# two of each are for: nginx sends its requests to the other one); only the proxy stopping stops all.
reported=" "
while true; do
    for i in "${!PIDS[@]}"; do
        name=${NAMES[$i]}
        ! alive "${PIDS[$i]}" || continue
        [[ $reported != *" $name "* ]] || continue
        [[ $name != proxy ]] || died proxy "stopped unexpectedly"
        echo "cluster: $name stopped unexpectedly; the other instances go on. Its log: $(log_of "$name")" >&2
        reported+="$name "
    done
    nap
done
