"""Reporting periods and who has reported: each month is a reporting period, due on the
`report_due_day` of the following month (a setting; 5 → June is due on 5 July). For each unit
directly below the chosen one (a commune: the commune itself), whether it submitted the period's
data on time, late, not at all, or is not due yet — and when and by whom.

The rules, each written once here:

- A unit's data for a period: the indicator values of its communes for that month and the reports,
  dated in that month, of the national plans' tasks it (or a unit under it) owns (scope.counted_tasks:
  a province's own programme is not the NQ57 report) — each row with its provenance, the upload that
  stored it (rows written without an upload are not counted).
- Submitted: some such row exists. When: the first upload holding one ("first submitted"); the
  latest one is kept too. By whom: that upload's uploader.
- On time: first submitted no later than the end of the due date, Vietnam time (UTC+7); late after.
- Not submitted: nothing by `today` once the due date has passed; before it, "not due".

`reporting_status(unit_code, period, due_day, today)` is the JSON contract of
`python -m data_loaders reporting-status` (through `as_json`). Aggregated in SQL: one row per child
and upload, a handful per period."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, and_, func, select

from data_loaders.figures.scope import UnitInfo, child_key, child_units, connect, counted_tasks, get_unit, scope_filter
from data_loaders.store.models import AdminUnit, Indicator, IndicatorValue, Task, TaskReport, Upload

STATUSES = ("on_time", "late", "not_submitted", "not_due")
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))


class ChildReporting(TypedDict):
    unit: dict  # {"code", "name", "level"}
    status: str  # on_time | late | not_submitted | not_due
    first_submitted_at: dt.datetime | None  # UTC
    first_submitted_by: str | None
    last_submitted_at: dt.datetime | None
    last_submitted_by: str | None
    uploads: int  # uploads holding the unit's data for the period
    task_reports: int
    indicator_values: int
    communes: int  # communes in the unit
    communes_reported: int  # of them, those with an indicator value for the period


class ReportingStatus(TypedDict):
    unit: dict
    period: str  # "YYYY-MM"
    due_date: dt.date
    today: dt.date
    counts: dict[str, int]  # per status
    children: list[ChildReporting]


# --- the rules ----------------------------------------------------------------------------------


def parse_period(text: str) -> dt.date:
    """"2025-06" → the period's first day; ValueError for anything else."""
    year, sep, month = text.strip().partition("-")
    if not sep or len(year) != 4 or not year.isdigit() or not month.isdigit() or len(month) > 2:
        raise ValueError(text)
    return dt.date(int(year), int(month), 1)


def period_bounds(period: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `period` lies in."""
    last = calendar.monthrange(period.year, period.month)[1]
    return period.replace(day=1), period.replace(day=last)


def due_date(period: dt.date, due_day: int) -> dt.date:
    """The `due_day` of the month after the period (the month's last day if it is shorter)."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def deadline_instant(due: dt.date) -> dt.datetime:
    """The end of the due date, Vietnam time, as an aware datetime."""
    return dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0), tzinfo=VIETNAM_TIME)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """Upload times as stored (SQLite keeps them without a zone: UTC) made aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.timezone.utc)


def submission_status(first_submitted: dt.datetime | None, due: dt.date, today: dt.date) -> str:
    if first_submitted is not None:
        return "on_time" if first_submitted <= deadline_instant(due) else "late"
    return "not_due" if today <= due else "not_submitted"


# --- the figure ---------------------------------------------------------------------------------


def _rows_by_child_upload(unit: UnitInfo, first: dt.date, last: dt.date, conn) -> dict[str, dict[int, dict]]:
    """child -> upload id -> {at, by, task_reports, indicator_values}, grouped in SQL."""
    found: dict[str, dict[int, dict]] = {}
    child = child_key(unit, AdminUnit).label("child")
    values = (select(child, Upload.id, Upload.uploaded_at, Upload.uploaded_by, func.count().label("n"))
              .select_from(IndicatorValue)
              .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
              .join(Upload, Upload.id == IndicatorValue.upload_id)
              .where(scope_filter(unit, AdminUnit), IndicatorValue.period == last)
              .group_by(child, Upload.id, Upload.uploaded_at, Upload.uploaded_by))
    reports = (select(child, Upload.id, Upload.uploaded_at, Upload.uploaded_by, func.count().label("n"))
               .select_from(TaskReport)
               .join(Task, Task.id == TaskReport.task_id)
               .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
               .join(Upload, Upload.id == TaskReport.upload_id)
               .where(scope_filter(unit, AdminUnit), counted_tasks(), and_(TaskReport.report_date >= first,
                                                                           TaskReport.report_date <= last))
               .group_by(child, Upload.id, Upload.uploaded_at, Upload.uploaded_by))
    for field, query in (("indicator_values", values), ("task_reports", reports)):
        for row in conn.execute(query):
            entry = found.setdefault(row.child, {}).setdefault(row.id, {
                "at": _aware(row.uploaded_at), "by": row.uploaded_by, "task_reports": 0, "indicator_values": 0})
            entry[field] += int(row.n)
    return found


def reported_values(period_end: dt.date):
    """SQL: (unit_code, indicator_code) of every indicator value reported for the period ending on
    `period_end`. What "reported" means for indicators, everywhere: this page, the "sufficient"
    score (data_quality) and the non-reporting warning (early_warnings) read it from here."""
    return select(IndicatorValue.unit_code, IndicatorValue.indicator_code).where(
        IndicatorValue.period == period_end, IndicatorValue.indicator_code.in_(monthly_commune_indicators()))


def monthly_commune_indicators():
    """SQL: the codes of the catalogue's active national indicators communes report each month: what
    a commune's monthly report holds (a yearly index or a province's own set is not part of it)."""
    return select(Indicator.code).where(
        Indicator.owner_province_code.is_(None), Indicator.retired_at.is_(None), Indicator.frequency == "monthly",
        Indicator.reporting_levels.contains("commune"))


def monthly_indicator_count(conn) -> int:
    """How many indicators a commune's complete monthly report holds (monthly_commune_indicators)."""
    return conn.execute(select(func.count()).select_from(monthly_commune_indicators().subquery())).scalar_one()


