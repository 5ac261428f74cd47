"""Accountability and emulation ranking: who leads, who lags, and who moved since the last review.

- `ranking(unit, as_of, by)` ranks the lead agencies (`by="lead_agency"`) or the units below (`by="child"`:
  the provinces at the national level, with central ministries as a group of their own) by on-time rate
  (share of tasks not overdue, as on the other pages), then fewest overdue tasks; each row carries the
  overdue tasks bucketed by lateness (≤30, 31–90, >90 days);
- `laggards_first(rows)` orders a ranking for the page's default view: the last place first;
- `rank_change(unit, as_of, since, by)` adds each one's rank at an earlier date and the places gained;
- `by_official(unit, as_of)` groups the tasks by responsible official: counts and most days overdue;
  `official_tasks(unit, as_of, official)` lists one official's tasks;
- `sibling_rank(unit, as_of, read)` is a unit's place among the units under the same parent (the
  overview's sentence and the deck's headline slide).
Counts are aggregated in SQL (GROUP BY); Python only ranks the grouped rows.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypedDict

from sqlalchemy import Engine, literal

from data_loaders.figures import definitions as rules
from data_loaders.figures import rollups
from data_loaders.figures.scope import UnitInfo, child_key, child_units, connect, get_unit
from data_loaders.figures.tasks import listed_tasks, tasks_at
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Agency, Task

BUCKETS = rules.LATENESS_BUCKETS
GROUPINGS = ("lead_agency", "child")
# an official's tasks (official_tasks): these columns of the task list, and days_overdue
OFFICIAL_TASK = ("code", "title", "lead_agency", "owner_unit_code", "owner_name", "deadline", "derived_status",
                 "progress_pct")


class RankedRow(TypedDict, total=False):
    key: str
    name: str
    total: int
    completed: int
    overdue: int
    le_30: int
    # "31_90", "gt_90": the other lateness buckets (not identifiers)
    on_time_rate: float | None
    overdue_rate: float | None
    rank: int | None
    rank_before: int | None
    change: int | None
    own: bool


def _grouped(unit_code: str, as_of: dt.date, key_of, engine: Engine | None, plan: str | None = None, *,
             summary: str | None = None) -> list[dict]:
    """Per group: total, completed, overdue and the lateness buckets, aggregated in SQL (with `plan`,
    of that plan's tasks only). `summary` names the same grouping in the task summary maintained at
    commit (figures/rollups.py: "child", "lead_agency", "responsible_official", "all"), read when it may be."""
    unit = get_unit(unit_code, engine)
    if summary is not None:
        maintained = rollups.status_counts(unit, as_of, engine, plan=plan,
                                           group=None if summary == "all" else summary)
        if maintained is not None:
            return [{"key": NATIONAL_CODE if summary == "all" else key,
                     **{name: row[name] for name in ("total", "completed", "overdue", *BUCKETS)}}
                    for key, row in maintained.items() if row["total"]]
    query, latest = tasks_at(unit, as_of, plan, engine)
    key = key_of(unit).label("key")
    counts = rules.status_counts(latest.c.status, Task.deadline, as_of)
    query = query.add_columns(key, *counts, *rules.lateness_counts(latest.c.status, Task.deadline, as_of)).group_by(key)
    with connect(engine) as conn:
        rows = [{k: (int(v) if k != "key" else v) for k, v in row._mapping.items()} for row in conn.execute(query)]
    for row in rows:
        row.pop("on_schedule", None)
    return rows


def ranking(unit_code: str, as_of: dt.date, by: str = "lead_agency", engine: Engine | None = None, *,
            plan: str | None = None) -> list[RankedRow]:
    """Rows {key, name, total, completed, overdue, le_30, 31_90, gt_90, on_time_rate, overdue_rate, rank}, ranked
    by the rule of figures/definitions.py. By child, the unit's own tasks come first, unranked (`own`)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    unit = get_unit(unit_code, engine)
    if by == "lead_agency":
        rows = _grouped(unit.code, as_of, lambda _: Agency.name, engine, plan, summary="lead_agency")
        for row in rows:
            row["name"] = row["key"]
        return rules.rank_by_on_time(rows)
    rows = {row["key"]: row for row in _grouped(unit.code, as_of, lambda u: child_key(u, AdminUnit), engine, plan,
                                                summary="child")}
    zero = {"total": 0, "completed": 0, "overdue": 0, **{b: 0 for b in BUCKETS}}
    children = [{**zero, **rows.get(child.code, {}), "key": child.code, "name": child.name, "own": False}
                for child in child_units(unit.code, engine)]
    ranked = rules.rank_by_on_time(children)
    if unit.level == "commune" or unit.code not in rows:
        return ranked
    # The unit's own tasks (central ministries at the national level) are shown, not ranked among its children.
    own = rules.rank_by_on_time([{**rows[unit.code], "name": unit.name, "own": True}])[0]
    own["rank"] = None
    return [own, *ranked]


def laggards_first(rows: list[dict]) -> list[dict]:
    """A ranking (from `ranking` or `rank_change`) with the laggards first: the unit's own tasks stay at
    the top (they are not ranked), then the last place first; rows sharing a place keep the rule's
    order among themselves (more tasks first, then by name); groups without tasks stay last."""
    own = [row for row in rows if row.get("own")]
    ranked = [row for row in rows if not row.get("own") and row["rank"] is not None]
    places: dict[int, list[dict]] = {}
    for row in ranked:
        places.setdefault(row["rank"], []).append(row)
    ordered = [row for place in sorted(places, reverse=True) for row in places[place]]
    return own + ordered + [row for row in rows if not row.get("own") and row["rank"] is None]


def rank_change(unit_code: str, as_of: dt.date, since: dt.date, by: str = "lead_agency",
                engine: Engine | None = None, *, plan: str | None = None) -> list[dict]:
    """The ranking at as_of with each row's rank at `since` and `change` (places gained: + up, − down;
    None for one not ranked then)."""
    before = {row["key"]: row["rank"] for row in ranking(unit_code, since, by, engine, plan=plan)}
    rows = ranking(unit_code, as_of, by, engine, plan=plan)
    for row in rows:
        row["rank_before"] = before.get(row["key"])
        row["change"] = (row["rank_before"] - row["rank"]
                         if row["rank"] is not None and row["rank_before"] is not None else None)
    return rows


def overdue_buckets(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                    plan: str | None = None) -> dict[str, int]:
    """Overdue tasks of a unit by lateness: {"le_30", "31_90", "gt_90"}."""
    rows = _grouped(unit_code, as_of, lambda _: literal(NATIONAL_CODE), engine, plan, summary="all")
    return {bucket: sum(r[bucket] for r in rows) for bucket in BUCKETS}


def by_official(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                plan: str | None = None) -> list[dict]:
    """One row per responsible official with tasks in the unit's scope: their counts (total, completed, overdue,
    the lateness buckets) and `max_days_overdue`, the days of their most overdue task (0 when none is), both
    over every task of theirs and aggregated in SQL; the most overdue officials first. Their tasks are
    `official_tasks`. Nationally both from the task summary; the earliest overdue deadlines run beside the
    counts on the connection pool (in a copy of this context: they count what the caller counts,
    figures/sources.py)."""
    unit = get_unit(unit_code, engine)
    # from the per-task changes nationally; a province's or commune's tasks are grouped faster live
    summary = "responsible_official" if unit.level == "national" else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(contextvars.copy_context().run, _grouped, unit_code, as_of,
                              lambda _: Task.responsible_official, engine, plan, summary=summary)
        earliest = rollups.earliest_overdue_deadlines(unit, as_of, engine, plan=plan) if summary else None
        if earliest is None:
            earliest = _earliest_overdue_deadlines(unit, as_of, plan, engine)
        counts = counted.result()
    rows = [{**row, "official": row["key"],
             "max_days_overdue": rules.most_days_overdue(earliest.get(row["key"]), as_of)} for row in counts]
    rows.sort(key=lambda r: (-r["overdue"], -r["max_days_overdue"], -r["total"], r["official"]))
    return rows


def _earliest_overdue_deadlines(unit: UnitInfo, as_of: dt.date, plan: str | None,
                                engine: Engine | None) -> dict[str, dt.date]:
    """Per responsible official with overdue tasks, the earliest deadline among them: the live definition of
    rollups.earliest_overdue_deadlines."""
    query, latest = tasks_at(unit, as_of, plan, engine)
    earliest = rules.earliest_overdue_deadline(latest.c.status, Task.deadline, as_of)
    query = (query.add_columns(Task.responsible_official, earliest.label("deadline"))
             .group_by(Task.responsible_official).having(earliest.is_not(None)))
    with connect(engine) as conn:
        return {row.responsible_official: row.deadline for row in conn.execute(query)}


def official_tasks(unit_code: str, as_of: dt.date, official: str, engine: Engine | None = None, *,
                   plan: str | None = None) -> list[dict]:
    """Every task of one responsible official in the unit's scope at the date (with `plan`, that plan's), with
    the columns shown under the officials' table (OFFICIAL_TASK) and days_overdue: overdue first, the most
    overdue first (as the task list orders them), then by deadline. Complete: an official answers for tens
    of tasks (at most 51 in the national-scale benchmark)."""
    return listed_tasks(unit_code, as_of, plan=plan, limit=None, engine=engine, columns=OFFICIAL_TASK,
                        official=official)


def sibling_rank(unit: UnitInfo, as_of: dt.date, read: Callable[..., Any]) -> tuple[int, int] | None:
    """The unit's place among the units under the same parent, as the accountability ranking of
    the parent ranks them, and how many are ranked; None at the national level or for a unit without
    tasks. `read(figure, *args)` is how the caller reads figures (figures.cache.Reader, the app's
    cached read), so the ranking is the one the accountability page shows."""
    if unit.parent_code is None:
        return None
    rows = [row for row in read(ranking, unit.parent_code, as_of, "child") if not row.get("own")]
    ranked = [row for row in rows if row["rank"] is not None]
    mine = next((row for row in ranked if row["key"] == unit.code), None)
    return (mine["rank"], len(ranked)) if mine else None
