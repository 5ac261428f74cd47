"""The straightforward "latest row on or before a date" subqueries, kept as a reference
implementation: group every row up to the date, then join back. data_loaders/figures (tasks.py,
indicators.py) now probes
the indexes per task / commune instead (3–100× faster at national scale); the test suite and
`bench_pages --reference` check that both give the same figures and compare their speed.

The early warnings' first queries too (`warnings_installed`): each commune's value probed once per
month end, the communes not reporting found by reading every value of the period, every candidate
task's first report probed and the candidates sorted in SQL, each task warning built from a dict per
row; tests check the warnings are the same, to the order of their keys.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy import and_, func, literal, or_, select

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from data_loaders import figures  # noqa: E402
from data_loaders.figures import definitions as rules  # noqa: E402
from data_loaders.figures import early_warnings, indicators, sources, tasks  # noqa: E402
from data_loaders.figures.reporting import reporting_units  # noqa: E402
from data_loaders.figures.scope import child_key, connect, scope_filter  # noqa: E402
from data_loaders.i18n.message import Message, Percent  # noqa: E402
from data_loaders.store.models import AdminUnit, Agency, IndicatorValue, Task, TaskReport  # noqa: E402


def latest_reports(as_of: dt.date, unit: figures.UnitInfo | None = None, plan: str | None = None,
                   engine=None, *, official: str | None = None, among=None):
    latest_date = (
        select(TaskReport.task_id, func.max(TaskReport.report_date).label("report_date"))
        .where(TaskReport.report_date <= as_of)
    )
    if plan is not None:  # the plan filter, as tasks.latest_reports applies it
        latest_date = latest_date.where(TaskReport.task_id.in_(select(Task.id).where(Task.plan == plan)))
    if official is not None:  # one responsible official's tasks (accountability.official_tasks)
        latest_date = latest_date.where(TaskReport.task_id.in_(select(Task.id).where(
            Task.responsible_official == official)))
    if among is not None:  # a condition on Task (the warnings' candidates not counted completed, …)
        latest_date = latest_date.where(TaskReport.task_id.in_(select(Task.id).where(among)))
    latest_date = latest_date.group_by(TaskReport.task_id).subquery("latest_date")
    return (
        select(TaskReport.task_id, TaskReport.status, TaskReport.progress_pct, TaskReport.report_date)
        .join(latest_date, and_(latest_date.c.task_id == TaskReport.task_id,
                                latest_date.c.report_date == TaskReport.report_date))
        .subquery("latest_report")
    )


def latest_values(unit: figures.UnitInfo, as_of: dt.date, codes: list[str] | None = None, engine=None):
    latest_period = (
        select(IndicatorValue.indicator_code, IndicatorValue.unit_code,
               func.max(IndicatorValue.period).label("period"))
        .where(IndicatorValue.period <= as_of,
               IndicatorValue.indicator_code.in_(codes) if codes is not None else IndicatorValue.id.is_not(None))
        .group_by(IndicatorValue.indicator_code, IndicatorValue.unit_code)
        .subquery("latest_period")
    )
    return (
        select(IndicatorValue.indicator_code, IndicatorValue.unit_code, IndicatorValue.value,
               child_key(unit, AdminUnit).label("child"))
        .join(latest_period, and_(latest_period.c.indicator_code == IndicatorValue.indicator_code,
                                  latest_period.c.unit_code == IndicatorValue.unit_code,
                                  latest_period.c.period == IndicatorValue.period))
        .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
        .where(scope_filter(unit, AdminUnit))
        .cte("latest_value")
    )


@contextlib.contextmanager
def installed():
    """Run the code inside with the reference subqueries in the metric layer."""
    saved = tasks.latest_reports, indicators._latest_values
    tasks.latest_reports, indicators._latest_values = latest_reports, latest_values
    try:
        yield
    finally:
        tasks.latest_reports, indicators._latest_values = saved


# --- the early warnings' first queries (issue 17) ---------------------------------------------------


def commune_values(unit: figures.UnitInfo, dates: list[dt.date], indicator: str = early_warnings.COVERAGE,
                   engine=None) -> dict[str, dict]:
    """early_warnings.commune_values as first written: one query per date, each commune's latest value
    (and population) probed at that date."""
    weighted = early_warnings.is_percent(indicator, engine)
    value = sources.indicator_values(engine)

    def latest(code: str, day: dt.date):
        return (select(value.value)
                .where(value.indicator_code == code, value.unit_code == AdminUnit.code, value.period <= day)
                .order_by(value.period.desc()).limit(1).correlate(AdminUnit).scalar_subquery())

    communes: dict[str, dict] = {}
    with connect(engine) as conn:
        for index, day in enumerate(dates):
            population = latest("population", day) if weighted else literal(1)
            query = (select(AdminUnit.code, AdminUnit.name, AdminUnit.province_code,
                            latest(indicator, day).label("value"), population.label("population"))
                     .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit)))
            for row in conn.execute(query):
                entry = communes.setdefault(row.code, {"code": row.code, "name": row.name,
                                                       "province_code": row.province_code,
                                                       "values": [None] * len(dates)})
                if row.value is not None and row.population:
                    entry["values"][index] = float(row.value)
    return communes


def communes_not_reporting(unit: figures.UnitInfo, period: dt.date, engine=None) -> list[dict]:
    """early_warnings.communes_not_reporting as first written: every value of the period read."""
    query = (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.province_code)
        .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit),
               AdminUnit.code.not_in(reporting_units(period)))
        .order_by(AdminUnit.province_code, AdminUnit.code)
    )
    with connect(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def task_candidates(unit: figures.UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int,
                    engine=None, plan: str | None = None) -> list[tuple]:
    """early_warnings._candidates as first written: every candidate's first report probed, sorted in SQL."""
    latest = tasks.latest_reports(as_of, unit, plan, engine)
    province = AdminUnit.__table__.alias("task_province")
    report = sources.task_reports(engine)
    first = (select(report.report_date).where(report.task_id == Task.id, report.report_date <= as_of)
             .order_by(report.report_date).limit(1).correlate(Task).scalar_subquery())
    query = (
        select(Task.code, Task.title, Task.plan, Task.deadline, Task.owner_unit_code,
               AdminUnit.name.label("owner_name"), AdminUnit.level.label("owner_level"), AdminUnit.province_code,
               province.c.name.label("province_name"), Agency.name.label("lead_agency"), Task.responsible_official,
               latest.c.status.label("reported_status"), latest.c.progress_pct,
               latest.c.report_date.label("last_report"), first.label("first_report"), Task.document_number,
               Task.document_date, rules.derived_status(latest.c.status, Task.deadline, as_of).label("derived_status"))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .outerjoin(province, province.c.code == AdminUnit.province_code)
        .where(scope_filter(unit, AdminUnit))
        .where(~rules.is_completed(latest.c.status))
        .where(or_(Task.deadline <= as_of + dt.timedelta(days=due_soon_days),
                   latest.c.report_date < as_of - dt.timedelta(days=stalled_days)))
        .order_by(Task.deadline, Task.code)
    )
    with connect(engine) as conn:
        return [tuple(row) for row in conn.execute(query)]


