"""After a warm-up, the national pages open without computing a shared figure."""

from __future__ import annotations

import streamlit as st

from data_loaders.figures import cache as rollup_cache
from data_loaders.store import engine as db
from tests.support.pages import run_page


def test_warm_covers_what_the_pages_open_with(fresh_cache, app_database, monkeypatch):
    """After warm(), the national pages render without computing a single shared figure: every
    query they would run is made to fail, and none is reached."""
    assert rollup_cache.warm(fresh_cache, db.data_version(fresh_cache)) > 0
    monkeypatch.setattr(rollup_cache, "_compute", _fail)
    for page in ("overview", "tasks", "infrastructure", "ecosystem", "map", "warnings", "quality", "accountability",
                 "presentation"):
        st.cache_data.clear()
        app = run_page(page, {})
        assert not app.exception and not app.error, (page, [e.value for e in app.error])


def _fail(figure, engine, args, filters=None):
    raise AssertionError(f"{figure.__name__}{args} {filters or ''} was computed, not read from the warmed cache")
