#!/usr/bin/env bash
# NQ57 Dashboard: set up and run the whole test suite. Needs only python3.
#   ./test.sh                  all tests (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
#   ./test.sh -m "not browser" everything but the real-browser test (arguments go to pytest)
# Creates .venv if missing, installs requirements-dev.txt when it changed, installs Debian's
# chromium for the browser test when it is missing (as root with apt-get), then runs pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON="${PYTHON:-python3}"
VENV=.venv

die() { echo "test.sh: $*" >&2; exit 1; }

ensure_venv() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        return
    fi
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or newer"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            echo "test.sh: installing python3-venv" >&2
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv "$VENV" || die "could not create $VENV"
        else
            die "could not create $VENV: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"
        fi
    fi
}

install_requirements() {
    local file=$1 stamp="$VENV/.stamp-$1.sha256" hash
    hash=$(cat "$@" | "$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        return
    fi
    echo "test.sh: installing $file into $VENV (first time or requirements changed)…" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file" \
        || die "pip install -r $file failed"
    echo "$hash" > "$stamp"
}

ensure_venv
install_requirements requirements-dev.txt requirements.txt

# The browser test drives Debian's Chromium through Playwright (never `playwright install`).
if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "test.sh: installing Debian's chromium for the browser test…" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || echo "test.sh: could not install chromium; the browser test will be skipped" >&2
    else
        echo "test.sh: /usr/bin/chromium is missing; the browser test will be skipped" >&2
    fi
fi

exec "$VENV/bin/python" -m pytest "$@"
