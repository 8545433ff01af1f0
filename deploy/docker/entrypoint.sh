#!/usr/bin/env bash
# Container entry point of the Naadloos image (deploy/docker/Dockerfile): the first argument picks
# the role, with the same commands as scripts/run.sh and scripts/cluster.sh, listening on all
# interfaces of the container:
#   rasa      Rasa (HTTP API, channels, web chat socket.io) on RASA_PORT (5005), token from
#             RASA_TOKEN or RASA_TOKEN_FILE, endpoints NAADLOOS_ENDPOINTS (config/endpoints.production.yml)
#   actions   the action server on ACTION_SERVER_PORT (5055)
#   livechat  the live chat (desk, chat page, hand-over API) on LIVECHAT_PORT (5056)
# Anything else runs as given, e.g. `rasa train ...` or `python -m livechat.agents list`.
# The role is written to /tmp/naadloos-role for deploy/docker/healthcheck.py.
set -euo pipefail
cd /app

role=${1:-rasa}
case $role in
    rasa | actions | livechat) shift || true ;;
    *) exec "$@" ;;
esac
echo "$role" > /tmp/naadloos-role

case $role in
    rasa)
        model=${NAADLOOS_MODEL:-models/naadloos.tar.gz}
        if [[ ! -f $model ]]; then
            echo "entrypoint: no trained model at /app/$model: mount one there, or build with --build-arg TRAIN_MODEL=true" >&2
            exit 1
        fi
        IFS=', ' read -r -a cors_origins <<< "${RASA_CORS_ORIGINS:-${LIVECHAT_PUBLIC_URL:-http://localhost:5056}}"
        # The token reaches Rasa through the environment, not the command line (naadloos.core.rasa_server).
        exec python -m naadloos.core.rasa_server --enable-api --cors "${cors_origins[@]}" \
            --interface 0.0.0.0 --port "${RASA_PORT:-5005}" --model "$model" \
            --endpoints "${NAADLOOS_ENDPOINTS:-config/endpoints.production.yml}" \
            --credentials "${NAADLOOS_CREDENTIALS:-credentials.yml}" "$@"
        ;;
    actions)
        # Rasa opens a connection per action call and may send its request late when busy; Sanic's
        # default keep-alive of 5 s then loses the action (.env.example, ACTION_SERVER_KEEP_ALIVE_SECONDS).
        export SANIC_KEEP_ALIVE_TIMEOUT=${ACTION_SERVER_KEEP_ALIVE_SECONDS:-120}
        exec rasa run actions --actions actions --port "${ACTION_SERVER_PORT:-5055}" "$@"
        ;;
    livechat)
        export LIVECHAT_HOST=${LIVECHAT_HOST:-0.0.0.0}
        exec python -m livechat "$@"
        ;;
esac
