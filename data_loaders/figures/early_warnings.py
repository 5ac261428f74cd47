"""Early warnings: the short list of what a leader must act on, most urgent first.

`warnings(unit_code, as_of)` is the `warnings` command's JSON contract once the command line has
put each message in the reader's language:

    {"unit": {...}, "as_of": "YYYY-MM-DD",
     "warnings": [{"kind": "overdue" | "due_soon_behind" | "stalled" | "not_reporting" | "off_target",
                   "unit": {"code", "name", "level"}, "task": CODE | "indicator": CODE | null,
                   "message": "...", ...figures}]}

A task warning also carries `"document": {"number", "date"}` (the task's assigning document, either
part may be null) or null when the task names none.

Kinds, in the order of URGENCY (a task appears once, under its most urgent kind):
- overdue: not completed and the deadline is before as_of (a deadline on as_of is not overdue yet);
  most days overdue first;
- due_soon_behind: due within `due_soon_days`, progress below the straight line from 0% at the task's
  first report to 100% at its deadline; nearest deadline first;
- stalled: not completed and the latest report is more than `stalled_days` old; longest silence first;
- off_target: an indicator with a target (figures/targets.py: the unit's own, else its province's,
  else the nation's), whose value (figures/indicators.py: the value every page shows) has not reached
  it and is either below the target's path at its latest month end or on a least-squares trend (over
  the last `trend_months` month ends) that misses the target at its date — in the indicator's
  direction (fewer villages without signal is better). The unit itself is one card per indicator;
  the communes below it are grouped: at the national level one card per province ("Lâm Đồng: 125 of
  140 communes below the 5G coverage path, lowest: …"), at the province level one card with its
  worst communes; furthest from the target first;
- not_reporting: communes with no indicator value for the latest period, grouped the same way (one
  card per province at the national level, one card at the province level); largest share first.
A task past its deadline comes before one about to miss it, which comes before a task nobody reports
on; a target trend that will be missed comes before figures that are late. Task warnings name the
task's title, its unit and that unit's province, its lead agency and its responsible official.

Overdue, days overdue and expected progress are the rules of figures/definitions.py. Thresholds come
from data_loaders.store.settings. Candidate rows are selected in SQL; Python only sorts them out.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypedDict, TypeVar

from sqlalchemy import Engine, and_, case, func, literal, null, or_, select

from data_loaders.figures import definitions as rules
from data_loaders.figures import rollups, sources
from data_loaders.figures.bulk import without_collection
from data_loaders.figures.indicators import WEIGHT, indicator_series
from data_loaders.figures.reporting import reported_values
from data_loaders.figures.scope import (
    UnitInfo,
    child_units,
    connect,
    get_unit,
    latest_data_date,
    latest_period,
    scope_filter,
)
from data_loaders.figures.targets import (
    TargetInForce,
    amount,
    higher_is_better,
    is_percent,
    path_value,
    reaches,
    resolve,
    rolls_down,
    subject,
    targeted_indicators,
    targets_in_force,
)
from data_loaders.figures.tasks import latest_reports
from data_loaders.i18n.message import Message, Month, Percent, Term
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Agency, IndicatorValue, Task
from data_loaders.store.settings import get_settings

URGENCY = ("overdue", "due_soon_behind", "stalled", "off_target", "not_reporting")
KINDS = URGENCY  # the counts row and every list follow the order of urgency
COVERAGE = "fiveg_coverage_pct"
WORST_SHOWN = 3  # communes named in a grouped card ("lowest: …")
PROBED_AT_ONCE = 500  # communes whose value before a range is probed in one query (SQLite's bound parameters)
Result = TypeVar("Result")


class Warnings(TypedDict):
    unit: dict  # {"code", "name", "level"}
    as_of: str  # ISO date
    warnings: list[dict]  # each {"kind", "unit", "task" | "indicator", "message": Message(s), …figures}


def _unit_json(code: str, name: str, level: str) -> dict:
    return {"code": code, "name": name, "level": level}


def _where(code: str, name: str, level: str, province: str | None) -> Term | Message | str:
    """Where a task belongs, as a warning names it: the central ministries, a province, or a commune
    with its province ("Xã Quảng Hòa, Lâm Đồng")."""
    if code == NATIONAL_CODE:
        return Term("central_ministries")
    if level == "commune" and province:
        return Message.of_json("warnings_where_commune", {"commune": name, "province": province})
    return name


# --- tasks ------------------------------------------------------------------------------------


_CANDIDATE_COLUMNS = ("code", "title", "plan", "deadline", "owner_unit_code", "owner_name", "owner_level",
                      "province_code", "province_name", "lead_agency", "responsible_official", "reported_status",
                      "progress_pct", "last_report", "first_report", "document_number", "document_date",
                      "derived_status")


def _candidates(unit: UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int,
                engine: Engine | None = None, plan: str | None = None) -> list[tuple]:
    """`task_candidates` as tuples in the order of `_CANDIDATE_COLUMNS` (the warnings read thousands).
    Nationally, when the task summary may be read (figures/rollups.py), the tasks it says are completed at
    the date are left out before their latest report is probed (29,000 of the 50,000 on the national-scale
    database), as the task list does (tasks.listed_tasks); the same rows either way."""
    if unit.level == "national" and rollups.usable(engine):
        completed = Task.id.not_in(rollups.tasks_counted_in("completed", unit, as_of, plan))
        query = _candidate_query(unit, as_of, due_soon_days, stalled_days, engine, plan, completed)
        rows = rollups.read_if_current(engine, lambda conn: conn.execute(query).all())
        if rows is not None:
            return [tuple(row) for row in rows]
    query = _candidate_query(unit, as_of, due_soon_days, stalled_days, engine, plan)
    with connect(engine) as conn:
        return [tuple(row) for row in conn.execute(query).all()]


def _candidate_query(unit: UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int,
                     engine: Engine | None, plan: str | None, among=None):
    latest = latest_reports(as_of, unit, plan, engine, among=among)
    province = AdminUnit.__table__.alias("task_province")
    report = sources.task_reports(engine)
    soon = as_of + dt.timedelta(days=due_soon_days)
    # the first report of a candidate due soon and not overdue (whose expected progress it gives): one
    # forward probe of the (task_id, report_date) index, for those candidates only (grouping every report up
    # to the date read all of them: 2.6 million nationally; probing every candidate, mostly overdue ones,
    # thousands for nothing); None for the others
    first = (
        select(report.report_date)
        .where(report.task_id == Task.id, report.report_date <= as_of)
        .order_by(report.report_date)
        .limit(1)
        .correlate(Task)
        .scalar_subquery()
    )
    return (
        select(Task.code, Task.title, Task.plan, Task.deadline, Task.owner_unit_code,
               AdminUnit.name.label("owner_name"),
               AdminUnit.level.label("owner_level"), AdminUnit.province_code,
               province.c.name.label("province_name"), Agency.name.label("lead_agency"), Task.responsible_official,
               latest.c.status.label("reported_status"), latest.c.progress_pct,
               latest.c.report_date.label("last_report"),
               case((and_(Task.deadline >= as_of, Task.deadline <= soon), first)).label("first_report"),
               Task.document_number, Task.document_date,
               rules.derived_status(latest.c.status, Task.deadline, as_of).label("derived_status"))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .outerjoin(province, province.c.code == AdminUnit.province_code)
        .where(scope_filter(unit, AdminUnit))
        .where(~rules.is_completed(latest.c.status))
        .where(or_(Task.deadline <= soon, latest.c.report_date < as_of - dt.timedelta(days=stalled_days)))
    )  # no ORDER BY: the warnings sort each kind on its own


def task_candidates(unit: UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int,
                    engine: Engine | None = None, plan: str | None = None) -> list[dict]:
    """Tasks in scope (with `plan`, of that plan), not completed at as_of, that are overdue, due
    within the window, or whose latest report is older than the stalled threshold, in no particular
    order; `first_report` only for those due within the window and not overdue (else None)."""
    return [dict(zip(_CANDIDATE_COLUMNS, row))
            for row in _candidates(unit, as_of, due_soon_days, stalled_days, engine, plan)]


# What sorts the task warnings out (`_sorted_tasks`), at these positions of a full candidate row
_SORTED_ON = ("code", "deadline", "progress_pct", "last_report", "first_report", "derived_status")
_FULL_AT = tuple(_CANDIDATE_COLUMNS.index(name) for name in _SORTED_ON)
# A key row (`_key_query`): those columns first, then the owner and the task's id; a task the summary says is
# overdue has neither its progress nor its reports (never read for an overdue task)
_KEY_COLUMNS = (*_SORTED_ON, "owner_unit_code", "id")
_KEY_AT = tuple(range(len(_SORTED_ON)))


def _sorted_tasks(rows: list[tuple], as_of: dt.date, settings: dict,
                  at: tuple[int, ...] = _FULL_AT) -> list[tuple[str, int, float | None, tuple]]:
    """The candidates that are task warnings, most urgent first: (kind, days, expected progress or None,
    candidate row), the row's code, deadline, progress, last and first report and derived status at the
    positions `at`. Which kind a task is and where it stands in the list is decided here only; building
    each warning (`_task_item`) is left to whoever needs it (the summary builds the first few)."""
    due_soon, stalled_after = settings["due_soon_days"], settings["stalled_days"]
    soon = as_of + dt.timedelta(days=due_soon)
    code_at, deadline_at, progress_at, last_at, first_at, status_at = at
    overdue, behind, stalled = [], [], []
    for row in rows:
        code, deadline, status = row[code_at], row[deadline_at], row[status_at]
        if status == "overdue":
            days = rules.days_overdue(deadline, as_of, status)
            overdue.append(((-days, code), ("overdue", days, None, row)))
            continue
        progress = float(row[progress_at])
        if deadline <= soon and progress < (expected := rules.expected_progress(row[first_at], deadline, as_of)):
            days = (deadline - as_of).days
            # the rounded figures the warning shows: the order a reader sees them in
            behind.append(((days, round(progress, 1) - round(expected, 1), code),
                           ("due_soon_behind", days, expected, row)))
        elif (days := (as_of - row[last_at]).days) > stalled_after:
            stalled.append(((-days, code), ("stalled", days, None, row)))
    return [entry for part in (overdue, behind, stalled) for _, entry in sorted(part, key=lambda pair: pair[0])]


def _task_rows(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None,
               plan: str | None = None) -> list[tuple[str, int, float | None, tuple]]:
    """Every task warning sorted out (`_sorted_tasks`) with its full candidate row: what `warnings` builds."""
    rows = _candidates(unit, as_of, settings["due_soon_days"], settings["stalled_days"], engine, plan)
    return _sorted_tasks(rows, as_of, settings)


def _key_query(unit: UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int, engine: Engine | None,
               plan: str | None, among=None):
    """`_candidate_query`'s tasks with the `_KEY_COLUMNS` only (no titles, agencies, provinces, documents)."""
    latest = latest_reports(as_of, unit, plan, engine, among=among)
    report = sources.task_reports(engine)
    soon = as_of + dt.timedelta(days=due_soon_days)
    first = (select(report.report_date).where(report.task_id == Task.id, report.report_date <= as_of)
             .order_by(report.report_date).limit(1).correlate(Task).scalar_subquery())
    return (
        select(Task.code, Task.deadline, latest.c.progress_pct, latest.c.report_date.label("last_report"),
               case((and_(Task.deadline >= as_of, Task.deadline <= soon), first)).label("first_report"),
               rules.derived_status(latest.c.status, Task.deadline, as_of).label("derived_status"),
               Task.owner_unit_code, Task.id)
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(scope_filter(unit, AdminUnit))
        .where(~rules.is_completed(latest.c.status))
        .where(or_(Task.deadline <= soon, latest.c.report_date < as_of - dt.timedelta(days=stalled_days)))
    )


