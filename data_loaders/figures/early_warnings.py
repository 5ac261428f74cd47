"""Early warnings: the short list of what a leader must act on, most urgent first.

`warnings(unit_code, as_of)` is the `warnings` command's JSON contract once the command line has
put each message in the reader's language:

    {"unit": {...}, "as_of": "YYYY-MM-DD",
     "warnings": [{"kind": "overdue" | "due_soon_behind" | "stalled" | "not_reporting" | "off_target",
                   "unit": {"code", "name", "level"}, "task": CODE | "indicator": CODE | null,
                   "message": "...", ...figures}]}

Kinds, in order of urgency (a task appears once, under its most urgent kind):
- overdue: not completed and the deadline is before as_of (a deadline on as_of is not overdue yet);
- due_soon_behind: due within `due_soon_days`, progress below the straight line from 0% at the task's
  first report to 100% at its deadline;
- stalled: not completed and the latest report is more than `stalled_days` old;
- not_reporting: communes with no indicator value for the latest period (grouped per province at the
  national level);
- off_target: 5G population coverage (figures/indicators.py: the value every page shows) whose
  least-squares trend over the last `trend_months` month ends misses the target at the target date
  (for the unit and each unit below it).

Overdue, days overdue and expected progress are the rules of figures/definitions.py. Thresholds come
from data_loaders.store.settings. Candidate rows are selected in SQL; Python only sorts them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from sqlalchemy import Engine, func, or_, select

from data_loaders.figures import definitions as rules
from data_loaders.figures.indicators import indicator_series
from data_loaders.figures.reporting import reporting_units
from data_loaders.figures.scope import (
    UnitInfo,
    child_units,
    connect,
    get_unit,
    latest_data_date,
    latest_period,
    scope_filter,
)
from data_loaders.figures.tasks import latest_reports
from data_loaders.i18n.message import Message, Month, Percent, Term
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Agency, Task, TaskReport
from data_loaders.store.settings import get_settings

KINDS = ("overdue", "due_soon_behind", "stalled", "not_reporting", "off_target")
COVERAGE = "fiveg_coverage_pct"


class Warnings(TypedDict):
    unit: dict  # {"code", "name", "level"}
    as_of: str  # ISO date
    warnings: list[dict]  # each {"kind", "unit", "task" | "indicator", "message": Message(s), …figures}


def _unit_json(code: str, name: str, level: str) -> dict:
    return {"code": code, "name": name, "level": level}


def _owner(code: str, name: str) -> Term | str:
    return Term("central_ministries") if code == NATIONAL_CODE else name


# --- tasks ------------------------------------------------------------------------------------


def task_candidates(unit: UnitInfo, as_of: dt.date, due_soon_days: int, stalled_days: int,
                    engine: Engine | None = None) -> list[dict]:
    """Tasks in scope, not completed at as_of, that are overdue, due within the window, or whose
    latest report is older than the stalled threshold."""
    latest = latest_reports(as_of, unit)
    first = (
        select(TaskReport.task_id, func.min(TaskReport.report_date).label("first_report"))
        .where(TaskReport.report_date <= as_of)
        .group_by(TaskReport.task_id)
        .subquery("first_report")
    )
    query = (
        select(Task.code, Task.title, Task.deadline, Task.owner_unit_code, AdminUnit.name.label("owner_name"),
               AdminUnit.level.label("owner_level"), Agency.name.label("lead_agency"), Task.responsible_official,
               latest.c.status.label("reported_status"), latest.c.progress_pct,
               latest.c.report_date.label("last_report"), first.c.first_report,
               rules.derived_status(latest.c.status, Task.deadline, as_of).label("derived_status"))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(first, first.c.task_id == Task.id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(scope_filter(unit, AdminUnit))
        .where(~rules.is_completed(latest.c.status))
        .where(or_(Task.deadline <= as_of + dt.timedelta(days=due_soon_days),
                   latest.c.report_date < as_of - dt.timedelta(days=stalled_days)))
        .order_by(Task.deadline, Task.code)
    )
    with connect(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _task_warnings(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None) -> list[dict]:
    due_soon, stalled_after = settings["due_soon_days"], settings["stalled_days"]
    overdue, behind, stalled = [], [], []
    for row in task_candidates(unit, as_of, due_soon, stalled_after, engine):
        base = {
            "unit": _unit_json(row["owner_unit_code"], row["owner_name"], row["owner_level"]),
            "task": row["code"],
            "title": row["title"],
            "deadline": row["deadline"].isoformat(),
            "lead_agency": row["lead_agency"],
            "responsible_official": row["responsible_official"],
            "progress_pct": round(float(row["progress_pct"]), 1),
            "last_report": row["last_report"].isoformat(),
            "days_since_report": (as_of - row["last_report"]).days,
        }
        params = {"code": row["code"], "owner": _owner(row["owner_unit_code"], row["owner_name"]),
                  "agency": row["lead_agency"], "official": row["responsible_official"],
                  "deadline": row["deadline"], "progress": Percent(float(row["progress_pct"]), 0)}
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
                               "first_report": row["first_report"].isoformat(),
                               "expected_pct": round(expected, 1),
                               "message": Message("warn_due_soon_behind",
                                                  {"days": days_left, "expected": Percent(expected, 0), **params},
                                                  plural="days")})
                continue
        days_since = (as_of - row["last_report"]).days
        if days_since > stalled_after:
            stalled.append({"kind": "stalled", **base,
                            "message": Message("warn_stalled", {"days": days_since, "last": row["last_report"],
                                                                **params})})
    overdue.sort(key=lambda w: (-w["days_overdue"], w["task"]))
    behind.sort(key=lambda w: (w["days_left"], w["progress_pct"] - w["expected_pct"], w["task"]))
    stalled.sort(key=lambda w: (-w["days_since_report"], w["task"]))
    return overdue + behind + stalled


# --- communes not reporting -------------------------------------------------------------------


def communes_not_reporting(unit: UnitInfo, period: dt.date, engine: Engine | None = None) -> list[dict]:
    """Communes in scope with no indicator value at all for `period`."""
    reported = reporting_units(period)  # "reported" as the reporting-status page counts it
    query = (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.province_code)
        .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit), AdminUnit.code.not_in(reported))
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
    period = latest_period(as_of, engine)
    if period is None:
        return []
    missing = communes_not_reporting(unit, period, engine)
    if not missing:
        return []
    if unit.level == "national":
        totals = _commune_counts(unit, engine)
        provinces = {p.code: p for p in child_units(unit.code, engine)}
        grouped: dict[str, list[dict]] = {}
        for row in missing:
            grouped.setdefault(row["province_code"], []).append(row)
        result = []
        for code, rows in grouped.items():
            province = provinces.get(code)
            name = province.name if province else code
            result.append({
                "kind": "not_reporting", "unit": _unit_json(code, name, "province"), "indicator": None,
                "period": period.isoformat(), "count": len(rows), "total": totals.get(code, len(rows)),
                "communes": [{"code": r["code"], "name": r["name"]} for r in rows],
                "message": Message("warn_not_reporting_province", {
                    "province": name, "count": len(rows), "total": totals.get(code, len(rows)),
                    "period": Month(period)}),
            })
        result.sort(key=lambda w: (-w["count"] / max(w["total"], 1), -w["count"], w["unit"]["code"]))
        return result
    return [{
        "kind": "not_reporting", "unit": _unit_json(row["code"], row["name"], "commune"), "indicator": None,
        "period": period.isoformat(), "count": 1, "total": 1,
        "communes": [{"code": row["code"], "name": row["name"]}],
        "message": Message("warn_not_reporting_commune", {"commune": row["name"], "period": Month(period)}),
    } for row in missing]


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


def projection(points: list[tuple[dt.date, float]], target: float, target_date: dt.date) -> dict | None:
    """Where the trend puts a value at the target date, and when it would reach the target."""
    fit = linear_fit(points)
    if fit is None:
        return None
    intercept, slope, origin = fit
    projected = intercept + slope * (target_date - origin).days
    reach = None
    if slope > 0:
        days = (target - intercept) / slope
        try:
            reach = origin + dt.timedelta(days=max(0, round(days)))
        except OverflowError:
            reach = None
        if reach is not None and reach.year > 2100:
            reach = None
    return {"projected": projected, "slope_per_day": slope, "reach_date": reach}


def _off_target_warnings(unit: UnitInfo, as_of: dt.date, settings: dict, engine: Engine | None) -> list[dict]:
    """Units whose 5G coverage — the figure the overview shows, at each month end — trends to miss
    the target at its date."""
    target, target_date = settings["fiveg_target_pct"], settings["fiveg_target_date"]
    series = indicator_series(unit.code, COVERAGE, as_of, settings["trend_months"], engine)
    names = {c.code: c for c in child_units(unit.code, engine)} if unit.level != "commune" else {}
    subjects = [(unit, series["unit"])] + [(names[code], values) for code, values in series["children"].items()]
    result = []
    for subject, values in subjects:
        points = [(day, value) for day, value in zip(series["dates"], values) if value is not None]
        if not points:
            continue
        current_date, current = points[-1]
        if current >= target:
            continue
        fit = projection(points, target, target_date)
        if fit is None or fit["projected"] >= target:
            continue
        projected, reach = fit["projected"], fit["reach_date"]
        params = {"unit": Term("national") if subject.code == NATIONAL_CODE else subject.name,
                  "current": Percent(current), "period": Month(current_date),
                  "projected": Percent(max(projected, 0.0)), "target": Percent(target, 0), "target_date": target_date}
        outlook = (Message("warn_off_target_reach", {"date": Month(reach)}) if reach
                   else Message("warn_off_target_never"))
        result.append({
            "kind": "off_target", "unit": subject.as_json(), "indicator": COVERAGE,
            "current_pct": round(current, 2), "current_date": current_date.isoformat(),
            "projected_pct": round(projected, 2), "target_pct": target, "target_date": target_date.isoformat(),
            "reach_date": reach.isoformat() if reach else None,
            "slope_pct_per_month": round(fit["slope_per_day"] * 30.4375, 3), "points": len(points),
            "message": [Message("warn_off_target", params), outlook],  # two sentences
        })
    # the unit itself first, then the units below it, furthest from the target first
    result.sort(key=lambda w: (w["unit"]["code"] != unit.code, w["projected_pct"], w["unit"]["code"]))
    return result


# --- the contract -----------------------------------------------------------------------------


def warnings(unit_code: str, as_of: dt.date | None = None, settings: dict[str, Any] | None = None,
             engine: Engine | None = None) -> Warnings:
    """Every warning for a unit and everything under it at a date, most urgent first. Each carries
    its message as keys and parameters (`data_loaders.i18n.message.render` puts it in a language)."""
    unit = get_unit(unit_code, engine)
    as_of = as_of or latest_data_date(engine) or dt.date.today()
    settings = settings or get_settings(engine)
    items = (_task_warnings(unit, as_of, settings, engine)
             + _not_reporting_warnings(unit, as_of, engine)
             + _off_target_warnings(unit, as_of, settings, engine))
    return {"unit": unit.as_json(), "as_of": as_of.isoformat(), "warnings": items}


def warning_counts(result: Warnings) -> dict[str, int]:
    counts = {kind: 0 for kind in KINDS}
    for item in result["warnings"]:
        counts[item["kind"]] += 1
    return counts
