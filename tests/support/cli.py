"""`python -m data_loaders …` for tests: in this process (fast: no interpreter start, no re-import of
pandas and the app for every command), or as a separate process where the real exit code and
streams of an installed command line matter."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

from data_loaders.cli.main import main
from data_loaders.store import engine as db
from tests.support import PROJECT_DIR


def run_cli(url: str, *args: str, lang: str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`main(args)` with DATABASE_URL (and NQ57_LANG, and `env`) set, standard input `stdin` (not a
    terminal), stdout and stderr captured; the same result object a subprocess gives."""
    environment = {"DATABASE_URL": url, "NQ57_LANG": lang, **(env or {})}
    out, err = io.StringIO(), io.StringIO()
    saved = {key: os.environ.get(key) for key in environment}
    saved_stdin = sys.stdin
    try:
        for key, value in environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sys.stdin = io.StringIO(stdin or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as done:  # argparse's --help
                code = done.code if isinstance(done.code, int) else 0
        # the command's engine (cached per URL) lets go of its connections, so the database can be dropped
        db.get_engine().dispose()
    finally:
        sys.stdin = saved_stdin
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return subprocess.CompletedProcess(["python", "-m", "data_loaders", *args], code, out.getvalue(), err.getvalue())


def run_cli_process(url: str, *args: str, lang: str | None = None, stdin: str | None = None,
                    env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real command in a new interpreter, as automation runs it."""
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8", **(env or {})}
    environment.pop("NQ57_LANG", None)
    if lang:
        environment["NQ57_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], cwd=PROJECT_DIR, env=environment,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


def json_payload(done, args: tuple[str, ...]) -> dict | None:
    """With --json the command prints exactly one JSON object on stdout: that object; else None."""
    if "--json" not in args:
        return None
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])
