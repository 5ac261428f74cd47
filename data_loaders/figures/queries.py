"""Queries and rollups. Every figure is aggregated in SQL (GROUP BY on the server); functions take
plain arguments (unit code, date) so pages, the command line, benchmarks and tests call the same code.

Rules:
- A task's status at a date is its latest report on or before that date; a task with no report by
  then does not exist yet. Overdue is derived: not completed and deadline before the date.
- Stock indicators take each commune's latest value on or before the date and sum; percentages are
  averaged over communes weighted by their population (latest on or before the date, too).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, and_, case, func, literal, select, true
from sqlalchemy.sql import ColumnElement

from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.store import engine as db
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.models import (
    NATIONAL_CODE,
    SAMPLE_USER,
    AdminUnit,
    Agency,
    Indicator,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
)
from data_loaders.units.divisions import candidate_codes, short_fold_name

TREND_WORKERS = int(os.environ.get("NQ57_TREND_WORKERS", "3"))
PERCENT_INDICATORS = tuple(i.code for i in INDICATORS if i.rollup == "population_weighted")
CENTRAL_GROUP = NATIONAL_CODE  # at the national level, central ministries' tasks form their own group


class UnknownUnit(LookupError):
    pass


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    level: str
    parent_code: str | None
    province_code: str | None

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level}


def _engine(engine: Engine | None) -> Engine:
    return engine or db.get_engine()


def get_unit(code: str, engine: Engine | None = None) -> UnitInfo:
    """A unit by code: "VN", a province code or a commune code, with or without leading zeros."""
    try:
        candidates = candidate_codes(code)
    except ValueError as error:
        raise UnknownUnit(code) from error
    with _engine(engine).connect() as conn:
        rows = {
            row.code: row
            for row in conn.execute(
                select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_code, AdminUnit.province_code)
                .where(AdminUnit.code.in_(candidates))
            )
        }
    for candidate in candidates:
        if candidate in rows:
            return UnitInfo(*rows[candidate])
    raise UnknownUnit(code)


def unit_path(code: str, engine: Engine | None = None) -> list[UnitInfo]:
    """The nation, then the province, then the commune: the breadcrumb to a unit."""
    path = [get_unit(code, engine)]
    while path[0].parent_code:
        path.insert(0, get_unit(path[0].parent_code, engine))
    return path


def child_units(code: str, engine: Engine | None = None) -> list[UnitInfo]:
    """The units directly under a unit, in Vietnamese alphabetical order."""
    with _engine(engine).connect() as conn:
        rows = conn.execute(
            select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_code, AdminUnit.province_code)
            .where(AdminUnit.parent_code == code)
        ).all()
    return sorted((UnitInfo(*row) for row in rows), key=lambda u: vietnamese_sort_key(short_fold_name(u.name)))


def unit_coordinates(code: str, engine: Engine | None = None) -> dict[str, tuple[float | None, float | None]]:
    """Latitude and longitude of a unit's children (commune points on the province map)."""
    with _engine(engine).connect() as conn:
        rows = conn.execute(select(AdminUnit.code, AdminUnit.lat, AdminUnit.lon).where(AdminUnit.parent_code == code))
        return {row.code: (row.lat, row.lon) for row in rows}


def child_count(code: str, engine: Engine | None = None) -> int:
    with _engine(engine).connect() as conn:
        return conn.execute(select(func.count()).where(AdminUnit.parent_code == code)).scalar_one()


def latest_data_date(engine: Engine | None = None) -> dt.date | None:
    """The latest report date or indicator period: the default as-of date."""
    with _engine(engine).connect() as conn:
        report = conn.execute(select(func.max(TaskReport.report_date))).scalar_one()
        period = conn.execute(select(func.max(IndicatorValue.period))).scalar_one()
    dates = [d for d in (report, period) if d is not None]
    return max(dates) if dates else None


def _scope_filter(unit: UnitInfo, owner: AdminUnit) -> ColumnElement[bool]:
    if unit.level == "national":
        return literal(True)
    if unit.level == "province":
        return owner.province_code == unit.code
    return owner.code == unit.code


