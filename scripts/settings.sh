# Sourced by scripts/run.sh and scripts/shell.sh (from the project root): settings and helpers.
#
# Settings come from the environment first (the Makefile exports them), then .env, then
# .env.example, so the scripts also work when they are called directly. A value may use
# ${OTHER} for a variable defined before it.

BIN=${VENV:-.venv}/bin
MODEL=models/naadloos.tar.gz

fail() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# Exports KEY=value lines of a settings file, except for variables that are already set.
load_settings() {
    local line key
    [[ -f $1 ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        key=${BASH_REMATCH[1]}
        [[ -n ${!key+set} ]] && continue
        eval "export $key=\"${BASH_REMATCH[2]}\""
    done < "$1"
}

# The HTTP status `url` answers with within two seconds; 0 when it does not answer. A ${VAR} in
# `url` is expanded from the environment by Python, so a token in it stays out of `ps`.
http_status() {
    "$BIN/python" - "$1" <<'PY' 2>/dev/null || echo 0
import os, sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(os.path.expandvars(sys.argv[1]), timeout=2).status)
except urllib.error.HTTPError as error:
    print(error.code)
PY
}

# True when `url` answers with a 2xx status.
is_up() {
    [[ $(http_status "$1") == 2?? ]]
}

load_settings .env
load_settings .env.example
# One thread per math library (OpenBLAS under numpy, OpenMP, MKL) in the action server and Rasa that
# these scripts start: the math per message is tiny, and pools of threads fight over the two cores
# (README, "Speed"). Set a variable to change it. Rasa's launcher (naadloos.core.rasa_server) sets
# the same defaults itself, for the Rasa processes started without these scripts.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
[[ -x $BIN/rasa ]] || fail "no virtualenv at ${BIN%/bin}: run make install first"
[[ -f $MODEL ]] || fail "no trained model at $MODEL: run make train first"
# Values whose defaults Python owns (naadloos/core/settings.py), asked from it instead of repeated here:
# VAR_DIR (NAADLOOS_VAR_DIR, default var) and HANDOVER_BACKEND (builtin | chatwoot).
python_settings=$("$BIN/python" -m naadloos.core.settings var_dir handover_backend) || fail "a setting is not valid (see above)"
eval "$python_settings"
mkdir -p "$VAR_DIR"
