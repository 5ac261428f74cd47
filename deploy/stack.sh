#!/usr/bin/env bash
# The NQ57 Dashboard stack on one machine: N app processes (Streamlit replicas), each under a small
# supervisor that restarts it when it dies, behind nginx (sticky sessions, websockets, gzip, static
# files served by nginx). For tests, benchmarks and a one-machine province install; several
# machines use the same nginx site (`nginx-site`) and deploy/systemd/ (deploy/README.md).
#
#   deploy/stack.sh start [N]      migrate, load the sample into an empty database, start N replicas
#                                  (default NQ57_REPLICAS or 2) and nginx; returns when all answer
#   deploy/stack.sh stop           stop nginx, then the replicas (and their supervisors)
#   deploy/stack.sh status         each process and its health; exit 1 if one is down
#   deploy/stack.sh nginx-site     print the nginx site for the upstreams in NQ57_UPSTREAMS
#                                  ("10.0.0.11:8501 10.0.0.12:8501"; default: this machine's replicas)
#
# Settings (environment): DATABASE_URL (PostgreSQL for real use; default var/nq57.sqlite),
# DATABASE_READ_URL (optional streaming replica for the views), NQ57_DB_POOL_SIZE/NQ57_DB_MAX_OVERFLOW
# (connections per process, 4 + 4), NQ57_APP_PORT (first replica's port, 8501; the others follow),
# NQ57_PROXY_LISTEN (nginx's listen address, 8080), NQ57_RUN_DIR (pids, logs, rendered configs;
# var/stack), NQ57_PYTHON (the interpreter with the requirements; .venv/bin/python), NQ57_NGINX.
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(dirname "$DEPLOY_DIR")"
RUN_DIR="${NQ57_RUN_DIR:-$PROJECT_DIR/var/stack}"
REPLICAS="${NQ57_REPLICAS:-2}"
APP_PORT="${NQ57_APP_PORT:-8501}"
APP_ADDRESS="${NQ57_APP_ADDRESS:-127.0.0.1}"
PROXY_LISTEN="${NQ57_PROXY_LISTEN:-8080}"
MAX_BODY="${NQ57_MAX_BODY:-60m}"
PYTHON="${NQ57_PYTHON:-$PROJECT_DIR/.venv/bin/python}"
NGINX="${NQ57_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
START_TIMEOUT="${NQ57_START_TIMEOUT:-180}"
SNAPSHOT_DIR="${NQ57_SNAPSHOT_DIR:-$PROJECT_DIR/var/snapshot}"  # served at /snapshot/ (python -m reports snapshot)
APP_STATIC_DIR="$PROJECT_DIR/static"  # the app's own static files (the maps' geometry), served at /app/static/

die() { echo "stack.sh: $*" >&2; exit 1; }
say() { echo "stack.sh: $*" >&2; }

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

healthy() {  # URL: Streamlit's health endpoint answers "ok"
    "$PYTHON" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    sys.exit(0 if response.read().strip() == b"ok" else 1)
EOF
}

wait_healthy() {  # URL PIDFILE NAME
    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy "$1"; do
        alive "$2" || die "$3 stopped while starting (see $RUN_DIR/$3.log)"
        ((SECONDS < deadline)) || die "$3 did not answer on $1 within ${START_TIMEOUT}s (see $RUN_DIR/$3.log)"
        sleep 0.5
    done
}

replica_ports() {
    local i
    for ((i = 0; i < REPLICAS; i++)); do echo $((APP_PORT + i)); done
}

# --- the supervisor: runs one command, restarts it when it exits (backing off while it keeps dying) ---
supervise() {  # NAME COMMAND...
    local name=$1 child="" stopping="" started rc delay=1
    shift
    trap 'stopping=1; [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM INT
    while true; do
        started=$SECONDS
        "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
        child=$!
        rc=0
        wait "$child" || rc=$?
        while [[ -n "$stopping" ]] && kill -0 "$child" 2>/dev/null; do  # a trapped signal ends `wait` early
            wait "$child" || true
        done
        [[ -n "$stopping" ]] && exit 0
        ((SECONDS - started > 60)) && delay=1
        echo "$(date -u +%FT%TZ) $name exited with status $rc; restarting in ${delay}s" >>"$RUN_DIR/supervisor.log"
        sleep "$delay" & wait $! || true
        [[ -n "$stopping" ]] && exit 0
        delay=$((delay < 30 ? delay * 2 : 30))
    done
}

