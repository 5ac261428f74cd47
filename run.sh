#!/usr/bin/env bash
# NQ57 Dashboard: set up and start the app. Needs only python3.
#   ./run.sh                       -> http://localhost:8501
#   ./run.sh --server.port 8600    (extra arguments go to `streamlit run`)
# Creates .venv if missing, installs the pinned requirements when they changed, migrates the
# database (DATABASE_URL, default: the SQLite file var/nq57.sqlite), loads the sample data into an
# empty database, then starts Streamlit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON="${PYTHON:-python3}"
VENV=.venv

die() { echo "run.sh: $*" >&2; exit 1; }

# The virtual environment: created once, recreated if broken (e.g. its python was removed).
ensure_venv() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        return
    fi
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or newer"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        # Debian/Ubuntu ship venv separately.
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            echo "run.sh: installing python3-venv" >&2
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv "$VENV" || die "could not create $VENV"
        else
            die "could not create $VENV: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"
        fi
    fi
}

# pip install -r FILE, only when FILE (or a file it includes) changed since the last install.
install_requirements() {
    local file=$1 stamp="$VENV/.stamp-$1.sha256" hash
    hash=$(cat "$@" | "$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        return
    fi
    echo "run.sh: installing $file into $VENV (first time or requirements changed)…" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file" \
        || die "pip install -r $file failed"
    echo "$hash" > "$stamp"
}

ensure_venv
install_requirements requirements.txt

# Fail early and clearly if the database is unreachable (the app would do this on start, too).
database=$("$VENV/bin/python" -m data_loaders upgrade) \
    || die "the database cannot be reached or migrated (DATABASE_URL=${DATABASE_URL:-unset, so var/nq57.sqlite}); see the error above"
echo "run.sh: database $database is up to date" >&2
# Loads the sample workbooks only into an empty database; otherwise says so and does nothing.
"$VENV/bin/python" -m data_loaders seed || die "loading the sample data failed"

exec "$VENV/bin/streamlit" run app.py "$@"
