"""`python -m data_loaders …` run as a separate process, as automation runs it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import PROJECT_DIR


def run_cli(url: str, *args: str, lang: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("NQ57_LANG", None)
    if lang:
        env["NQ57_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