def task_warnings(unit: figures.UnitInfo, as_of: dt.date, settings: dict, engine=None,
                  plan: str | None = None) -> list[dict]:
    """early_warnings._task_warnings as first written: a dict per candidate row, each message from `Message`."""
    columns = early_warnings._CANDIDATE_COLUMNS
    due_soon, stalled_after = settings["due_soon_days"], settings["stalled_days"]
    overdue, behind, stalled = [], [], []
    for values in early_warnings._candidates(unit, as_of, due_soon, stalled_after, engine, plan):
        row = dict(zip(columns, values))
        base = {
            "unit": {"code": row["owner_unit_code"], "name": row["owner_name"], "level": row["owner_level"]},
            "task": row["code"], "title": row["title"], "plan": row["plan"],
            "province": ({"code": row["province_code"], "name": row["province_name"]}
                         if row["province_code"] else None),
            "deadline": row["deadline"].isoformat(), "lead_agency": row["lead_agency"],
            "responsible_official": row["responsible_official"],
            "progress_pct": round(float(row["progress_pct"]), 1), "last_report": row["last_report"].isoformat(),
            "days_since_report": (as_of - row["last_report"]).days,
            "document": ({"number": row["document_number"],
                          "date": row["document_date"].isoformat() if row["document_date"] else None}
                         if row["document_number"] or row["document_date"] else None),
        }
        where = early_warnings._where(row["owner_unit_code"], row["owner_name"], row["owner_level"],
                                      row["province_name"])
        params = {"code": row["code"], "title": row["title"], "where": where, "agency": row["lead_agency"],
                  "official": row["responsible_official"], "deadline": row["deadline"],
                  "progress": Percent(float(row["progress_pct"]), 0)}
        if row["derived_status"] == "overdue":
            days = rules.days_overdue(row["deadline"], as_of, row["derived_status"])
            overdue.append({"kind": "overdue", **base, "days_overdue": days,
                            "message": Message("warn_overdue", {"days": days, **params}, plural="days")})
            continue
        if row["deadline"] <= as_of + dt.timedelta(days=due_soon):
            expected = rules.expected_progress(row["first_report"], row["deadline"], as_of)
            if row["progress_pct"] < expected:
                days_left = (row["deadline"] - as_of).days
                behind.append({"kind": "due_soon_behind", **base, "days_left": days_left,
                               "first_report": row["first_report"].isoformat(), "expected_pct": round(expected, 1),
                               "message": Message("warn_due_soon_behind",
                                                  {"days": days_left, "expected": Percent(expected, 0), **params},
                                                  plural="days")})
                continue
        days_since = (as_of - row["last_report"]).days
        if days_since > stalled_after:
            stalled.append({"kind": "stalled", **base, "message": Message(
                "warn_stalled", {"days": days_since, "last": row["last_report"], **params})})
    overdue.sort(key=lambda w: (-w["days_overdue"], w["task"]))
    behind.sort(key=lambda w: (w["days_left"], w["progress_pct"] - w["expected_pct"], w["task"]))
    stalled.sort(key=lambda w: (-w["days_since_report"], w["task"]))
    return overdue + behind + stalled