def _child_key(unit: UnitInfo, owner: AdminUnit) -> ColumnElement:
    """The child a row rolls up into: its province at national level, its commune at province level.
    Tasks owned by the unit itself (central ministries; the province's own) keep the unit's code."""
    if unit.level == "national":
        return func.coalesce(owner.province_code, literal(NATIONAL_CODE))
    return owner.code


# --- tasks ------------------------------------------------------------------------------------


def _latest_reports(as_of: dt.date, unit: UnitInfo | None = None):
    """Each task's latest report on or before `as_of` (task_id, status, progress_pct, report_date);
    tasks with no report by then are left out. With `unit`, only the tasks in its scope.

    Starts from the tasks in scope and finds each one's latest report with one backward probe of
    the (task_id, report_date) unique index, instead of grouping every report up to the date:
    a commune no longer costs as much as the nation (see benchmarks/README.md)."""

    def latest(column):
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
        per_task = per_task.join(AdminUnit, AdminUnit.code == Task.owner_unit_code).where(_scope_filter(unit, AdminUnit))
    # OFFSET 0 keeps PostgreSQL from merging this derived table into the outer query, where it would
    # re-run the probes once per joined row (EXPLAIN showed 1.2 million loops).
    per_task = per_task.offset(0).subquery("latest_probe")
    return (
        select(per_task.c.task_id, per_task.c.status, per_task.c.progress_pct, per_task.c.report_date)
        .where(per_task.c.status.is_not(None))
        .subquery("latest_report")
    )


def _status_columns(latest, as_of: dt.date) -> list:
    completed = latest.c.status == "completed"
    overdue = and_(latest.c.status != "completed", Task.deadline < as_of)
    return [
        func.count().label("total"),
        func.coalesce(func.sum(case((completed, 1), else_=0)), 0).label("completed"),
        func.coalesce(func.sum(case((completed, 0), (overdue, 0), else_=1)), 0).label("on_schedule"),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0).label("overdue"),
    ]


