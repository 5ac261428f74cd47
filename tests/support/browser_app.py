"""What the browser flow tests share: the app served on a private copy of the seeded sample (on the
seeded database's backend: SQLite, or PostgreSQL when a test runs there) with the
accounts a flow needs, a person signed in through the form in a tab of their own, the check that no
error is on screen, and a screenshot of a page's whole length.

A flow test's fixture:

    with private_app(seeded_url, tmp_path, "flow", [(LEADER, "viewer", "VN", {})]) as (app_url, database_url):
        yield app_url
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import Engine

from data_loaders.store.engine import make_engine
from tests.support.auth_helpers import PASSWORD, ensure_account
from tests.support.browser_support import (
    ARTIFACTS,
    RUN_TIMEOUT_MS,
    _require_browser,
    app_server,
    private_database,
    wait_until_run_finished,
)

# (username, role, scope code, more keyword arguments of ensure_account: agency, email)
AccountSpec = tuple[str, str, str, dict]


@contextlib.contextmanager
def private_app(seeded_url: str, tmp_path: Path, name: str, accounts: Sequence[AccountSpec] = (),
                prepare: Callable[[Engine], None] | None = None) -> Iterator[tuple[str, str]]:
    """`streamlit run app.py` on a private copy of the seeded sample (a flow writes), on the seeded
    database's backend, holding the test administrator (so no first-run screen) and `accounts`, after
    `prepare(engine)` if given; yields (the app's address, the copy's database URL) and drops the copy
    afterwards. Its log is tests/artifacts/streamlit_NAME.log."""
    _require_browser()
    with private_database(seeded_url, tmp_path, name) as database_url:
        engine = make_engine(database_url)
        try:
            ensure_account(engine)
            for username, role, scope, more in accounts:
                ensure_account(engine, username, role=role, scope=scope, **more)
            if prepare is not None:
                prepare(engine)
        finally:
            engine.dispose()
        with app_server(database_url, f"streamlit_{name}.log") as app_url:
            yield app_url, database_url


def signed_in(browser, app_url: str, username: str, path: str, viewport: tuple[int, int] = (1280, 720),
              locale: str = "vi-VN"):
    """A new browser context (its own cookies) with one tab on APP_URL/PATH, signed in as `username`
    through the form (in Vietnamese) and idle; returns (context, page). Close the context when done."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(f"{app_url}/{path}")
    wait_until_run_finished(page)
    page.get_by_role("textbox", name="Tên đăng nhập", exact=True).fill(username)
    page.get_by_role("textbox", name="Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    wait_until_run_finished(page)
    return context, page


def assert_no_error(page, where: str) -> None:
    """Neither a traceback nor an error message on the page."""
    exceptions = page.locator('[data-testid="stException"]')
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()}"
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()}"


def full_page_shot(page, file_name: str) -> None:
    """tests/artifacts/FILE_NAME: the page's whole length (Streamlit scrolls inside its main area, so
    the window is stretched to it), then the window as it was."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 8000))})
    page.screenshot(path=str(ARTIFACTS / file_name))
    page.set_viewport_size(size)
