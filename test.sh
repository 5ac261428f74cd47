#!/usr/bin/env bash
# NQ57 Dashboard: set up and run the whole test suite. Needs only python3.
#   ./test.sh                  all tests (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
#   ./test.sh -m "not browser" everything but the real-browser test (arguments go to pytest)
# Creates .venv if missing, installs requirements-dev.txt when it changed, installs Debian's
# chromium for the browser test when it is missing (as root with apt-get), then runs pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh

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