def _task_head(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None, plan: str | None,
               count: int, kinds: frozenset[str] | None = None
               ) -> tuple[list[tuple[str, int, float | None, tuple]], dict[str, tuple]]:
    """Every task warning sorted out (`_sorted_tasks`) on its key row (`_KEY_COLUMNS`), and the full candidate
    rows of the first `count` (of `kinds`, with them) by code, read in the same snapshot: what the summary and
    the keys need (nationally 9,500 short rows, 50 full ones).

    Nationally, when the task summary may be read (figures/rollups.py), a task it says is overdue at the date
    (not completed, deadline before it: 8,841 of the 50,000 on the national-scale database) is overdue whatever
    its latest report says and sorted on its deadline and code alone, so only the others not completed (whose
    deadline is not past) are probed for their latest report; the same warnings in the same order either way."""
    due_soon, stalled_after = settings["due_soon_days"], settings["stalled_days"]

    def read(conn, rollup: bool):
        if rollup:
            overdue = (select(Task.code, Task.deadline, null(), null(), null(), literal("overdue"),
                              Task.owner_unit_code, Task.id)
                       .where(Task.id.in_(rollups.tasks_counted_in("overdue", unit, as_of, plan))))
            not_due = and_(Task.deadline >= as_of,
                           Task.id.not_in(rollups.tasks_counted_in("completed", unit, as_of, plan)))
            rows = conn.execute(overdue).all() + conn.execute(
                _key_query(unit, as_of, due_soon, stalled_after, engine, plan, not_due)).all()
        else:
            rows = conn.execute(_key_query(unit, as_of, due_soon, stalled_after, engine, plan)).all()
        entries = _sorted_tasks(rows, as_of, settings, _KEY_AT)
        ids = [row[-1] for _, _, _, row in _of_kinds(entries, kinds)[:count]]
        full = conn.execute(_candidate_query(unit, as_of, due_soon, stalled_after, engine, plan,
                                             Task.id.in_(ids))).all() if ids else []
        return entries, {row[0]: tuple(row) for row in full}

    if unit.level == "national" and rollups.usable(engine):
        found = rollups.read_if_current(engine, lambda conn: read(conn, True))
        if found is not None:
            return found
    with connect(engine) as conn:
        return read(conn, False)


