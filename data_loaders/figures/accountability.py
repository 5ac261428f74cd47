"""Accountability and emulation ranking: who leads, who lags, and who moved since the last review.

- `ranking(unit, as_of, by)` ranks the lead agencies (`by="lead_agency"`) or the units below (`by="child"`:
  the provinces at the national level, with central ministries as a group of their own) by on-time rate
  (share of tasks not overdue, as on the other pages), then fewest overdue tasks; each row carries the
  overdue tasks bucketed by lateness (≤30, 31–90, >90 days);
- `rank_change(unit, as_of, since, by)` adds each one's rank at an earlier date and the places gained;
- `by_official(unit, as_of)` groups the tasks by responsible official.
Counts are aggregated in SQL (GROUP BY); Python only ranks the grouped rows.
"""

from __future__ import annotations

import datetime as dt
from types import FunctionType

from sqlalchemy import Engine, and_, case, func, literal, select

from data_loaders.figures.queries import (
    _child_key,
    _latest_reports,
    _scope_filter,
    child_units,
    get_unit,
    month_ends,
    task_list,
)
from data_loaders.store import engine as db
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Agency, Task

BUCKETS = ("le_30", "31_90", "gt_90")
GROUPINGS = ("lead_agency", "child")


def default_since(as_of: dt.date, earliest: dt.date | None) -> dt.date:
    """Where rank changes are measured from when nobody chose a date: three month-ends back, but
    not before the first data (the accountability page and the warm-up use the same date)."""
    return max(earliest or as_of, min(month_ends(as_of, 4)[0], as_of))


def _engine(engine: Engine | None) -> Engine:
    return engine or db.get_engine()


def _grouped(unit_code: str, as_of: dt.date, key_column, engine: Engine | None) -> list[dict]:
    unit = get_unit(unit_code, engine)
    latest = _latest_reports(as_of, unit)
    completed = latest.c.status == "completed"
    overdue = and_(latest.c.status != "completed", Task.deadline < as_of)
    key = (key_column(unit) if isinstance(key_column, FunctionType) else key_column).label("key")

    def count(condition) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(key, func.count().label("total"), count(completed).label("completed"), count(overdue).label("overdue"),
               count(and_(overdue, Task.deadline >= as_of - dt.timedelta(days=30))).label("le_30"),
               count(and_(overdue, Task.deadline < as_of - dt.timedelta(days=30),
                          Task.deadline >= as_of - dt.timedelta(days=90))).label("31_90"),
               count(and_(overdue, Task.deadline < as_of - dt.timedelta(days=90))).label("gt_90"))
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(_scope_filter(unit, AdminUnit))
        .group_by(key)
    )
    with _engine(engine).connect() as conn:
        return [{k: (int(v) if k != "key" else v) for k, v in row._mapping.items()} for row in conn.execute(query)]


def _rank(rows: list[dict]) -> list[dict]:
    """On-time rate high to low, then fewer overdue; equal pairs share a rank (1, 2, 2, 4)."""
    for row in rows:
        total = row["total"]
        row["on_time_rate"] = round(100 * (total - row["overdue"]) / total, 1) if total else None
        row["overdue_rate"] = round(100 * row["overdue"] / total, 1) if total else None
    ranked = [r for r in rows if r["total"]]
    ranked.sort(key=lambda r: (-r["on_time_rate"], r["overdue"], -r["total"], r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        score = (row["on_time_rate"], row["overdue"])
        if score != previous:
            rank, previous = position, score
        row["rank"] = rank
    for row in rows:
        row.setdefault("rank", None)
    return ranked + [r for r in rows if not r["total"]]


def ranking(unit_code: str, as_of: dt.date, by: str = "lead_agency", engine: Engine | None = None) -> list[dict]:
    """Rows {key, name, total, completed, overdue, le_30, 31_90, gt_90, on_time_rate, overdue_rate, rank}."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    unit = get_unit(unit_code, engine)
    if by == "lead_agency":
        rows = _grouped(unit.code, as_of, Agency.name, engine)
        for row in rows:
            row["name"] = row["key"]
        return _rank(rows)
    rows = {row["key"]: row for row in _grouped(unit.code, as_of, lambda u: _child_key(u, AdminUnit), engine)}
    zero = {"total": 0, "completed": 0, "overdue": 0, **{b: 0 for b in BUCKETS}}
    result = []
    if unit.level != "commune" and unit.code in rows:
        result.append({**rows[unit.code], "name": unit.name, "own": True})
    for child in child_units(unit.code, engine):
        result.append({**zero, **rows.get(child.code, {}), "key": child.code, "name": child.name, "own": False})
    return _rank(result)


def rank_change(unit_code: str, as_of: dt.date, since: dt.date, by: str = "lead_agency",
                engine: Engine | None = None) -> list[dict]:
    """The ranking at as_of with each row's rank at `since` and `change` (places gained: + up, − down;
    None for one not ranked then)."""
    before = {row["key"]: row["rank"] for row in ranking(unit_code, since, by, engine)}
    rows = ranking(unit_code, as_of, by, engine)
    for row in rows:
        row["rank_before"] = before.get(row["key"])
        row["change"] = (row["rank_before"] - row["rank"]
                         if row["rank"] is not None and row["rank_before"] is not None else None)
    return rows


def overdue_buckets(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> dict[str, int]:
    """Overdue tasks of a unit by lateness: {"le_30", "31_90", "gt_90"}."""
    rows = _grouped(unit_code, as_of, literal(NATIONAL_CODE), engine)
    return {bucket: sum(r[bucket] for r in rows) for bucket in BUCKETS}


def by_official(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[dict]:
    """One row per responsible official: counts, most days overdue, and their tasks (overdue first)."""
    counts = _grouped(unit_code, as_of, Task.responsible_official, engine)
    tasks: dict[str, list[dict]] = {}
    for task in task_list(unit_code, as_of, engine=engine):
        tasks.setdefault(task["responsible_official"], []).append({
            key: task[key] for key in ("code", "title", "lead_agency", "owner_unit_code", "owner_name", "deadline",
                                       "derived_status", "progress_pct", "days_overdue")})
    rows = []
    for row in counts:
        own = tasks.get(row["key"], [])
        rows.append({**row, "official": row["key"], "max_days_overdue": max((t["days_overdue"] for t in own), default=0),
                     "tasks": own})
    rows.sort(key=lambda r: (-r["overdue"], -r["max_days_overdue"], -r["total"], r["official"]))
    return rows
