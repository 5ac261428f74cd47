"""`python -m data_loaders --help` answers at once: the command line imports pandas, openpyxl, altair,
SQLAlchemy and the rest only inside the command that needs them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import PROJECT_DIR

HEAVY = ("pandas", "openpyxl", "altair", "streamlit", "sqlalchemy", "python_calamine", "alembic", "numpy")

# A fresh interpreter: this test process has imported everything already.
PROBE = """
import contextlib, io, json, sys
from data_loaders.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for argv in (["--help"], ["summary", "--help"], ["summary"], ["no-such-command"]):
        try:
            code = main(argv)
        except SystemExit as done:
            code = done.code
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_help_and_usage_errors_import_no_heavy_library():
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY)], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_help_lists_every_command():
    done = subprocess.run([sys.executable, "-m", "data_loaders", "--help"], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for command in ("summary", "warnings", "quality", "settings", "seed", "generate-sample", "import", "template",
                    "warm", "users", "audit", "prune-rejected", "upgrade"):
        assert command in done.stdout