def _task_item(kind: str, days: int, expected: float | None, row: tuple, as_of: dt.date) -> dict:
    """One task warning (`_task_rows` gives its kind, days and expected progress), its message's parameters
    already as JSON (`Message.of_json`: thousands are built nationally)."""
    (code, title, plan_code, deadline, owner, owner_name, owner_level, province_code, province_name, agency,
     official, _reported, progress, last_report, first_report, document_number, document_date, _status) = row
    progress = float(progress)
    deadline_iso, last_iso = deadline.isoformat(), last_report.isoformat()
    item = {
        "kind": kind,
        "unit": {"code": owner, "name": owner_name, "level": owner_level},
        "task": code,
        "title": title,
        "plan": plan_code,
        "province": {"code": province_code, "name": province_name} if province_code else None,
        "deadline": deadline_iso,
        "lead_agency": agency,
        "responsible_official": official,
        "progress_pct": round(progress, 1),
        "last_report": last_iso,
        "days_since_report": (as_of - last_report).days,
        # the assigning document, when the task carries it (figures.tasks.document_message words it)
        "document": ({"number": document_number,
                      "date": document_date.isoformat() if document_date else None}
                     if document_number or document_date else None),
    }
    # the parameters every task message shares, in their order (`Message` would write the deadline so)
    shared = (("code", code), ("title", title), ("where", _where(owner, owner_name, owner_level, province_name)),
              ("agency", agency), ("official", official), ("deadline", {"date": deadline_iso}),
              ("progress", Percent(progress, 0)))
    if kind == "overdue":
        item["days_overdue"] = days
        item["message"] = Message.of_json("warn_overdue", dict((("days", days), *shared)), plural="days")
    elif kind == "due_soon_behind":
        item.update(days_left=days, first_report=first_report.isoformat(), expected_pct=round(expected, 1))
        item["message"] = Message.of_json(
            "warn_due_soon_behind", dict((("days", days), ("expected", Percent(expected, 0)), *shared)),
            plural="days")
    else:
        item["message"] = Message.of_json("warn_stalled", dict((("days", days), ("last", {"date": last_iso}), *shared)))
    return item


