"""The real browser the browser tests share: Debian's Chromium driven by Playwright.

Playwright's sync API allows one running instance per thread, so the whole run opens its pages in
one session-scoped Chromium (the `chromium` fixture in conftest.py), whichever module asks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"
START_TIMEOUT_S = 120
RUN_TIMEOUT_MS = 120_000
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium; ./test.sh does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


def _require_browser() -> None:
    reason = _missing_browser_reason()
    if reason is None:
        return
    if os.environ.get("NQ57_REQUIRE_BROWSER"):
        pytest.fail(f"browser test required (NQ57_REQUIRE_BROWSER) but {reason}")
    pytest.skip(reason)


def launched_chromium():
    """A generator for the session fixture: Chromium running until the run ends."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def stop_server(process: subprocess.Popen) -> None:
    """Stop a server started with start_new_session=True: its whole process group, politely first."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_sqlite(source_url: str, target: Path) -> str:
    """A private copy for the app (it migrates and may write); the backup API includes the WAL."""
    source_path = source_url.removeprefix("sqlite:///")
    target.unlink(missing_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


@contextlib.contextmanager
def private_database(seeded_url: str, tmp_dir: Path, name: str):
    """A private copy of the seeded sample for an app that writes, on the seeded database's backend;
    yields its URL and drops it afterwards. SQLite: a file copy. PostgreSQL: `CREATE DATABASE … TEMPLATE`
    of the session's sample template (tests/support/databases.py; the seeded database is a copy of it,
    and nobody is connected to the template, as PostgreSQL requires)."""
    if seeded_url.startswith("sqlite"):
        yield copy_sqlite(seeded_url, tmp_dir / f"{name}.sqlite")
        return
    from tests.support.databases import TEMPLATES, drop_database

    url = TEMPLATES.copy("sample", "postgresql", name, tmp_dir)
    try:
        yield url
    finally:
        drop_database(url)


def wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}")


IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid="stStatusWidget"]') === null
        && document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]') !== null;
}"""


def wait_until_run_finished(page) -> None:
    """Until the script has run to its end: Streamlit marks the app `notRunning` and hides its
    status widget ("Running…"). Checked twice a second apart, so a rerun the page triggers itself
    (or charts still painting) is waited for too."""
    for _ in range(2):
        page.wait_for_function(IDLE, timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(1000)
    page.wait_for_function(IDLE, timeout=RUN_TIMEOUT_MS)


@contextlib.contextmanager
def app_server(database_url: str, log_name: str):
    """`streamlit run app.py` on a free port over `database_url`, its output in tests/artifacts/LOG_NAME;
    yields the app's address once it answers, and stops it (its whole process group) afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port, log_path = free_port(), ARTIFACTS / log_name
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log_path)
        yield url
    finally:
        stop_server(process)


# The sizes a narrow or resized window changes last: each chart's box and its drawing, and each data grid's
# scrolling area (measured once it is on screen).
_LAYOUT = """() => [...document.querySelectorAll('.vega-embed, .dvn-scroller')].map(e => {
    const box = e.getBoundingClientRect(), drawing = e.querySelector(':scope > svg, :scope > canvas');
    return [Math.round(box.width), Math.round(box.height), e.scrollWidth, drawing ? drawing.getAttribute('width') : ''];
}).join(';')"""
_STILL = """key => {
    const now = (""" + _LAYOUT + """)(), seen = window[key] || (window[key] = {layout: null, times: 0});
    seen.times = now === seen.layout ? seen.times + 1 : 0;
    seen.layout = now;
    return seen.times >= 3;
}"""


def wait_until_layout_still(page) -> None:
    """Until no chart or data grid has changed size for three checks in a row (a quarter second
    apart): charts redraw and grids measure themselves after a resize or a scroll, later on a loaded
    machine, so this waits on them rather than for a fixed time."""
    key = f"__nq57_layout_{time.monotonic_ns()}"
    page.wait_for_function(_STILL, arg=key, polling=250, timeout=RUN_TIMEOUT_MS)
