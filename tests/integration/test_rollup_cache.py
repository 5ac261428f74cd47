"""Figures shared by every app process through the database: stored per data version, returned
exactly as computed, recomputed for a newer version, and warmed for what the pages open with."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_loaders import figures
from data_loaders.figures import cache as rollup_cache
from data_loaders.i18n.message import render
from data_loaders.store import engine as db
from data_loaders.store.models import RollupCache
from data_loaders.store.settings import get_settings

AS_OF = dt.date(2025, 6, 30)


@pytest.mark.parametrize("unit", ["VN", "68"])
def test_a_stored_figure_is_the_computed_one(fresh_cache, unit):
    version = db.data_version(fresh_cache)
    settings = get_settings(fresh_cache)
    for figure, args in rollup_cache.page_calls(unit, AS_OF, settings=settings):
        assert figure in rollup_cache.SHARED, figure.__name__
        direct = figure(*args, engine=fresh_cache)
        first = rollup_cache.read(figure, fresh_cache, version, *args)  # computes and stores
        second = rollup_cache.read(figure, fresh_cache, version, *args)  # reads back
        assert first == second == direct, figure.__name__


def test_warnings_messages_survive_the_round_trip(fresh_cache):
    version = db.data_version(fresh_cache)
    stored = rollup_cache.read(figures.warnings, fresh_cache, version, "68", AS_OF)
    again = rollup_cache.read(figures.warnings, fresh_cache, version, "68", AS_OF)
    assert [render(w["message"], "en") for w in stored["warnings"]] == [render(w["message"],
                                                                               "en") for w in again["warnings"]]
    assert all(w["message"] == direct["message"] for w, direct in zip(again["warnings"], stored["warnings"]))


def test_an_entry_of_an_older_version_is_recomputed(fresh_cache):
    version = db.data_version(fresh_cache)
    key = rollup_cache.cache_key(figures.task_status, ("VN", AS_OF))
    with fresh_cache.begin() as conn:
        conn.execute(RollupCache.__table__.insert().values(
            key=key, data_version=version - 1, payload='{"total": 1}', computed_at=dt.datetime.now(dt.timezone.utc)))
    assert rollup_cache.read(figures.task_status, fresh_cache, version, "VN", AS_OF)["total"] == 802
    with fresh_cache.connect() as conn:
        assert conn.execute(select(RollupCache.data_version).where(RollupCache.key == key)).scalar_one() == version


def test_warm_takes_the_summary_and_keys_from_the_warnings(fresh_cache, monkeypatch):
    """The post-upload warm step computes the warnings once per unit and stores their summary and keys taken
    from them, each exactly as computing it directly stores it."""
    from data_loaders.figures import early_warnings

    version = db.data_version(fresh_cache)
    computed = []
    others = early_warnings._others
    monkeypatch.setattr(early_warnings, "_others",
                        lambda unit, *rest: computed.append(unit.code) or others(unit, *rest))
    rollup_cache.warm(fresh_cache, version, ["68"])
    assert computed == ["VN", "68"]
    monkeypatch.setattr(early_warnings, "_others", others)
    with fresh_cache.connect() as conn:
        stored = dict(conn.execute(select(RollupCache.key, RollupCache.payload)).all())
    as_of, settings = figures.latest_data_date(fresh_cache), get_settings(fresh_cache)
    for unit in ("VN", "68"):
        for figure, args in [(early_warnings.warnings_summary, (unit, as_of, settings, early_warnings.HEAD)),
                             (early_warnings.warning_keys, (unit, as_of, settings))]:
            direct = rollup_cache._dumps(figure(*args, engine=fresh_cache))
            assert stored[rollup_cache.cache_key(figure, args)] == direct, (figure.__name__, unit)


def test_a_figure_reads_the_catalogue_at_the_version_it_is_read_at(fresh_cache, monkeypatch):
    """Inside `read`, the indicator catalogue's lookups (a dozen in a warnings summary) take the version the
    reader passed: no query of the data version each, and the same figure as computed outside."""
    from data_loaders.figures import early_warnings
    from data_loaders.store import indicator_catalogue

    version = db.data_version(fresh_cache)
    settings = get_settings(fresh_cache)
    expected = early_warnings.warnings_summary("68", AS_OF, settings, 10, engine=fresh_cache)
    indicator_catalogue._CACHE.clear()
    asked = []
    real = db.versions
    monkeypatch.setattr(db, "versions", lambda engine=None: asked.append(engine) or real(engine))
    found = rollup_cache.read(early_warnings.warnings_summary, fresh_cache, version, "68", AS_OF, settings, 10)
    assert found == expected
    assert asked == []
