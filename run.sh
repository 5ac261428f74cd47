#!/usr/bin/env bash
# NQ57 Dashboard: set up and start the app. Needs only python3.
#   ./run.sh                       -> http://localhost:8501
#   ./run.sh --server.port 8600    (extra arguments go to `streamlit run`)
#   NQ57_DEV=1 ./run.sh            development: reload on save (production settings are the default)
# Creates .venv if missing, installs the pinned requirements when they changed, migrates the
# database (DATABASE_URL, default: the SQLite file var/nq57.sqlite), loads the sample data into an
# empty database, then starts Streamlit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh

ensure_venv
install_requirements requirements.txt

# Fail early and clearly if the database is unreachable (the app would do this on start, too).
database=$("$VENV/bin/python" -m data_loaders upgrade) \
    || die "the database cannot be reached or migrated (DATABASE_URL=${DATABASE_URL:-unset, so var/nq57.sqlite}); see the error above"
echo "run.sh: database $database is up to date" >&2
# Loads the sample workbooks only into an empty database; otherwise says so and does nothing.
"$VENV/bin/python" -m data_loaders seed || die "loading the sample data failed"

# .streamlit/config.toml holds production settings (no file watcher, no collection after each run);
# a developer wants the page to follow their edits.
dev_settings=()
if [[ "${NQ57_DEV:-}" == 1 ]]; then
    dev_settings=(--server.fileWatcherType auto --server.runOnSave true --runner.postScriptGC true)
fi
exec "$VENV/bin/streamlit" run app.py "${dev_settings[@]}" "$@"