def _task_warnings(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None,
                   plan: str | None = None) -> list[dict]:
    """The task warnings, each kind in its order. Built for thousands of rows (about 9,500 nationally):
    tuples from the query, each message's parameters already as JSON (`Message.of_json`)."""
    return [_task_item(kind, days, expected, row, as_of)
            for kind, days, expected, row in _task_rows(unit, as_of, settings, engine, plan)]


# --- communes not reporting -------------------------------------------------------------------


def communes_not_reporting(unit: UnitInfo, period: dt.date, engine: Engine | None = None) -> list[dict]:
    """Communes in scope with no indicator value at all for `period` ("reported" as the reporting-status
    page counts it: figures/reporting.py). One probe of the (indicator_code, unit_code, period) index per
    commune, instead of reading every value of the period (scattered over the whole table)."""
    sent = (reported_values(period).with_only_columns(IndicatorValue.unit_code)
            .where(IndicatorValue.unit_code == AdminUnit.code).limit(1).correlate(AdminUnit).scalar_subquery())
    query = (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.province_code)
        .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit), sent.is_(None))
        .order_by(AdminUnit.province_code, AdminUnit.code)
    )
    with connect(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _commune_counts(unit: UnitInfo, engine: Engine | None) -> dict[str, int]:
    query = (select(AdminUnit.province_code, func.count())
             .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit))
             .group_by(AdminUnit.province_code))
    with connect(engine) as conn:
        return {code: count for code, count in conn.execute(query)}


def _not_reporting_warnings(unit: UnitInfo, as_of: dt.date, engine: Engine | None) -> list[dict]:
    """At the national level one card per province, at the province level one card for the province,
    at the commune level the commune itself: the communes that sent nothing for the latest period."""
    period = latest_period(as_of, engine)
    if period is None:
        return []
    missing = communes_not_reporting(unit, period, engine)
    if not missing:
        return []
    if unit.level == "commune":
        row = missing[0]
        return [{
            "kind": "not_reporting", "unit": _unit_json(row["code"], row["name"], "commune"), "indicator": None,
            "period": period.isoformat(), "count": 1, "total": 1,
            "communes": [{"code": row["code"], "name": row["name"]}],
            "message": Message("warn_not_reporting_commune", {"commune": row["name"], "period": Month(period)}),
        }]
    totals = _commune_counts(unit, engine)
    provinces = ({p.code: p for p in child_units(unit.code, engine)} if unit.level == "national"
                 else {unit.code: unit})
    grouped: dict[str, list[dict]] = {}
    for row in missing:
        grouped.setdefault(row["province_code"], []).append(row)
    result = []
    for code, rows in grouped.items():
        province = provinces.get(code)
        name = province.name if province else code
        total = totals.get(code, len(rows))
        result.append({
            "kind": "not_reporting", "unit": _unit_json(code, name, "province"), "indicator": None,
            "period": period.isoformat(), "count": len(rows), "total": total,
            "communes": [{"code": r["code"], "name": r["name"]} for r in rows],
            "message": Message("warn_not_reporting_province", {
                "province": name, "count": len(rows), "total": total, "period": Month(period)}),
        })
    result.sort(key=lambda w: (-w["count"] / max(w["total"], 1), -w["count"], w["unit"]["code"]))
    return result


# --- indicators off target --------------------------------------------------------------------


