# Starting, watching and stopping a group of server processes: shared by scripts/run.sh (one stack)
# and scripts/cluster.sh (several instances behind a proxy). Sourced, not run.
# The caller sets SCRIPT_NAME (for messages), STOP_TIMEOUT_SECONDS, the arrays NAMES and PIDS (the
# i-th started process is NAMES[i]), NAP_PID, and defines log_of NAME (the path of NAME's log).
# It needs BIN (scripts/settings.sh). The caller turns on job control (`set -m`) before it starts
# anything, so that each process gets its own process group and stop_all stops its children too.

local_host() {  # a host to put in a URL: a wildcard address becomes 127.0.0.1
    case $1 in "" | 0.0.0.0 | "::") echo 127.0.0.1 ;; *) echo "$1" ;; esac
}

port_in_use() {  # host, port
    "$BIN/python" -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)' \
        "$1" "$2" 2>/dev/null
}

alive() { kill -0 "$1" 2>/dev/null; }

nap() {  # sleep one second in a way that a signal interrupts at once
    sleep 1 &
    NAP_PID=$!
    wait "$NAP_PID" || true
}

stop_all() {
    local pid waited=0
    for pid in "${PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        while alive "$pid" && ((waited < STOP_TIMEOUT_SECONDS * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if alive "$pid"; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    [[ -z $NAP_PID ]] || kill "$NAP_PID" 2>/dev/null || true
}

first_dead() {  # the name of the first started process that no longer runs; empty when all run
    local i
    for i in "${!PIDS[@]}"; do
        alive "${PIDS[$i]}" || { echo "${NAMES[$i]}"; return; }
    done
}

died() {  # name, what happened: shows the end of its log, stops the others, exits 1
    local log
    log=$(log_of "$1")
    echo "$SCRIPT_NAME: the $1 process $2. Its log is $log; the last lines:" >&2
    tail -n 15 "$log" | sed 's/^/    /' >&2
    echo "$SCRIPT_NAME: stopping the others." >&2
    stop_all
    exit 1
}