def task_status(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> dict[str, int]:
    """{"total", "completed", "on_schedule", "overdue"} for a unit and everything under it."""
    unit = get_unit(unit_code, engine)
    latest = _latest_reports(as_of, unit)
    query = (
        select(*_status_columns(latest, as_of))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(_scope_filter(unit, AdminUnit))
    )
    with _engine(engine).connect() as conn:
        row = conn.execute(query).one()
    return {key: int(row._mapping[key]) for key in ("total", "completed", "on_schedule", "overdue")}


def task_status_by_child(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[dict]:
    """One row per child unit (every child, with zeros), plus the unit's own tasks as a group of their
    own when it has any (central ministries at the national level)."""
    unit = get_unit(unit_code, engine)
    latest = _latest_reports(as_of, unit)
    key = _child_key(unit, AdminUnit).label("code")
    query = (
        select(key, *_status_columns(latest, as_of))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(_scope_filter(unit, AdminUnit))
        .group_by(key)
    )
    with _engine(engine).connect() as conn:
        counts = {row.code: dict(row._mapping) for row in conn.execute(query)}
    rows = []
    zero = {"total": 0, "completed": 0, "on_schedule": 0, "overdue": 0}
    if unit.level != "commune" and unit.code in counts:
        rows.append({**counts[unit.code], "code": unit.code, "name": unit.name, "own": True})
    for child in child_units(unit.code, engine):
        rows.append({**zero, **counts.get(child.code, {}), "code": child.code, "name": child.name, "own": False})
    return rows


# --- indicators -------------------------------------------------------------------------------


def _latest_values(unit: UnitInfo, as_of: dt.date):
    """Each (indicator, commune in scope)'s latest value on or before `as_of`: indicator_code,
    unit_code, value, child (the child unit it rolls up into). One backward probe of the
    (indicator_code, unit_code, period) unique index per pair, as in `_latest_reports`."""
    latest_value = (
        select(IndicatorValue.value)
        .where(IndicatorValue.indicator_code == Indicator.code, IndicatorValue.unit_code == AdminUnit.code,
               IndicatorValue.period <= as_of)
        .order_by(IndicatorValue.period.desc())
        .limit(1)
        .correlate(Indicator, AdminUnit)
        .scalar_subquery()
    )
    pairs = (
        select(Indicator.code.label("indicator_code"), AdminUnit.code.label("unit_code"),
               latest_value.label("value"), _child_key(unit, AdminUnit).label("child"))
        .select_from(AdminUnit)
        .join(Indicator, true())
        .where(_scope_filter(unit, AdminUnit), AdminUnit.level == "commune")
        .offset(0)
        .subquery("latest_pair")
    )
    return (
        select(pairs.c.indicator_code, pairs.c.unit_code, pairs.c.value, pairs.c.child)
        .where(pairs.c.value.is_not(None))
        .cte("latest_value")
    )


def _indicator_rollup(unit: UnitInfo, as_of: dt.date, by_child: bool, engine: Engine | None) -> dict:
    values = _latest_values(unit, as_of)
    # Pivot to one row per commune first, so a percentage meets its commune's population without a
    # self-join, then aggregate per child (or for the whole unit).
    per_commune = (
        select(values.c.child, *(
            func.sum(case((values.c.indicator_code == indicator.code, values.c.value))).label(indicator.code)
            for indicator in INDICATORS
        ))
        .group_by(values.c.unit_code, values.c.child)
        .subquery("per_commune")
    )
    population = per_commune.c.population
    columns = []
    for indicator in INDICATORS:
        column = per_commune.c[indicator.code]
        if indicator.code in PERCENT_INDICATORS:
            columns.append(func.sum(column * population).label(f"{indicator.code}__weighted"))
            columns.append(func.sum(case((column.is_not(None), population))).label(f"{indicator.code}__weight"))
        else:
            columns.append(func.sum(column).label(indicator.code))
    group = [per_commune.c.child] if by_child else []
    query = select(*group, *columns).group_by(*group)
    result: dict = {}
    with _engine(engine).connect() as conn:
        for row in conn.execute(query):
            mapping = row._mapping
            rolled = {}
            for indicator in INDICATORS:
                if indicator.code in PERCENT_INDICATORS:
                    weight = mapping[f"{indicator.code}__weight"]
                    rolled[indicator.code] = mapping[f"{indicator.code}__weighted"] / weight if weight else None
                else:
                    rolled[indicator.code] = mapping[indicator.code]
            if by_child:
                result[mapping["child"]] = rolled
            else:
                result = rolled
    return result


def indicator_totals(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> dict[str, float | None]:
    """Every indicator rolled up for a unit: sums, and population-weighted percentages."""
    unit = get_unit(unit_code, engine)
    values = _indicator_rollup(unit, as_of, by_child=False, engine=engine)
    return {indicator.code: values.get(indicator.code) for indicator in INDICATORS}


def indicators_by_child(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[dict]:
    """One row per child unit with every indicator rolled up (None where nothing was reported)."""
    unit = get_unit(unit_code, engine)
    values = _indicator_rollup(unit, as_of, by_child=True, engine=engine)
    return [
        {"code": child.code, "name": child.name,
         **{indicator.code: values.get(child.code, {}).get(indicator.code) for indicator in INDICATORS}}
        for child in child_units(unit.code, engine)
    ]


def _json_number(code: str, value: float | None) -> float | int | None:
    if value is None:
        return None
    if code in PERCENT_INDICATORS:
        return round(value, 2)
    return int(round(value))


def summary(unit_code: str, as_of: dt.date | None = None, engine: Engine | None = None) -> dict:
    """The headline figures of a unit: the `summary` command's JSON contract."""
    unit = get_unit(unit_code, engine)
    as_of = as_of or latest_data_date(engine) or dt.date.today()
    indicators = indicator_totals(unit.code, as_of, engine)
    return {
        "unit": unit.as_json(),
        "as_of": as_of.isoformat(),
        "tasks": task_status(unit.code, as_of, engine),
        "indicators": {code: _json_number(code, value) for code, value in indicators.items()},
        "children": child_count(unit.code, engine),
    }


def earliest_data_date(engine: Engine | None = None) -> dt.date | None:
    with _engine(engine).connect() as conn:
        report = conn.execute(select(func.min(TaskReport.report_date))).scalar_one()
        period = conn.execute(select(func.min(IndicatorValue.period))).scalar_one()
    dates = [d for d in (report, period) if d is not None]
    return min(dates) if dates else None


def holds_sample_data(engine: Engine | None = None) -> bool:
    """Whether the figures come (at least partly) from the bundled sample workbooks."""
    with _engine(engine).connect() as conn:
        found = conn.execute(
            select(Upload.id).where(Upload.uploaded_by == SAMPLE_USER, Upload.status == "imported").limit(1)
        ).first()
    return found is not None


def units_for_search(engine: Engine | None = None) -> list[dict]:
    """Every province and commune with its province's name, for the sidebar search."""
    province = AdminUnit.__table__.alias("province")
    query = (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.province_code,
               province.c.name.label("province_name"))
        .join(province, province.c.code == AdminUnit.province_code)
        .where(AdminUnit.level.in_(("province", "commune")))
    )
    with _engine(engine).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


# --- task breakdowns, lists and detail ---------------------------------------------------------

_TASK_GROUPS = {"area": Task.area, "plan": Task.plan, "lead_agency": Agency.name}


def _task_rows(unit: UnitInfo, as_of: dt.date, latest):
    return (
        select()
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(_scope_filter(unit, AdminUnit))
    )


def task_status_by(unit_code: str, as_of: dt.date, group: str, engine: Engine | None = None) -> list[dict]:
    """Status counts per area, plan or lead agency, most overdue first."""
    unit = get_unit(unit_code, engine)
    latest = _latest_reports(as_of, unit)
    key = _TASK_GROUPS[group].label("key")
    query = _task_rows(unit, as_of, latest).add_columns(key, *_status_columns(latest, as_of)).group_by(key)
    with _engine(engine).connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["total"], r["key"]))


def task_filter_options(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> dict[str, list[str]]:
    """The plans, areas and lead agencies that occur among a unit's tasks existing at the date."""
    unit = get_unit(unit_code, engine)
    reported = select(TaskReport.id).where(TaskReport.task_id == Task.id, TaskReport.report_date <= as_of).exists()
    in_scope = (select().select_from(Task).join(Agency, Agency.id == Task.lead_agency_id)
                .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
                .where(_scope_filter(unit, AdminUnit), reported))
    options = {}
    with _engine(engine).connect() as conn:
        for name, column in _TASK_GROUPS.items():
            options[name] = sorted((v for v in conn.execute(in_scope.add_columns(column).distinct()).scalars()
                                    if v is not None), key=vietnamese_sort_key)
    return options


def task_list(unit_code: str, as_of: dt.date, status: str | None = None, plan: str | None = None,
              area: str | None = None, lead_agency: str | None = None, limit: int = 5000,
              engine: Engine | None = None) -> list[dict]:
    """Tasks of a unit at a date with their derived status; overdue ones first, most late first."""
    unit = get_unit(unit_code, engine)
    latest = _latest_reports(as_of, unit)
    completed = latest.c.status == "completed"
    overdue = and_(latest.c.status != "completed", Task.deadline < as_of)
    derived = case((completed, "completed"), (overdue, "overdue"), else_="on_schedule").label("derived_status")
    query = _task_rows(unit, as_of, latest).add_columns(
        Task.code, Task.title, Task.plan, Task.area, Agency.name.label("lead_agency"),
        Task.responsible_official, Task.deadline, Task.owner_unit_code, AdminUnit.name.label("owner_name"),
        latest.c.status.label("reported_status"), latest.c.progress_pct, latest.c.report_date.label("last_report"),
        derived,
    )
    if status == "completed":
        query = query.where(completed)
    elif status == "overdue":
        query = query.where(overdue)
    elif status == "on_schedule":
        query = query.where(~completed, ~overdue)
    for value, column in ((plan, Task.plan), (area, Task.area), (lead_agency, Agency.name)):
        if value:
            query = query.where(column == value)
    query = query.order_by(case((overdue, 0), else_=1), Task.deadline, Task.code).limit(limit)
    with _engine(engine).connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["days_overdue"] = (as_of - row["deadline"]).days if row["derived_status"] == "overdue" else 0
    return rows


def task_detail(task_code: str, engine: Engine | None = None) -> dict | None:
    """A task with its whole report history and where each report came from."""
    with _engine(engine).connect() as conn:
        task = conn.execute(
            select(Task.id, Task.code, Task.title, Task.plan, Task.area, Agency.name.label("lead_agency"),
                   Task.responsible_official, Task.deadline, Task.owner_unit_code, AdminUnit.name.label("owner_name"))
            .join(Agency, Agency.id == Task.lead_agency_id)
            .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
            .where(Task.code == task_code)
        ).first()
        if task is None:
            return None
        reports = conn.execute(
            select(TaskReport.report_date, TaskReport.status, TaskReport.progress_pct, TaskReport.note,
                   Upload.file_name, TaskReport.source_row)
            .outerjoin(Upload, Upload.id == TaskReport.upload_id)
            .where(TaskReport.task_id == task.id)
            .order_by(TaskReport.report_date)
        ).all()
    return {**dict(task._mapping), "reports": [dict(r._mapping) for r in reports]}


# --- trends -----------------------------------------------------------------------------------


def month_ends(as_of: dt.date, months: int) -> list[dt.date]:
    """The last `months` month ends up to as_of, the last one being as_of itself."""
    dates = [as_of]
    year, month = as_of.year, as_of.month
    for _ in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        dates.insert(0, dt.date(year, month, calendar.monthrange(year, month)[1]))
    return dates


def _at_month_ends(query, unit_code: str, as_of: dt.date, months: int, engine: Engine | None) -> list[dict]:
    """`query(unit_code, day)` at each of the last `months` month ends with data. The dates are
    independent queries, so they run side by side on the connection pool: a trend costs about one
    rollup per core rather than one per month."""
    engine = _engine(engine)
    earliest = earliest_data_date(engine)
    days = [day for day in month_ends(as_of, months) if not earliest or day >= earliest]
    with ThreadPoolExecutor(max_workers=max(1, min(len(days), TREND_WORKERS))) as pool:
        results = list(pool.map(lambda day: query(unit_code, day, engine), days))
    return [{"date": day, **result} for day, result in zip(days, results)]


def indicator_trend(unit_code: str, as_of: dt.date, months: int = 6, engine: Engine | None = None) -> list[dict]:
    """Every indicator rolled up at each of the last `months` month ends (state on that date)."""
    return _at_month_ends(indicator_totals, unit_code, as_of, months, engine)


def task_status_trend(unit_code: str, as_of: dt.date, months: int = 6, engine: Engine | None = None) -> list[dict]:
    """Task status counts at each of the last `months` month ends."""
    return _at_month_ends(task_status, unit_code, as_of, months, engine)


# --- warnings, accountability, quality (issue 5): re-exported so components/cached.py finds them ---


def warnings(unit_code: str, as_of: dt.date | None = None, lang: str = "vi", settings: dict | None = None,
             engine: Engine | None = None) -> dict:
    from data_loaders.figures.warnings import warnings as _warnings

    return _warnings(unit_code, as_of, lang, settings, engine)


def quality(unit_code: str, as_of: dt.date | None = None, settings: dict | None = None,
            engine: Engine | None = None) -> dict:
    from data_loaders.figures.quality import quality as _quality

    return _quality(unit_code, as_of, settings, engine)


def accountability_ranking(unit_code: str, as_of: dt.date, since: dt.date, by: str = "lead_agency",
                           engine: Engine | None = None) -> list[dict]:
    from data_loaders.figures.accountability import rank_change

    return rank_change(unit_code, as_of, since, by, engine)


def overdue_buckets(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> dict[str, int]:
    from data_loaders.figures.accountability import overdue_buckets as _overdue_buckets

    return _overdue_buckets(unit_code, as_of, engine)


def tasks_by_official(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[dict]:
    from data_loaders.figures.accountability import by_official

    return by_official(unit_code, as_of, engine)