def linear_fit(points: list[tuple[dt.date, float]]) -> tuple[float, float, dt.date] | None:
    """Least squares y = a + b·x over (date, value) points, x in days from the first date:
    (a, b per day, origin). None with fewer than two distinct dates."""
    if len({d for d, _ in points}) < 2:
        return None
    origin = min(d for d, _ in points)
    xs = [(d - origin).days for d, _ in points]
    ys = [v for _, v in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    return mean_y - slope * mean_x, slope, origin


def projection(points: list[tuple[dt.date, float]], target: float, target_date: dt.date,
               higher: bool = True) -> dict | None:
    """Where the trend puts a value at the target date, and when it would reach the target (rising
    to it, or for an indicator where lower is better, falling to it)."""
    fit = linear_fit(points)
    if fit is None:
        return None
    intercept, slope, origin = fit
    projected = intercept + slope * (target_date - origin).days
    reach = None
    if (slope > 0) if higher else (slope < 0):
        days = (target - intercept) / slope
        try:
            reach = origin + dt.timedelta(days=max(0, round(days)))
        except OverflowError:
            reach = None
        if reach is not None and reach.year > 2100:
            reach = None
    return {"projected": projected, "slope_per_day": slope, "reach_date": reach}


@without_collection
def commune_values(unit: UnitInfo, dates: list[dt.date], indicator: str = COVERAGE,
                   engine: Engine | None = None) -> dict[str, dict]:
    """Each commune in scope ({code, name, province_code, values}) with its value of an indicator at
    each date: its latest value on or before the date, None where it had none — or, for a percentage
    weighed by population (figures/indicators.py), no population then.

    Whatever the number of dates: the values dated from the first date to the last (one range of the
    (indicator_code, period) index) with the communes' names (read meanwhile in a worker); a commune without a
    value dated the first date (of one of the codes) then has its latest before it probed (one backward probe
    of the (indicator_code, unit_code, period) index each, for those communes only: nationally, where every
    commune reports each month end, none instead of 6,600); the latest on or before each date is picked here."""
    if not dates:
        return {}
    weighted = is_percent(indicator, engine)
    codes = [indicator, WEIGHT] if weighted else [indicator]
    first, last = min(dates), max(dates)
    order = sorted(range(len(dates)), key=dates.__getitem__)  # the dates' positions, earliest first
    value = sources.indicator_values(engine)  # the values the figures count

    def latest(code: str):
        return (select(value.value)
                .where(value.indicator_code == code, value.unit_code == AdminUnit.code, value.period <= first)
                .order_by(value.period.desc()).limit(1).correlate(AdminUnit).scalar_subquery())

    in_scope = (AdminUnit.level == "commune", scope_filter(unit, AdminUnit))
    names = select(AdminUnit.code, AdminUnit.name, AdminUnit.province_code).where(*in_scope)
    dated = (select(value.unit_code, value.indicator_code, value.period, value.value)
             .join(AdminUnit, AdminUnit.code == value.unit_code)
             .where(value.indicator_code.in_(codes), value.period >= first, value.period <= last, *in_scope)
             .order_by(value.period))
    # per commune and code: [(period, value)] ascending, its value at `first` first
    timelines: dict[str, list[list[tuple[dt.date, float]]]] = {}
    communes: dict[str, dict] = {}
    position = {code: index for index, code in enumerate(codes)}

    def rows(query) -> list:
        with connect(engine) as conn:
            return conn.execute(query).all()

    # two independent queries: the names are read in a worker (counting what this context counts,
    # figures/sources.py) while the values are read here
    with ThreadPoolExecutor(max_workers=1) as pool:
        named = pool.submit(contextvars.copy_context().run, rows, names)
        values = rows(dated)
        for code, name, province_code in named.result():
            communes[code] = {"code": code, "name": name, "province_code": province_code, "values": []}
            timelines[code] = [[] for _ in codes]
    for unit_code, indicator_code, period, number in values:
        timelines[unit_code][position[indicator_code]].append((period, number))
    # the value at `first` of a commune that has none dated that day: its latest before, if any
    unstarted = [code for code, timeline in timelines.items()
                 if any(not points or points[0][0] != first for points in timeline)]
    for start in range(0, len(unstarted), PROBED_AT_ONCE):
        starts = (select(AdminUnit.code, *(latest(code).label(f"start_{index}") for index, code in enumerate(codes)))
                  .where(AdminUnit.code.in_(unstarted[start:start + PROBED_AT_ONCE])))
        for code, *found in rows(starts):
            for points, number in zip(timelines[code], found):
                if number is not None and (not points or points[0][0] != first):
                    points.insert(0, (first, number))
    for code, entry in communes.items():
        series = [_on_dates(timeline, dates, order) for timeline in timelines[code]]
        if weighted:  # counted only where the commune has a population then
            entry["values"] = [None if value is None or not population else float(value)
                               for value, population in zip(*series)]
        else:
            entry["values"] = [None if value is None else float(value) for value in series[0]]
    return communes


def _on_dates(timeline: list[tuple[dt.date, float]], dates: list[dt.date], order: list[int]) -> list[float | None]:
    """The latest value of an ascending [(period, value)] on or before each date (`order`: the dates'
    positions, earliest first)."""
    values: list[float | None] = [None] * len(dates)
    found, index, count = None, 0, len(timeline)
    for position in order:
        day = dates[position]
        while index < count and timeline[index][0] <= day:
            found = timeline[index][1]
            index += 1
        values[position] = found
    return values


def commune_coverage(unit: UnitInfo, dates: list[dt.date], engine: Engine | None = None) -> dict[str, dict]:
    """Each commune's 5G coverage at each date (`commune_values` of the coverage)."""
    return commune_values(unit, dates, COVERAGE, engine)


def _off_track(dates: list[dt.date], values: list[float | None], target: TargetInForce,
               engine: Engine | None = None) -> dict | None:
    """A series off its target: not at the target yet, and either below the target's path at its
    latest date or on a trend that misses the target at its date. Current value and date, path,
    projection, reach date and points; None when it is on track."""
    points = [(day, value) for day, value in zip(dates, values) if value is not None]
    if not points:
        return None
    indicator, goal = target["indicator"], target["value"]
    current_date, current = points[-1]
    if reaches(indicator, current, goal, engine):
        return None
    path = path_value(target, current_date)
    below_path = path is not None and not reaches(indicator, current, path, engine)
    fit = projection(points, goal, target["date"], higher_is_better(indicator, engine))
    misses = fit is not None and not reaches(indicator, fit["projected"], goal, engine)
    if not (misses or below_path):
        return None
    return {"current": current, "current_date": current_date, "points": len(points), "path": path,
            "below_path": below_path, "misses": misses,
            **(fit or {"projected": None, "slope_per_day": None, "reach_date": None})}


def _commune_target(own: dict[tuple[str, str], TargetInForce], indicator: str, commune: dict,
                    engine: Engine | None = None) -> TargetInForce | None:
    """A commune's target (figures/targets.py `resolve`, for many communes without a query each)."""
    found = own.get((indicator, commune["code"]))
    if found is None and rolls_down(indicator, engine):
        found = own.get((indicator, commune["province_code"])) or own.get((indicator, NATIONAL_CODE))
    return found


def _indicator_off_target(unit: UnitInfo, indicator: str, as_of: dt.date, settings: dict,
                          targets: list[TargetInForce], engine: Engine | None) -> list[dict]:
    """Units whose value of one indicator — the figure the pages show, at each month end — is off
    its target (`_off_track`), and the communes off theirs grouped per province."""
    series = indicator_series(unit.code, indicator, as_of, settings["trend_months"], engine)
    dates = series["dates"]
    if unit.level == "national":  # the nation, then each province with its communes
        provinces = {c.code: c for c in child_units(unit.code, engine)}
        subjects = [(unit, series["unit"], None)] + [(provinces[code], values, code)
                                                     for code, values in series["children"].items()]
    else:  # the unit itself, with its communes at the province level
        subjects = [(unit, series["unit"], unit.code if unit.level == "province" else None)]
    own = {(t["indicator"], t["unit_code"]): t for t in targets}
    higher = higher_is_better(indicator, engine)
    below: dict[str, list[dict]] = {}
    with_value: dict[str, int] = {}
    if unit.level != "commune" and dates:
        for commune in commune_values(unit, dates, indicator, engine).values():
            if any(v is not None for v in commune["values"]):
                with_value[commune["province_code"]] = with_value.get(commune["province_code"], 0) + 1
            target = _commune_target(own, indicator, commune, engine)
            fit = _off_track(dates, commune["values"], target, engine) if target else None
            if fit:
                projected = fit["projected"] if fit["projected"] is not None else fit["current"]
                below.setdefault(commune["province_code"], []).append({
                    "code": commune["code"], "name": commune["name"], "current_pct": round(fit["current"], 2),
                    "projected_pct": round(projected, 2), "target": target["value"],
                    "path": None if fit["path"] is None else round(fit["path"], 2)})
    result = []
    for who, values, group in subjects:
        target, inherited = resolve(targets, indicator, who, engine)
        fit = _off_track(dates, values, target, engine) if target else None
        communes = sorted(below.get(group, []), key=lambda c: ((c["projected_pct"] if higher else -c["projected_pct"]),
                                                               c["current_pct"] if higher else -c["current_pct"],
                                                               c["code"]))
        if fit is None and not communes:
            continue
        shown = target or _commune_target(own, indicator, {"code": communes[0]["code"], "province_code": group},
                                         engine)
        if shown is None:
            continue
        goal, goal_date = shown["value"], shown["date"]
        name = Term("national") if who.code == NATIONAL_CODE else who.name
        item: dict[str, Any] = {"kind": "off_target", "unit": who.as_json(), "indicator": indicator,
                                "target_value": goal, "target_date": goal_date.isoformat(),
                                "target_unit": shown["unit_code"], "higher_is_better": higher, "message": []}
        if is_percent(indicator, engine):
            item["target_pct"] = goal
        if fit is not None:
            reach = fit["reach_date"]
            projected = fit["projected"]
            figures = {"current_value": round(fit["current"], 2), "current_date": fit["current_date"].isoformat(),
                       "projected_value": None if projected is None else round(projected, 2),
                       "path_value": None if fit["path"] is None else round(fit["path"], 2),
                       "below_path_now": fit["below_path"], "reach_date": reach.isoformat() if reach else None,
                       "points": fit["points"],
                       "slope_per_month": (None if fit["slope_per_day"] is None
                                           else round(fit["slope_per_day"] * 30.4375, 3))}
            item.update(figures)
            if is_percent(indicator, engine):
                item.update({"current_pct": figures["current_value"], "projected_pct": figures["projected_value"],
                             "slope_pct_per_month": figures["slope_per_month"]})
            params = {"unit": name, "indicator": subject(indicator), "current": amount(indicator, fit["current"]),
                      "period": Month(fit["current_date"]), "target": amount(indicator, goal, None),
                      "target_date": goal_date}
            if fit["misses"]:
                item["message"] += [
                    Message("warn_off_target", {**params, "projected": amount(indicator, max(projected, 0.0))}),
                    Message("warn_off_target_reach", {"date": Month(reach)}) if reach
                    else Message("warn_off_target_never"),
                ]
                if fit["below_path"]:
                    item["message"].append(Message("warn_below_path_too", {"path": amount(indicator, fit["path"])}))
            else:
                item["message"].append(Message("warn_below_path", {**params, "path": amount(indicator, fit["path"])}))
        if communes:
            worst = [Message("warnings_commune_value", {"commune": c["name"],
                                                        "value": amount(indicator, c["current_pct"])})
                     for c in communes[:WORST_SHOWN]]
            params = {"unit": name, "indicator": subject(indicator), "count": len(communes),
                      "total": with_value.get(group, len(communes)), "target": amount(indicator, goal, None),
                      "target_date": goal_date, "worst": worst}
            item["below_path"] = {"count": len(communes), "total": params["total"], "communes": communes}
            item["message"].append(Message("warnings_off_target_communes" if fit else "warnings_off_target_group",
                                           params, plural="count"))
        item["inherited"] = inherited
        result.append(item)
    # the unit itself first, then the units below it, furthest from the target first (a province
    # whose own trend meets the target but has communes below the path after those that miss it)
    def distance(w: dict) -> float:
        projected = w.get("projected_value")
        if projected is None:
            projected = w.get("current_value", w["target_value"])
        return projected if higher else -projected

    result.sort(key=lambda w: (w["unit"]["code"] != unit.code, distance(w),
                               -w.get("below_path", {}).get("count", 0), w["unit"]["code"]))
    return result


def _off_target_warnings(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None) -> list[dict]:
    """Every indicator with a target in force: the units and communes off it (`_indicator_off_target`),
    indicator by indicator in the catalogue's order."""
    targets = targets_in_force(engine)
    return [item for indicator in targeted_indicators(targets, unit, engine)
            for item in _indicator_off_target(unit, indicator, as_of, settings, targets, engine)]


# --- the contract -----------------------------------------------------------------------------


def _others(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None) -> list[dict]:
    """The warnings that are not about a task, in the order of urgency (off target before not reporting)."""
    return _off_target_warnings(unit, as_of, settings, engine) + _not_reporting_warnings(unit, as_of, engine)


def _beside_others(tasks: Callable[[], Result], unit: UnitInfo, as_of: dt.date, settings: dict,
                   engine: Engine | None, plan: str | None) -> tuple[Result, list[dict]]:
    """`tasks()` (the task warnings' part) and, without a plan, `_others`: independent queries, so the task
    part runs in a worker (in a copy of this context: it counts what the caller counts, figures/sources.py)
    while the others are computed here — nationally about the longer of the two instead of their sum."""
    if plan is not None:
        return tasks(), []
    with ThreadPoolExecutor(max_workers=1) as pool:
        task_part = pool.submit(contextvars.copy_context().run, tasks)
        others = _others(unit, as_of, settings, engine)
        return task_part.result(), others


def _arguments(unit_code: str, as_of: dt.date | None, settings: dict[str, Any] | None,
               engine: Engine | None) -> tuple[UnitInfo, dt.date, dict[str, Any]]:
    unit = get_unit(unit_code, engine)
    return unit, as_of or latest_data_date(engine) or dt.date.today(), settings or get_settings(engine)


@without_collection
def warnings(unit_code: str, as_of: dt.date | None = None, settings: dict[str, Any] | None = None,
             engine: Engine | None = None, *, plan: str | None = None) -> Warnings:
    """Every warning for a unit and everything under it at a date, most urgent first. Each carries
    its message as keys and parameters (`data_loaders.i18n.message.render` puts it in a language).
    With `plan`, the warnings on that plan's tasks only (the indicator and reporting warnings belong
    to no plan)."""
    unit, as_of, settings = _arguments(unit_code, as_of, settings, engine)
    items, others = _beside_others(lambda: _task_warnings(unit, as_of, settings, engine, plan),
                                   unit, as_of, settings, engine, plan)
    return {"unit": unit.as_json(), "as_of": as_of.isoformat(), "warnings": items + others}


class WarningsSummary(TypedDict):
    unit: dict  # {"code", "name", "level"}
    as_of: str  # ISO date
    warnings: list[dict]  # the first `count` of `warnings`, as it gives them
    total: int  # how many `warnings` gives
    counts: dict[str, int]  # how many of each kind, every kind in KINDS' order


HEAD = 50  # the most warnings any page shows first (the inbox's new warnings; the leader's board up to 10)


@without_collection
def warnings_summary(unit_code: str, as_of: dt.date | None = None, settings: dict[str, Any] | None = None,
                     count: int = HEAD, engine: Engine | None = None, *,
                     plan: str | None = None, kinds: list[str] | None = None) -> WarningsSummary:
    """The `count` most urgent of `warnings` (the same warnings, in the same order), how many there are
    and how many of each kind: what the overview, the leader's board and the deck show. The task
    warnings are sorted out as `warnings` does, but only the first `count` are built (nationally
    about 9,500 of them are otherwise built, stored and read back for three). With `kinds`, the first
    `count` of those kinds (the warnings page, a page of them at a time); the total and the counts stay
    every kind's."""
    unit, as_of, settings = _arguments(unit_code, as_of, settings, engine)
    chosen = None if kinds is None else frozenset(kinds)
    (rows, full), others = _beside_others(lambda: _task_head(unit, as_of, settings, engine, plan, count, chosen),
                                          unit, as_of, settings, engine, plan)
    head = [_task_item(kind, days, expected, full[row[0]], as_of)
            for kind, days, expected, row in _of_kinds(rows, chosen)[:count]]
    head += _of_kinds(others, chosen, lambda item: item["kind"])[:count - len(head)]
    return _summary(unit.as_json(), as_of.isoformat(), head,
                    [kind for kind, *_ in rows] + [item["kind"] for item in others])


def _of_kinds(entries: list, kinds: frozenset[str] | None, kind_of: Callable[[Any], str] = lambda entry: entry[0]):
    """The entries of those kinds (every entry with None), in their order."""
    return entries if kinds is None else [entry for entry in entries if kind_of(entry) in kinds]


def _summary(unit: dict, as_of: str, head: list[dict], kinds: list[str]) -> WarningsSummary:
    """A summary of the warnings whose kinds are `kinds`, in their order, `head` the first of them."""
    counts = {kind: 0 for kind in KINDS}
    for kind in kinds:
        counts[kind] += 1
    return {"unit": unit, "as_of": as_of, "warnings": head, "total": len(kinds), "counts": counts}


def summary_of(result: Warnings, count: int = HEAD) -> WarningsSummary:
    """`warnings_summary` of the warnings `result` already gives (figures/cache.py `warm`, which computes both)."""
    return _summary(result["unit"], result["as_of"], result["warnings"][:count],
                    [item["kind"] for item in result["warnings"]])


def warning_key(item: dict) -> str:
    """What identifies a warning from one day to the next (the inbox's "seen"): its kind, its unit and its task
    or indicator."""
    subject = item.get("task") or item.get("indicator") or ""
    unit = (item.get("unit") or {}).get("code", "")
    return f"{item['kind']}:{unit}:{subject}"


@without_collection
def warning_keys(unit_code: str, as_of: dt.date | None = None, settings: dict[str, Any] | None = None,
                 engine: Engine | None = None, *, plan: str | None = None) -> list[str]:
    """The `warning_key` of each of `warnings`, in its order, without building the task warnings: what the
    inbox compares with what an account has seen (nationally 9,500 short keys instead of 7.75 MB)."""
    unit, as_of, settings = _arguments(unit_code, as_of, settings, engine)
    (rows, _), others = _beside_others(lambda: _task_head(unit, as_of, settings, engine, plan, 0),
                                       unit, as_of, settings, engine, plan)
    owner = _KEY_COLUMNS.index("owner_unit_code")
    return ([warning_key({"kind": kind, "unit": {"code": row[owner]}, "task": row[0]}) for kind, _, _, row in rows]
            + [warning_key(item) for item in others])


def keys_of(result: Warnings) -> list[str]:
    """`warning_keys` of the warnings `result` already gives (figures/cache.py `warm`, which computes both)."""
    return [warning_key(item) for item in result["warnings"]]


def top_warnings(result: Warnings, count: int = 3) -> list[dict]:
    """The most urgent `count` warnings (the overview's short list)."""
    return result["warnings"][:count]


def warning_counts(result: Warnings | WarningsSummary) -> dict[str, int]:
    """How many warnings of each kind, every kind in KINDS' order (a summary carries them)."""
    if "counts" in result:
        return dict(result["counts"])
    counts = {kind: 0 for kind in KINDS}
    for item in result["warnings"]:
        counts[item["kind"]] += 1
    return counts
