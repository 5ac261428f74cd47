"""Running the app's pages under AppTest, signed in (as the test administrator, or as any account),
and the database of a test module's own that the app then runs on."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from data_loaders.store.engine import make_engine
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import sign_in, sign_in_test_admin
from tests.support.databases import TEMPLATES, drop_database, fresh_database_url

APP = str(PROJECT_DIR / "app.py")
LEVELS = {"national": {}, "province": {"province": "68"}, "commune": {"province": "68", "commune": "24781"}}


def run_page(page: str, params: dict, lang: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    sign_in_test_admin(app, os.environ["DATABASE_URL"])
    for key, value in params.items():
        app.query_params[key] = value
    if lang:
        app.session_state["lang"] = lang
    if page != "overview":
        app.switch_page(f"pages/{page}.py")
    app.run()
    return app


def open_page_as(username: str, page: str | None = None, params: dict | None = None, lang: str | None = None, *,
                 timeout: float = 120) -> AppTest:
    """The app run as `username` (a sign-in session opened on $DATABASE_URL, where the app runs) with
    `params` in the URL and `lang` as the session's language, then switched to pages/PAGE.py (None or
    "overview": the overview it opens on). AppTest finds a page by its path only once the app has
    registered it, hence the first run. Fails on an exception."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    sign_in(app, username)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    if lang:
        app.session_state["lang"] = lang
    app.run()
    if page not in (None, "overview"):
        app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


@contextlib.contextmanager
def app_runs_on(url: str) -> Iterator[str]:
    """The app (AppTest runs it in this process) pointed at `url`, with the caches of an earlier
    database dropped before and after."""
    from components import cached  # what the app keeps in the process beside st.cache_data, too

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        st.cache_data.clear()
        st.cache_resource.clear()
        cached.clear_kept()
        yield url
        st.cache_data.clear()
        st.cache_resource.clear()
        cached.clear_kept()


@contextlib.contextmanager
def own_app_database(backend: str, name: str, tmp_dir: Path, fill: Callable[[Engine], object] | None = None, *,
                     copy_of: str | None = None) -> Iterator[str]:
    """A new database for a test module that writes (the session's shared seeded one must never see
    its changes): a copy of the session's template `copy_of` ("empty": migrated; "sample": with the
    sample loaded; tests/support/databases.py) or else empty, then filled by `fill(engine)` if given
    (e.g. accounts), the app pointed at it; dropped afterwards."""
    if copy_of is not None:
        url = TEMPLATES.copy(copy_of, backend, name, tmp_dir)
    else:
        url = fresh_database_url(backend, name, tmp_dir)
    if fill is not None:
        engine = make_engine(url)
        try:
            fill(engine)
        finally:
            engine.dispose()
    with app_runs_on(url):
        yield url
    drop_database(url)


def rendered_text(app: AppTest) -> str:
    parts = [m.value for m in app.metric] + [m.label for m in app.metric]
    for kind in (app.title, app.subheader, app.caption, app.markdown, app.button):
        parts += [getattr(element, "value", "") or getattr(element, "label", "") for element in kind]
    parts += [str(b.label) for b in app.button]
    return "\n".join(str(p) for p in parts)


def render_page(page: str, params: dict, lang: str | None = None) -> AppTest:
    """A page file run on its own, as if inside the app shell (app.py's navigation is the lead's)."""
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / f"{page}.py"), default_timeout=120)
    app.session_state["_nq57_inside_app_shell"] = True
    if lang:
        app.session_state["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app
