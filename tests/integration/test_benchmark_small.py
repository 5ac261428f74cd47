"""The benchmark's small mode: generate a small database with Core bulk inserts and check that the
rollup queries agree with what was written (no timing asserts). On SQLite, and on PostgreSQL too
when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json

import pytest

from benchmarks import national_scale, reference_queries
from data_loaders import figures
from data_loaders.figures.early_warnings import KINDS, warning_counts, warnings
from data_loaders.store.engine import make_engine
from data_loaders.store.models import NATIONAL_CODE
from tests.support.databases import BACKENDS, fresh_database_url


@pytest.fixture(scope="module", params=BACKENDS)
def small(request, tmp_path_factory):
    url = fresh_database_url(request.param, "bench_small", tmp_path_factory.mktemp("bench"))
    expected = national_scale.run_small(url, log=lambda *_: None)  # raises on any failed check
    engine = make_engine(url)
    yield engine, expected
    engine.dispose()


def test_small_database_has_what_was_generated(small):
    engine, expected = small
    scale = national_scale.Scale.small()
    assert len(expected.communes) == scale.communes_per_province * len(scale.provinces) == 40
    assert expected.indicator_rows == 40 * 10 * 6
    assert expected.tasks == 500
    assert expected.report_rows == 500 * scale.weeks
    assert national_scale.check(engine, expected) == []


def test_children_sum_to_their_parent(small):
    engine, expected = small
    as_of = expected.as_of
    for code in (NATIONAL_CODE, *national_scale.SMALL_PROVINCES):
        total = figures.task_status(code, as_of, engine)
        children = figures.task_status_by_child(code, as_of, engine)
        for key in ("total", "completed", "on_schedule", "overdue"):
            assert total[key] == sum(row[key] for row in children), (code, key)
        assert total["total"] == total["completed"] + total["on_schedule"] + total["overdue"]


def test_a_check_fails_when_the_data_disagree(small):
    engine, expected = small
    wrong = national_scale.Expected(**{**expected.__dict__, "tasks": expected.tasks + 1})
    assert any(failure.startswith("task rows") for failure in national_scale.check(engine, wrong))


def test_probe_and_reference_subqueries_give_the_same_figures(small):
    engine, expected = small
    codes = [NATIONAL_CODE, "68", expected.communes[-1]]
    for name, code, _current_ms, _reference_ms, same in reference_queries.compare(engine, codes, expected.as_of,
                                                                                  repeat=1):
        assert same, (name, code)
    # and at an earlier date, when tasks and values have older latest rows
    earlier = expected.as_of.replace(month=9, day=30)
    for name, code, _current_ms, _reference_ms, same in reference_queries.compare(engine, codes, earlier, repeat=1):
        assert same, (name, code, earlier)


def test_warnings_are_those_of_their_first_queries(small):
    """The warnings made cheaper (issue 17: commune values, communes not reporting, task candidates,
    building the task warnings) are the same, in the same order, as with their first versions."""
    engine, expected = small
    kinds = set()
    for code in (NATIONAL_CODE, "68", expected.communes[-1]):
        for day in (expected.as_of, expected.as_of.replace(month=9, day=30)):
            current = warnings(code, day, engine=engine)
            with reference_queries.warnings_installed():
                first = warnings(code, day, engine=engine)
            # the same warnings, their keys in the same order
            assert json.dumps(current, default=str) == json.dumps(first, default=str), (code, day)
            kinds.update(kind for kind, count in warning_counts(current).items() if count)
    assert kinds >= set(KINDS) - {"stalled"}  # weekly reports: nothing stalls
