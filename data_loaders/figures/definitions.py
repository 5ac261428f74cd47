"""The rules every figure is built on, each written once. Anything that says "overdue", "on time",
"days overdue", "late by how much", "rank" or "compared with when" reads it from here: a page, a
warning, a ranking, a slide and the command line cannot disagree about a rule they share.

- A task's status at a date is its latest report on or before that date; a task with no report by
  then does not exist yet at that date.
- Completed: that latest report says "completed".
- Overdue: not completed and the deadline is before the date (a deadline on the date itself is not
  overdue yet). Days overdue count from the deadline to the date.
- On schedule: neither completed nor overdue.
- On-time rate: the share of a group's tasks that are not overdue, in percent.
- Lateness buckets: overdue by at most 30 days, 31–90 days, more than 90 days.
- Rank: by on-time rate, high to low, then fewer overdue tasks, then the larger share completed; units
  equal on all three share a place (1, 2, 2, 4).
- The default comparison date, when nobody chose one: three month-ends before the as-of date, but
  not before the first data.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy.sql import ColumnElement

TASK_STATUSES = ("completed", "on_schedule", "overdue")
LATENESS_BUCKETS = ("le_30", "31_90", "gt_90")  # overdue by ≤30, 31–90, >90 days
LATENESS_EDGES = (30, 90)  # the buckets' upper edges in days overdue (figures/rollups.py counts from them)
_BUCKET_EDGES = LATENESS_EDGES
COMPARISON_MONTHS_BACK = 3


# --- tasks: status at a date ------------------------------------------------------------------


def is_completed(reported_status: Any) -> ColumnElement[bool]:
    """SQL: the task's latest report by the date says it is completed."""
    return reported_status == "completed"


def is_overdue(reported_status: Any, deadline: Any, as_of: dt.date) -> ColumnElement[bool]:
    """SQL: not completed by the date and the deadline is before it."""
    return and_(reported_status != "completed", deadline < as_of)


def derived_status(reported_status: Any, deadline: Any, as_of: dt.date) -> ColumnElement[str]:
    """SQL: "completed", "overdue" or "on_schedule" at the date."""
    return case((is_completed(reported_status), "completed"),
                (is_overdue(reported_status, deadline, as_of), "overdue"), else_="on_schedule")


def contradicts_itself(reported_status: Any, progress_pct: Any) -> ColumnElement[bool]:
    """SQL: a task report whose status and progress disagree: "completed" below 100 %, "not started"
    with progress (the data quality score "correct"; figures/data_quality.py adds the reports dated
    before the programme's start, a setting)."""
    return or_(and_(reported_status == "completed", progress_pct < 100),
               and_(reported_status == "not_started", progress_pct > 0))


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet the condition (0, not NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def status_counts(reported_status: Any, deadline: Any, as_of: dt.date) -> list[ColumnElement[int]]:
    """SQL: total, completed, on_schedule and overdue of a group of tasks at the date."""
    completed = is_completed(reported_status)
    overdue = is_overdue(reported_status, deadline, as_of)
    return [
        func.count().label("total"),
        count_where(completed).label("completed"),
        func.coalesce(func.sum(case((completed, 0), (overdue, 0), else_=1)), 0).label("on_schedule"),
        count_where(overdue).label("overdue"),
    ]


def lateness_counts(reported_status: Any, deadline: Any, as_of: dt.date) -> list[ColumnElement[int]]:
    """SQL: the overdue tasks of a group by lateness bucket (le_30, 31_90, gt_90)."""
    overdue = is_overdue(reported_status, deadline, as_of)
    first, second = (as_of - dt.timedelta(days=days) for days in _BUCKET_EDGES)
    return [
        count_where(and_(overdue, deadline >= first)).label("le_30"),
        count_where(and_(overdue, deadline < first, deadline >= second)).label("31_90"),
        count_where(and_(overdue, deadline < second)).label("gt_90"),
    ]


def days_overdue(deadline: dt.date, as_of: dt.date, status: str) -> int:
    """Days from the deadline to the date for an overdue task, else 0."""
    return (as_of - deadline).days if status == "overdue" else 0


def earliest_overdue_deadline(reported_status: Any, deadline: Any, as_of: dt.date) -> ColumnElement:
    """SQL: the earliest deadline among a group's overdue tasks at the date (NULL when none is overdue):
    that of its most overdue task, whose days `most_days_overdue` counts."""
    return func.min(case((is_overdue(reported_status, deadline, as_of), deadline)))


def most_days_overdue(earliest_deadline: dt.date | None, as_of: dt.date) -> int:
    """The most days overdue among a group's tasks, from the earliest deadline of its overdue ones (SQL:
    `earliest_overdue_deadline`): days overdue grow as the deadline is earlier. 0 when none is overdue."""
    return 0 if earliest_deadline is None else days_overdue(earliest_deadline, as_of, "overdue")


def lateness_bucket(days: int) -> str:
    """The bucket of a task overdue by `days` (> 0) days."""
    return "le_30" if days <= _BUCKET_EDGES[0] else "31_90" if days <= _BUCKET_EDGES[1] else "gt_90"


def on_time_rate(total: int, overdue: int) -> float | None:
    """Percent of tasks not overdue; None for a group without tasks."""
    return 100 * (total - overdue) / total if total else None


def overdue_rate(total: int, overdue: int) -> float | None:
    return 100 * overdue / total if total else None


def rank_by_on_time(rows: list[dict]) -> list[dict]:
    """Set `on_time_rate`, `overdue_rate` and `rank` on each row ({total, overdue, name, …}) and return
    them ranked: on-time rate high to low, then fewer overdue, then the larger share completed; rows equal
    on all three share a place (1, 2, 2, 4) and are listed with more tasks first, then by name.
    Rows without tasks come last with rank None. Rates are kept to one decimal, as shown, so two
    units that read the same share a place."""
    for row in rows:
        rate, late = on_time_rate(row["total"], row["overdue"]), overdue_rate(row["total"], row["overdue"])
        row["on_time_rate"] = None if rate is None else round(rate, 1)
        row["overdue_rate"] = None if late is None else round(late, 1)
    ranked = [row for row in rows if row["total"]]
    def completed_share(row: dict) -> float:
        return round(100 * row["completed"] / row["total"], 1) if "completed" in row else 0.0

    ranked.sort(key=lambda r: (-r["on_time_rate"], r["overdue"], -completed_share(r), -r["total"], r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        score = (row["on_time_rate"], row["overdue"], completed_share(row))
        if score != previous:
            rank, previous = position, score
        row["rank"] = rank
    unranked = [row for row in rows if not row["total"]]
    for row in unranked:
        row["rank"] = None
    return ranked + unranked


# --- dates ------------------------------------------------------------------------------------


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


def default_comparison_date(as_of: dt.date, earliest: dt.date | None) -> dt.date:
    """What changes are measured from when nobody chose a date: three month-ends back, but not
    before the first data. Every page, the presentation and the warm-up use this one date."""
    return max(earliest or as_of, min(month_ends(as_of, COMPARISON_MONTHS_BACK + 1)[0], as_of))


def expected_progress(first_report: dt.date, deadline: dt.date, as_of: dt.date) -> float:
    """The progress (%) a task should have at as_of on a straight line from 0% at its first report
    to 100% at its deadline."""
    span = (deadline - first_report).days
    if span <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * (as_of - first_report).days / span))
