"""Drop-in replacements for the two "latest row on or before a date" subqueries of
data_loaders/queries.py, measured by `python -m benchmarks.proposed_queries` (see the lead's notes
in the benchmark report).

Why: the current `_latest_reports` groups *every* report up to the date by task (2.6 million rows at
national scale) and joins the result back to task_report; `_latest_values` does the same over every
indicator value (1.2 million rows) — whatever the scope, so a commune pays for the whole country,
and a 6-month trend pays six times. Both tables already carry the index a per-row probe needs
(the unique constraints (task_id, report_date) and (indicator_code, unit_code, period)), so the
replacements start from the tasks / communes in scope and look up each one's latest row with a
correlated MAX() — an index probe — instead. Same columns, same names, same results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import aliased

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from data_loaders import queries  # noqa: E402
from data_loaders.models import AdminUnit, Indicator, IndicatorValue, Task, TaskReport  # noqa: E402


def latest_reports(as_of: dt.date, unit: queries.UnitInfo | None = None):
    """Each task's latest report on or before `as_of` (tasks without one are left out):
    task_id, status, progress_pct, report_date. With `unit`, only the tasks in its scope."""

    def latest(column):
        # one backward probe of uq_task_report_task_date (task_id, report_date) per task
        return (
            select(column)
            .where(TaskReport.task_id == Task.id, TaskReport.report_date <= as_of)
            .order_by(TaskReport.report_date.desc())
            .limit(1)
            .correlate(Task)
            .scalar_subquery()
        )

    per_task = select(Task.id.label("task_id"), latest(TaskReport.status).label("status"),
                      latest(TaskReport.progress_pct).label("progress_pct"),
                      latest(TaskReport.report_date).label("report_date")).select_from(Task)
    if unit is not None and unit.level != "national":
        per_task = per_task.join(AdminUnit, AdminUnit.code == Task.owner_unit_code).where(
            queries._scope_filter(unit, AdminUnit))
    # OFFSET 0 keeps the planner from merging this derived table into the outer query: merged, each
    # probe would be re-run wherever the outer query mentions its column (or, as a join condition,
    # once per task_report row). PostgreSQL drops the probes of columns the outer query never reads.
    per_task = per_task.offset(0).subquery("latest_probe")
    return (
        select(per_task.c.task_id, per_task.c.status, per_task.c.progress_pct, per_task.c.report_date)
        .where(per_task.c.status.is_not(None))
        .subquery("latest_report")
    )


def latest_values(unit: queries.UnitInfo, as_of: dt.date):
    """Each (indicator, unit in scope)'s latest value on or before `as_of`: indicator_code,
    unit_code, value, child (the child unit it rolls up into)."""
    latest_value = (
        select(IndicatorValue.value)
        .where(IndicatorValue.indicator_code == Indicator.code, IndicatorValue.unit_code == AdminUnit.code,
               IndicatorValue.period <= as_of)
        .order_by(IndicatorValue.period.desc())
        .limit(1)
        .correlate(Indicator, AdminUnit)
        .scalar_subquery()
    )
    # One row per (indicator, commune in scope), its value found by one backward index probe on
    # uq_indicator_value_key (indicator_code, unit_code, period). OFFSET 0: see latest_reports.
    pairs = (
        select(Indicator.code.label("indicator_code"), AdminUnit.code.label("unit_code"),
               latest_value.label("value"), queries._child_key(unit, AdminUnit).label("child"))
        .select_from(AdminUnit)
        .join(Indicator, true())
        .where(queries._scope_filter(unit, AdminUnit), AdminUnit.level == "commune")
        .offset(0)
        .subquery("latest_pair")
    )
    return (
        select(pairs.c.indicator_code, pairs.c.unit_code, pairs.c.value, pairs.c.child)
        .where(pairs.c.value.is_not(None))
        .cte("latest_value")
    )


@contextlib.contextmanager
def installed():
    """Run the code inside with the replacements in data_loaders.queries."""
    saved = queries._latest_reports, queries._latest_values

    def scoped_latest_reports(as_of: dt.date):
        # The current call sites pass only the date; the proposal passes the unit too. For this
        # comparison, take it from the caller (every caller has its UnitInfo in `unit`).
        return latest_reports(as_of, sys._getframe(1).f_locals.get("unit"))

    queries._latest_reports, queries._latest_values = scoped_latest_reports, latest_values
    try:
        yield
    finally:
        queries._latest_reports, queries._latest_values = saved


def compare(engine, codes: list[str], as_of: dt.date, repeat: int = 2) -> list[tuple]:
    """(function, code, current ms, proposed ms, same result) for the rollups the pages use."""
    rows = []
    for name in ("task_status", "task_status_by_child", "indicator_totals", "indicators_by_child",
                 "task_status_by", "task_list"):
        function = getattr(queries, name, None)
        if function is None:
            continue
        args = ("area",) if name == "task_status_by" else ()
        for code in codes:
            timings, results = [], []
            for proposed in (False, True):
                with installed() if proposed else contextlib.nullcontext():
                    best = float("inf")
                    for _ in range(repeat):
                        started = time.perf_counter()
                        result = function(code, as_of, *args, engine=engine)
                        best = min(best, time.perf_counter() - started)
                timings.append(best * 1000)
                results.append(result)
            rows.append((name, code, timings[0], timings[1], _same(results[0], results[1])))
    return rows


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return a == b


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    from benchmarks import national_scale
    from data_loaders.db import make_engine

    parser = argparse.ArgumentParser(description="current vs proposed latest-row subqueries")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args(argv)
    url = (national_scale.postgres_url(args.pg, "nq57_bench_small" if args.small else "nq57_bench")
           if args.pg is not None else national_scale.sqlite_url(args.small))
    engine = make_engine(url)
    as_of = queries.latest_data_date(engine)
    province = "68"
    commune = queries.child_units(province, engine)[0].code
    print(f"{engine.dialect.name}  as of {as_of}")
    print(f"{'function':24} {'unit':6} {'current ms':>11} {'proposed ms':>12}  same")
    ok = True
    for name, code, current, proposed, same in compare(engine, ["VN", province, commune], as_of):
        ok &= same
        print(f"{name:24} {code:6} {current:11.0f} {proposed:12.0f}  {'yes' if same else 'NO'}")
    engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