def reporting_units(period_end: dt.date):
    """SQL: the units (communes) with at least one indicator value reported for the period."""
    values = reported_values(period_end).subquery("reported_values")
    return select(values.c.unit_code).distinct()


def _communes(unit: UnitInfo, last: dt.date, conn) -> tuple[dict[str, int], dict[str, int]]:
    """Per child: its communes, and those with an indicator value for the period."""
    child = child_key(unit, AdminUnit).label("child")
    communes = dict(conn.execute(
        select(child, func.count()).where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit))
        .group_by(child)).all())
    reporting = reporting_units(last).subquery("reporting")
    reported = dict(conn.execute(
        select(child, func.count()).select_from(reporting)
        .join(AdminUnit, AdminUnit.code == reporting.c.unit_code)
        .where(AdminUnit.level == "commune", scope_filter(unit, AdminUnit)).group_by(child)).all())
    return communes, reported


def reporting_status(unit_code: str, period: dt.date, due_day: int, today: dt.date,
                     engine: Engine | None = None) -> ReportingStatus:
    """Who below `unit_code` has reported for the month of `period` (see the module docstring).
    Children are listed not submitted first, then late, not due, on time; by name within each."""
    unit = get_unit(unit_code, engine)
    first, last = period_bounds(period)
    due = due_date(first, due_day)
    with connect(engine) as conn:
        by_child = _rows_by_child_upload(unit, first, last, conn)
        communes, reported = _communes(unit, last, conn)
    children = child_units(unit.code, engine) if unit.level != "commune" else [unit]
    rows: list[ChildReporting] = []
    for child in children:
        uploads = sorted(by_child.get(child.code, {}).values(), key=lambda u: u["at"])
        first_upload, last_upload = (uploads[0], uploads[-1]) if uploads else (None, None)
        own_commune = child.level == "commune"
        rows.append({
            "unit": child.as_json(),
            "status": submission_status(first_upload["at"] if first_upload else None, due, today),
            "first_submitted_at": first_upload["at"] if first_upload else None,
            "first_submitted_by": first_upload["by"] if first_upload else None,
            "last_submitted_at": last_upload["at"] if last_upload else None,
            "last_submitted_by": last_upload["by"] if last_upload else None,
            "uploads": len(uploads),
            "task_reports": sum(u["task_reports"] for u in uploads),
            "indicator_values": sum(u["indicator_values"] for u in uploads),
            "communes": 1 if own_commune else int(communes.get(child.code, 0)),
            "communes_reported": int(reported.get(child.code, 0)),
        })
    order = {"not_submitted": 0, "late": 1, "not_due": 2, "on_time": 3}
    rows.sort(key=lambda r: order[r["status"]])  # stable: names stay in order within a status
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUSES}
    return {"unit": unit.as_json(), "period": f"{first:%Y-%m}", "due_date": due, "today": today, "counts": counts,
            "children": rows}


def as_json(result: ReportingStatus, due_day: int) -> dict:
    """The command's JSON: dates and times as ISO text (times in UTC)."""
    def iso(value):
        return value.isoformat() if value is not None else None

    return {"unit": result["unit"], "period": result["period"], "due_day": due_day,
            "due_date": iso(result["due_date"]), "today": iso(result["today"]), "counts": result["counts"],
            "children": [{**child, "first_submitted_at": iso(child["first_submitted_at"]),
                          "last_submitted_at": iso(child["last_submitted_at"])} for child in result["children"]]}