@contextlib.contextmanager
def warnings_installed():
    """Run the code inside with the early warnings' first queries and their first way of building the task
    warnings."""
    names = ("commune_values", "communes_not_reporting", "_candidates", "_task_warnings")
    saved = [getattr(early_warnings, name) for name in names]
    for name, reference in zip(names, (commune_values, communes_not_reporting, task_candidates, task_warnings)):
        setattr(early_warnings, name, reference)
    try:
        yield
    finally:
        for name, function in zip(names, saved):
            setattr(early_warnings, name, function)


def compare(engine, codes: list[str], as_of: dt.date, repeat: int = 2) -> list[tuple]:
    """(function, code, current ms, reference ms, same result) for the rollups the pages use."""
    rows = []
    for function in (figures.task_status, figures.task_status_by_child, figures.indicator_totals,
                     figures.indicators_by_child, figures.task_status_by, figures.task_list):
        name = function.__name__
        args = ("area",) if function is figures.task_status_by else ()
        for code in codes:
            timings, results = [], []
            for reference in (False, True):
                with installed() if reference else contextlib.nullcontext():
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
    from data_loaders.store.engine import make_engine

    parser = argparse.ArgumentParser(description="current vs reference latest-row subqueries")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args(argv)
    url = (national_scale.postgres_url(args.pg, "nq57_bench_small" if args.small else "nq57_bench")
           if args.pg is not None else national_scale.sqlite_url(args.small))
    engine = make_engine(url)
    as_of = figures.latest_data_date(engine)
    province = "68"
    commune = figures.child_units(province, engine)[0].code
    print(f"{engine.dialect.name}  as of {as_of}")
    print(f"{'function':24} {'unit':6} {'current ms':>11} {'reference ms':>13}  same")
    ok = True
    for name, code, current, reference, same in compare(engine, ["VN", province, commune], as_of):
        ok &= same
        print(f"{name:24} {code:6} {current:11.0f} {reference:13.0f}  {'yes' if same else 'NO'}")
    engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
