"""Figures shared by every app process through the database: stored per data version, returned
exactly as computed, recomputed for a newer version, and warmed for what the pages open with."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_loaders.figures import cache as rollup_cache
from data_loaders.figures import queries
from data_loaders.store import engine as db
from data_loaders.store.models import RollupCache

AS_OF = dt.date(2025, 6, 30)


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
