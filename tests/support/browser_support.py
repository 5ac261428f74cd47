"""The real browser the browser tests share: Debian's Chromium driven by Playwright.

Playwright's sync API allows one running instance per thread, so the whole run opens its pages in
one session-scoped Chromium (the `chromium` fixture in conftest.py), whichever module asks.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

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
