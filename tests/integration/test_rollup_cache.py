"""Figures shared by every app process through the database: stored per data version, returned
exactly as computed, recomputed for a newer version, and warmed for what the pages open with."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from sqlalchemy import delete, select

from data_loaders.store import engine as db
from data_loaders.figures import queries
from data_loaders.figures import cache as rollup_cache
from data_loaders.store.models import RollupCache
from tests.ui.test_pages import run_page

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def fresh_cache(seeded_engine):
    with seeded_engine.begin() as conn:
        conn.execute(delete(RollupCache))
    yield seeded_engine
    with seeded_engine.begin() as conn:
        conn.execute(delete(RollupCache))


@pytest.mark.parametrize("unit", ["VN", "68"])
def test_a_stored_figure_is_the_computed_one(fresh_cache, unit):
    version = db.data_version(fresh_cache)
    for name, args in rollup_cache.page_calls(unit, AS_OF) + [("warnings", (unit, AS_OF)), ("quality", (unit, AS_OF))]:
        direct = getattr(queries, name)(*args, engine=fresh_cache)
        first = rollup_cache.cached_call(fresh_cache, version, name, args)  # computes and stores
        second = rollup_cache.cached_call(fresh_cache, version, name, args)  # reads back
        assert first == second == direct, name


def test_an_entry_of_an_older_version_is_recomputed(fresh_cache):
    version = db.data_version(fresh_cache)
    key = rollup_cache.cache_key("task_status", ("VN", AS_OF))
    with fresh_cache.begin() as conn:
        conn.execute(RollupCache.__table__.insert().values(
            key=key, data_version=version - 1, payload='{"total": 1}', computed_at=dt.datetime.now(dt.timezone.utc)))
    assert rollup_cache.cached_call(fresh_cache, version, "task_status", ("VN", AS_OF))["total"] == 802
    with fresh_cache.connect() as conn:
        assert conn.execute(select(RollupCache.data_version).where(RollupCache.key == key)).scalar_one() == version


def test_warm_covers_what_the_pages_open_with(fresh_cache, app_database, monkeypatch):
    """After warm(), the national pages render without computing a single shared figure: every
    query they would run is made to fail, and none is reached."""
    assert rollup_cache.warm(fresh_cache, db.data_version(fresh_cache)) > 0
    for name in rollup_cache.SHARED_QUERIES:
        monkeypatch.setattr(queries, name, _fail(name))
    for page in ("overview", "tasks", "infrastructure", "ecosystem", "map", "warnings", "quality", "accountability",
                 "presentation"):
        st.cache_data.clear()
        app = run_page(page, {})
        assert not app.exception and not app.error, (page, [e.value for e in app.error])


def _fail(name: str):
    def fail(*args, **kwargs):
        raise AssertionError(f"{name}{args} was computed, not read from the warmed cache")
    return fail
