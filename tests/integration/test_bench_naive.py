"""benchmarks/bench_naive.py on the small sample: the naive way (whole tables into pandas) and the metric
layer give the same national overview figures, and those are the figures the overview reads (correctness
only, no timing asserts). On SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
import streamlit as st

from benchmarks import bench_naive, national_scale
from data_loaders import figures
from data_loaders.figures import cache, sources
from data_loaders.store import engine as db
from data_loaders.store.engine import make_engine
from data_loaders.store.settings import get_settings
from tests.support.databases import BACKENDS, drop_database, fresh_database_url
from tests.support.pages import app_runs_on, run_page


@pytest.fixture(scope="module", params=BACKENDS)
def small(request, tmp_path_factory):
    url = fresh_database_url(request.param, "bench_naive_small", tmp_path_factory.mktemp("naive"))
    national_scale.run_small(url, log=lambda *_: None)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def both_ways(small):
    """The overview's figures computed by the metric layer (cold) and the naive way, once per backend."""
    _, engine = small
    settings = get_settings(engine)
    with sources.counting(sources.mode_of_version(db.data_version(engine))):
        project, _ = bench_naive.project_figures(engine, settings)
    naive, timings = bench_naive.naive_figures(engine, settings)
    return project, naive, timings


def test_naive_and_project_give_the_same_overview_figures(both_ways):
    project, naive, timings = both_ways
    assert bench_naive.compare(project, naive) == []
    # the comparison covers something: tasks in every state, a trend, indicator totals, a target and warnings
    status = project["task_status"]
    assert status["total"] == 500 and status["completed"] and status["overdue"] and status["on_schedule"]
    assert len(project["task_status_trend"]) == bench_naive.TREND_MONTHS
    assert project["indicator_totals"]["population"] > 0
    assert project["target_status"], "the seeded national 5G target"
    summary = project["warnings_summary"]
    kinds = {kind for kind, count in summary["counts"].items() if count}
    assert {"overdue", "off_target"} <= kinds, kinds
    assert summary["total"] > len(summary["warnings"]) > 0  # a head of the list, not all of it
    assert "load (SELECT * into pandas)" in timings


def test_a_difference_is_reported(both_ways):
    project, naive, _ = both_ways
    naive = dict(naive)
    naive["task_status"] = {**naive["task_status"], "overdue": naive["task_status"]["overdue"] + 1}
    naive["indicator_totals"] = {**naive["indicator_totals"],
                                 "population": naive["indicator_totals"]["population"] * (1 + 1e-6)}
    naive["warnings"] = naive["warnings"][1:]
    problems = bench_naive.compare(project, naive)
    assert any(p.startswith("task_status['overdue']") for p in problems), problems
    assert any(p.startswith("indicator_totals['population']") for p in problems), problems
    assert any(p.startswith("warnings_total:") for p in problems), problems  # one fewer
    assert any(p.startswith("warnings[") for p in problems), problems  # the head moved up by one
    assert any(p.startswith("warning_counts[") for p in problems), problems


def test_the_benchmark_compares_what_the_overview_reads(small, monkeypatch):
    """Record the national overview's reads at figures.cache.read (as bench_pages does): each figure the
    benchmark computes is read with the same arguments, and the page reads no other figure of the metric
    layer beyond the units, the data dates and the sign-in's own lookups."""
    url, engine = small
    recorded: list[tuple] = []
    original = cache.read

    def recording(figure, engine_, version, *args, **filters):
        recorded.append((figure, args))
        return original(figure, engine_, version, *args, **filters)

    monkeypatch.setattr(cache, "read", recording)
    with app_runs_on(url):
        st.cache_data.clear()
        app = run_page("overview", {})
        assert not app.exception and not app.error, [e.value for e in app.error]
    as_of = figures.latest_data_date(engine)
    expected = bench_naive.overview_calls(as_of, get_settings(engine))
    for name, (figure, args) in expected.items():
        assert (figure, args) in recorded, (name, [(f.__name__, a) for f, a in recorded if f is figure])
    context = {"get_unit", "unit_path", "child_units", "units_for_search", "earliest_data_date", "holds_sample_data",
               "visible_plans", "child_count"}
    others = {f.__name__ for f, _ in recorded} - {f.__name__ for f, _ in expected.values()} - context
    assert not others, f"the overview reads figures the benchmark does not compare: {sorted(others)}"