start_supervised() {  # NAME COMMAND...: in a session of its own, so stop can end the whole tree
    local name=$1
    setsid "$DEPLOY_DIR/stack.sh" _supervise "$@" </dev/null >/dev/null 2>&1 &
    echo $! >"$RUN_DIR/$name.pid"
}

stop_supervised() {  # PIDFILE: TERM the supervisor (it stops its child), then KILL what is left
    local pidfile=$1 pid
    [[ -f "$pidfile" ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true  # its session's process group: the app and its children
    fi
    rm -f "$pidfile"
}

# --- nginx ---------------------------------------------------------------------------------------------
static_dir() {
    "$PYTHON" -c 'import pathlib, streamlit; print(pathlib.Path(streamlit.__file__).parent / "static")'
}

render() {  # TEMPLATE: replace @NAME@ placeholders
    local text
    text=$(<"$1")
    text=${text//@LISTEN@/$PROXY_LISTEN}
    text=${text//@UPSTREAMS@/$UPSTREAM_LINES}
    text=${text//@STATIC_DIR@/$STATIC_DIR}
    text=${text//@SNAPSHOT_DIR@/$SNAPSHOT_DIR}
    text=${text//@APP_STATIC_DIR@/$APP_STATIC_DIR}
    text=${text//@MAX_BODY@/$MAX_BODY}
    text=${text//@RUN_DIR@/$RUN_DIR}
    text=${text//@TEMP_DIR@/${TEMP_DIR:-}}
    text=${text//@USER_LINE@/${USER_LINE:-}}
    printf '%s\n' "$text"
}

nginx_workers() {  # who nginx's workers run as, and where they keep temporary files
    local user
    if [[ $(id -u) -eq 0 ]]; then
        user=www-data
        id -u "$user" >/dev/null 2>&1 || user=nobody
        USER_LINE="user $user;"
        TEMP_DIR=$(mktemp -d /tmp/nq57-nginx.XXXXXX)  # reachable by the workers wherever RUN_DIR is
        chmod 755 "$TEMP_DIR"
        echo "$TEMP_DIR" >"$RUN_DIR/nginx-temp-dir"
        runuser -u "$user" -- test -r "$STATIC_DIR/static" \
            || die "nginx's workers ($user) cannot read $STATIC_DIR: install the project where $user can read it"
    else
        USER_LINE="# the workers run as $(id -un), who started the stack"
        TEMP_DIR="$RUN_DIR/nginx-temp"
        mkdir -p "$TEMP_DIR"
    fi
}

upstream_lines() {
    local upstreams=${NQ57_UPSTREAMS:-} lines="" each
    if [[ -z "$upstreams" ]]; then
        for port in $(replica_ports); do upstreams+=" $APP_ADDRESS:$port"; done
    fi
    for each in $upstreams; do
        lines+="    server $each max_fails=3 fail_timeout=10s;"$'\n'
    done
    printf '%s' "${lines%$'\n'}"
}

# --- connections: N processes x (pool + overflow) must fit PostgreSQL's max_connections -------------------
check_connections() {
    "$PYTHON" - "$REPLICAS" <<'EOF'
import sys
from sqlalchemy import text
from data_loaders.store import engine as db

replicas = int(sys.argv[1])
engine = db.get_engine()
if engine.dialect.name != "postgresql":
    sys.exit(0)
pool = db.pool_settings()
per_process = pool["pool_size"] + pool["max_overflow"]
with engine.connect() as conn:
    limit = int(conn.execute(text("show max_connections")).scalar_one())
    reserved = int(conn.execute(text("show superuser_reserved_connections")).scalar_one())
    in_use = conn.execute(text("select count(*) from pg_stat_activity where backend_type = 'client backend'")).scalar_one()
engine.dispose()
budget = limit - reserved - in_use
need = replicas * per_process
print(f"stack.sh: {replicas} processes x {per_process} connections (pool {pool['pool_size']} + overflow "
      f"{pool['max_overflow']}) = {need}; PostgreSQL allows {limit} - {reserved} reserved - {in_use} in use = {budget}",
      file=sys.stderr)
if need > budget:
    sys.exit(f"stack.sh: {need} connections would not fit in {budget}: lower NQ57_DB_POOL_SIZE/NQ57_DB_MAX_OVERFLOW "
             "or the number of replicas, or raise max_connections (deploy/README.md)")
EOF
}

# --- commands ------------------------------------------------------------------------------------------
cmd_start() {
    [[ -x "$PYTHON" ]] || die "no Python at $PYTHON: run ./run.sh once (it makes .venv) or set NQ57_PYTHON"
    [[ -x "$NGINX" ]] || die "nginx not found: apt-get install -y nginx-light (or set NQ57_NGINX)"
    [[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || die "the number of replicas must be a whole number of at least 1, not '$REPLICAS'"
    mkdir -p "$RUN_DIR"
    chmod 755 "$RUN_DIR"  # nginx's workers (an unprivileged user when root starts it) create their temp dirs here
    for pidfile in "$RUN_DIR"/replica-*.pid "$RUN_DIR"/nginx.pid; do  # the supervisors
        [[ -e "$pidfile" ]] || continue
        alive "$pidfile" && die "the stack is already running ($pidfile); deploy/stack.sh stop first"
        rm -f "$pidfile"
    done
    cd "$PROJECT_DIR"
    trap 'say "start failed: stopping what was started"; cmd_stop' EXIT
    # Once, before any replica starts, so N processes never race to migrate or seed.
    "$PYTHON" -m data_loaders upgrade >/dev/null || die "the database cannot be reached or migrated (DATABASE_URL)"
    "$PYTHON" -m data_loaders seed >/dev/null || die "loading the sample data failed"
    # The maps' geometry files equal to the shapes (committed; written again only if the shapes changed)
    "$PYTHON" -m charts.static_geometry >/dev/null || die "writing the maps' geometry files failed"
    check_connections || exit 1

    for port in $(replica_ports); do
        start_supervised "replica-$port" "$PYTHON" -m streamlit run "$PROJECT_DIR/app.py" \
            --server.port "$port" --server.address "$APP_ADDRESS" --server.headless true
    done
    for port in $(replica_ports); do
        wait_healthy "http://$APP_ADDRESS:$port/_stcore/health" "$RUN_DIR/replica-$port.pid" "replica-$port"
    done

    STATIC_DIR=$(static_dir)
    UPSTREAM_LINES=$(upstream_lines)
    nginx_workers
    render "$DEPLOY_DIR/nginx-site.conf.template" >"$RUN_DIR/nq57-site.conf"
    render "$DEPLOY_DIR/nginx.conf.template" >"$RUN_DIR/nginx.conf"
    "$NGINX" -t -q -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" 2>>"$RUN_DIR/nginx-error.log" \
        || die "nginx refused the configuration (see $RUN_DIR/nginx-error.log)"
    start_supervised nginx "$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf"
    local proxy_port=${PROXY_LISTEN##*:}
    wait_healthy "http://127.0.0.1:$proxy_port/_stcore/health" "$RUN_DIR/nginx.pid" nginx
    trap - EXIT
    say "$REPLICAS replicas behind http://127.0.0.1:$proxy_port (logs in $RUN_DIR)"
}

cmd_stop() {
    stop_supervised "$RUN_DIR/nginx.pid"  # no new requests first
    if [[ -f "$RUN_DIR/nginx-temp-dir" ]]; then
        rm -rf "$(cat "$RUN_DIR/nginx-temp-dir")" "$RUN_DIR/nginx-temp-dir"
    fi
    local pidfile
    for pidfile in "$RUN_DIR"/replica-*.pid; do
        [[ -e "$pidfile" ]] && stop_supervised "$pidfile"
    done
    say "stopped"
}

cmd_status() {
    local down=0 pidfile name port
    for pidfile in "$RUN_DIR"/replica-*.pid "$RUN_DIR"/nginx.pid; do
        [[ -e "$pidfile" ]] || continue
        name=$(basename "$pidfile" .pid)
        if [[ $name == nginx ]]; then port=${PROXY_LISTEN##*:}; else port=${name#replica-}; fi
        if alive "$pidfile" && healthy "http://127.0.0.1:$port/_stcore/health"; then
            echo "$name (supervisor $(cat "$pidfile")): healthy on port $port"
        else
            echo "$name: DOWN on port $port"
            down=1
        fi
    done
    return $down
}

cmd_nginx_site() {
    STATIC_DIR=$(static_dir)
    UPSTREAM_LINES=$(upstream_lines)
    render "$DEPLOY_DIR/nginx-site.conf.template"
}

case "${1:-}" in
    start) [[ -n "${2:-}" ]] && REPLICAS=$2; cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    nginx-site) cmd_nginx_site ;;
    _supervise) shift; supervise "$@" ;;
    *) echo "usage: deploy/stack.sh start [N] | stop | status | nginx-site" >&2; exit 2 ;;
esac
