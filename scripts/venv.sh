# Shared by run.sh and test.sh (sourced, not run): the project's virtual environment.
# Needs only python3; on Debian/Ubuntu as root it installs python3-venv when venv is missing.

PYTHON="${PYTHON:-python3}"
VENV=.venv
SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0")}

die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }

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
            echo "$SCRIPT_NAME: installing python3-venv" >&2
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
    echo "$SCRIPT_NAME: installing $file into $VENV (first time or requirements changed)…" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file" \
        || die "pip install -r $file failed"
    echo "$hash" > "$stamp"
}

