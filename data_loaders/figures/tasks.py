"""Task figures: status counts at a date for a unit, its children and its groups, the task list, a
task's history and the status trend. Without a plan filter they count the national plans' tasks
(a province's own programme only when it is chosen: scope.counted_tasks, applied in latest_reports).
The rules (status at a date, overdue, days overdue) are those of figures/definitions.py; here they are
only aggregated, in SQL."""

from __future__ import annotations

import contextvars
import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypedDict, TypeVar

from sqlalchemy import Connection, Engine, case, false, select, true

from data_loaders.figures import definitions as rules
from data_loaders.figures import rollups, sources
from data_loaders.figures.scope import (
    UnitInfo,
    child_key,
    child_units,
    connect,
    counted_tasks,
    earliest_data_date,
    get_unit,
    scope_filter,
)
from data_loaders.i18n.message import Message
from data_loaders.i18n.text import fold, vietnamese_sort_key
from data_loaders.store import engine as db
from data_loaders.store.models import AdminUnit, Agency, Task, TaskReport, Upload

TREND_WORKERS = int(os.environ.get("NQ57_TREND_WORKERS", "3"))
TASK_GROUPS = ("area", "plan", "lead_agency")


class TaskStatus(TypedDict):
    total: int
    completed: int
    on_schedule: int
    overdue: int


class ChildTaskStatus(TaskStatus):
    code: str
    name: str
    own: bool  # the unit's own tasks (central ministries at the national level), not a child's


class GroupTaskStatus(TaskStatus):
    key: str


class TaskRow(TypedDict):
    code: str
    title: str
    plan: str | None
    area: str | None
    lead_agency: str
    responsible_official: str | None
    deadline: dt.date
    owner_unit_code: str
    owner_name: str
    reported_status: str
    progress_pct: float
    last_report: dt.date
    derived_status: str  # completed | on_schedule | overdue
    days_overdue: int
    document_number: str | None  # the assigning document (số và ngày văn bản giao nhiệm vụ), when known
    document_date: dt.date | None


class DatedTaskStatus(TaskStatus):
    date: dt.date


def document_message(number: str | None, date: dt.date | str | None) -> Message | None:
    """A task's assigning document (số và ngày văn bản giao nhiệm vụ) as the task detail, its warning
    cards and the decks name it: "Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025"; None when the
    task carries neither. `date` may be an ISO date (a warning's JSON)."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    if number and date:
        return Message("task_document_number_date", {"number": number, "date": date})
    if number:
        return Message("task_document_number", {"number": number})
    if date:
        return Message("task_document_date", {"date": date})
    return None


_REPORT = ("status", "progress_pct", "report_date")  # a task's latest report's columns (_latest_report)


def _latest_report(task_id, as_of: dt.date, report, postgresql: bool) -> tuple[list, Any]:
    """The status, progress_pct and report_date of the latest report on or before `as_of` (of `report`: those
    the figures count, figures/sources.py) of the task whose id is the column `task_id`, found by a backward
    probe of the (task_id, report_date) unique index; and the LATERAL subquery to join them from with
    `true()` on PostgreSQL (the three columns from one probe per task instead of one probe each:
    nationally 50,000 probes instead of 150,000), None on SQLite (no LATERAL: a correlated probe per
    column). NULL columns for a task without a report by then."""
    names = _REPORT
    if postgresql:
        probe = (select(report.status, report.progress_pct, report.report_date)
                 .where(report.task_id == task_id, report.report_date <= as_of)
                 .order_by(report.report_date.desc()).limit(1).lateral("probe"))
        return [probe.c[name] for name in names], probe

    def latest(column):
        return (select(column).where(report.task_id == task_id, report.report_date <= as_of)
                .order_by(report.report_date.desc()).limit(1).correlate_except(report).scalar_subquery())

    return [latest(getattr(report, name)).label(name) for name in names], None


def latest_reports(as_of: dt.date, unit: UnitInfo | None = None, plan: str | None = None,
                   engine: Engine | None = None, *, official: str | None = None, among=None):
    """Each task's latest report on or before `as_of` (task_id, status, progress_pct, report_date):
    the task's status at that date. Tasks with no report by then are left out. With `unit`, only the
    tasks in its scope; with `plan`, only that plan's tasks; with `official`, only the tasks that
    responsible official answers for (only theirs are probed). Only the reports the figures count
    (figures/sources.py: all, or the approved ones) of `engine`'s database.

    Starts from the tasks in scope and finds each one's latest report with one backward probe of
    the (task_id, report_date) unique index, instead of grouping every report up to the date:
    a commune no longer costs as much as the nation (see benchmarks/README.md).

    The plan filter of every task figure is applied here (scope.counted_tasks): with `plan`, that
    plan's tasks (a province's own programme included); without, the national plans' tasks only, so a
    province's programme counts in no headline until it is chosen.

    `among`: a condition on Task that leaves out tasks the caller knows it does not want before they are
    probed (the warnings: the tasks the summary says are completed)."""

    columns, probe = _latest_report(Task.id, as_of, sources.task_reports(engine),
                                    (engine or db.get_engine()).dialect.name == "postgresql")
    per_task = select(Task.id.label("task_id"), *columns).select_from(Task)
    if probe is not None:
        per_task = per_task.join(probe, true())
    if unit is not None and unit.level != "national":
        per_task = per_task.join(AdminUnit, AdminUnit.code == Task.owner_unit_code).where(scope_filter(unit, AdminUnit))
    per_task = per_task.where(counted_tasks(plan))
    if official is not None:
        per_task = per_task.where(Task.responsible_official == official)
    if among is not None:
        per_task = per_task.where(among)
    # OFFSET 0 keeps PostgreSQL from merging this derived table into the outer query, where it would
    # re-run the probes once per joined row (EXPLAIN showed 1.2 million loops).
    per_task = per_task.offset(0).subquery("latest_probe")
    return (
        select(per_task.c.task_id, per_task.c.status, per_task.c.progress_pct, per_task.c.report_date)
        .where(per_task.c.status.is_not(None))
        .subquery("latest_report")
    )


def tasks_at(unit: UnitInfo, as_of: dt.date, plan: str | None = None, engine: Engine | None = None, *,
             official: str | None = None, among=None):
    """The tasks in the unit's scope that exist at as_of (with `plan`, that plan's only; without, the
    national plans' only: the plan filter of every task figure, latest_reports; with `official`, that
    responsible official's only; with `among`, a condition on Task, those meeting it), each joined to its
    latest report (the returned `latest`), its lead agency and its owning unit; add the columns to
    select. Returns (query, latest)."""
    latest = latest_reports(as_of, unit, plan, engine, official=official, among=among)
    query = (
        select()
        .select_from(latest)
        .join(Task, Task.id == latest.c.task_id)
        .join(Agency, Agency.id == Task.lead_agency_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(scope_filter(unit, AdminUnit))
    )
    return query, latest


def _counts(latest, as_of: dt.date) -> list:
    return rules.status_counts(latest.c.status, Task.deadline, as_of)


def _as_status(mapping) -> TaskStatus:
    return {key: int(mapping[key]) for key in ("total", "completed", "on_schedule", "overdue")}


def task_status(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                plan: str | None = None) -> TaskStatus:
    """Total, completed, on schedule and overdue tasks of a unit and everything under it at a date:
    of the national plans (NQ57's headline), or with `plan`, of that plan's tasks only."""
    unit = get_unit(unit_code, engine)
    maintained = rollups.status_counts(unit, as_of, engine, plan=plan)
    if maintained is not None:
        return _as_status(maintained.get(None, rollups.ZERO))
    query, latest = tasks_at(unit, as_of, plan, engine)
    with connect(engine) as conn:
        return _as_status(conn.execute(query.add_columns(*_counts(latest, as_of))).one()._mapping)


def task_status_by_child(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                         plan: str | None = None) -> list[ChildTaskStatus]:
    """One row per child unit (every child, with zeros), plus the unit's own tasks as a group of their
    own when it has any (central ministries at the national level)."""
    unit = get_unit(unit_code, engine)
    maintained = rollups.status_counts(unit, as_of, engine, plan=plan, group="child")
    if maintained is not None:
        counts = {code: _as_status(row) for code, row in maintained.items()}
    else:
        key = child_key(unit, AdminUnit).label("code")
        query, latest = tasks_at(unit, as_of, plan, engine)
        query = query.add_columns(key, *_counts(latest, as_of)).group_by(key)
        with connect(engine) as conn:
            counts = {row.code: _as_status(row._mapping) for row in conn.execute(query)}
    zero: TaskStatus = {"total": 0, "completed": 0, "on_schedule": 0, "overdue": 0}
    rows: list[ChildTaskStatus] = []
    if unit.level != "commune" and unit.code in counts:
        rows.append({**counts[unit.code], "code": unit.code, "name": unit.name, "own": True})
    for child in child_units(unit.code, engine):
        rows.append({**counts.get(child.code, zero), "code": child.code, "name": child.name, "own": False})
    return rows


def _group_column(group: str):
    return {"area": Task.area, "plan": Task.plan, "lead_agency": Agency.name}[group]


def task_status_by(unit_code: str, as_of: dt.date, group: str, engine: Engine | None = None, *,
                   plan: str | None = None) -> list[GroupTaskStatus]:
    """Status counts per area, plan or lead agency, most overdue first."""
    unit = get_unit(unit_code, engine)
    maintained = rollups.status_counts(unit, as_of, engine, plan=plan, group=group)
    if maintained is not None:
        rows = [{"key": key, **_as_status(counts)} for key, counts in maintained.items()]
    else:
        key = _group_column(group).label("key")
        query, latest = tasks_at(unit, as_of, plan, engine)
        query = query.add_columns(key, *_counts(latest, as_of)).group_by(key)
        with connect(engine) as conn:
            rows = [{"key": row.key, **_as_status(row._mapping)} for row in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["total"], r["key"]))


def task_filter_options(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                        plan: str | None = None) -> dict[str, list[str]]:
    """The plans, areas and lead agencies that occur among a unit's tasks existing at the date (those
    the task list counts: with `plan`, that plan's; without, the national plans')."""
    unit = get_unit(unit_code, engine)
    rows = rollups.task_groups(unit, as_of, engine, plan=plan)  # from the summary when it may be read
    if rows is None:
        rows = _task_groups(unit, as_of, plan, engine)
    values: dict[str, set] = {name: set() for name in TASK_GROUPS}
    for row in rows:  # the distinct combinations in one pass, then each group's values
        for name in TASK_GROUPS:
            values[name].add(row._mapping[name])
    return {name: sorted((v for v in values[name] if v is not None), key=vietnamese_sort_key)
            for name in TASK_GROUPS}


def _task_groups(unit: UnitInfo, as_of: dt.date, plan: str | None, engine: Engine | None) -> list:
    """The distinct (plan, area, lead_agency) of the tasks in the unit's scope existing at the date:
    the live definition of rollups.task_groups."""
    report = sources.task_reports(engine)
    # a task exists at the date from its first report: one forward probe of the (task_id, report_date)
    # index per task (a correlated LIMIT 1 the planner cannot turn into a join over every report)
    first = (select(report.report_date).where(report.task_id == Task.id, report.report_date <= as_of)
             .order_by(report.report_date).limit(1).correlate(Task).scalar_subquery())
    in_scope = (select(*(_group_column(name).label(name) for name in TASK_GROUPS)).select_from(Task)
                .join(Agency, Agency.id == Task.lead_agency_id)
                .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
                .where(scope_filter(unit, AdminUnit), counted_tasks(plan), first.is_not(None))
                .distinct())
    with connect(engine) as conn:
        return conn.execute(in_scope).all()


def task_list(unit_code: str, as_of: dt.date, status: str | None = None, plan: str | None = None,
              area: str | None = None, lead_agency: str | None = None, limit: int = 5000,
              engine: Engine | None = None, *, agency: str | None = None) -> list[TaskRow]:
    """Tasks of a unit at a date with their derived status; overdue ones first, most late first (the
    first `limit`). `lead_agency` is the task list's filter (a name as task_filter_options gives it);
    `agency` a ministry reporter's agency, matched as its uploads are (`agency_match`)."""
    return listed_tasks(unit_code, as_of, status, plan, area, lead_agency, limit, engine, agency=agency)


def agency_match(agency: str, engine: Engine | None = None):
    """The condition on Task of the tasks led by `agency` as a ministry reporter's account names it: every
    stored agency whose name is the same without regard to case, diacritics or spacing (i18n.text.fold, as
    identity.access.UploadScope.allows_agency matches an upload's rows). The agency table holds a few
    dozen names, folded here; the tasks are then filtered by agency id in SQL, so a ministry's list reads its
    own tasks only (nationally a few thousand of 50,000)."""
    wanted = fold(agency)
    with connect(engine) as conn:
        ids = [row.id for row in conn.execute(select(Agency.id, Agency.name)) if fold(row.name) == wanted]
    return Task.lead_agency_id.in_(ids) if ids else false()


# a task list row's columns, as task_list returns them (and its days_overdue)
LISTED = ("code", "title", "plan", "area", "lead_agency", "responsible_official", "deadline", "owner_unit_code",
          "owner_name", "reported_status", "progress_pct", "last_report", "derived_status", "document_number",
          "document_date")


def listed_tasks(unit_code: str, as_of: dt.date, status: str | None = None, plan: str | None = None,
                 area: str | None = None, lead_agency: str | None = None, limit: int | None = 5000,
                 engine: Engine | None = None, columns: tuple[str, ...] = LISTED, *,
                 official: str | None = None, agency: str | None = None) -> list[dict]:
    """The rows of `task_list` with only `columns` of LISTED (and days_overdue), for a figure built on
    the list that needs fewer (accountability.official_tasks); with `official`, only the tasks that
    responsible official answers for; with `agency`, only the tasks a ministry reporter of that agency
    reports on (`agency_match`); `limit` None lists every task. Nationally from the task summary
    when it may be read (`_listed`), else — and for one official, whose few tasks are probed faster than
    the nation's overdue ones are found — from the tasks' latest reports (`_listed_live`)."""
    unit = get_unit(unit_code, engine)
    among = agency_match(agency, engine) if agency is not None else None
    names = tuple(dict.fromkeys((*columns, "deadline", "derived_status")))  # days_overdue reads these two
    status = status if status in rules.TASK_STATUSES else None  # anything else filters nothing
    listed = None
    # the summary pays where the scope is large: a province's ~1,500 tasks are probed faster than its changes
    # are found among the nation's (EXPLAIN on the national-scale database: 32 ms live, 72 ms from the summary)
    # (every submitted report, when usable: TaskReport itself)
    if unit.level == "national" and official is None and rollups.usable(engine):
        listed = rollups.read_if_current(engine, lambda conn: _listed(conn, unit, as_of, status, plan or None, area,
                                                                      lead_agency, limit, names, among))
    if listed is None:
        listed = _listed_live(unit, as_of, status, plan or None, area, lead_agency, limit, names, engine,
                              official, among)
    rows = [dict(zip(names, row)) for row in listed]
    for row in rows:
        row["days_overdue"] = rules.days_overdue(row["deadline"], as_of, row["derived_status"])
    if len(names) > len(columns):  # the caller did not ask for deadline or derived_status
        rows = [{name: row[name] for name in (*columns, "days_overdue")} for row in rows]
    return rows


def _columns(task, agency, owner, report: dict, as_of: dt.date) -> dict:
    """LISTED's columns, from the task (Task or a subquery's columns of the same names), its lead agency's
    and owning unit's name and its latest report's status, progress and date."""
    return {"code": task.code, "title": task.title, "plan": task.plan, "area": task.area, "lead_agency": agency,
            "responsible_official": task.responsible_official, "deadline": task.deadline,
            "owner_unit_code": task.owner_unit_code, "owner_name": owner,
            "reported_status": report["status"], "progress_pct": report["progress_pct"],
            "last_report": report["report_date"],
            "derived_status": rules.derived_status(report["status"], task.deadline, as_of),
            "document_number": task.document_number, "document_date": task.document_date}


def _listed(conn: Connection, unit: UnitInfo, as_of: dt.date, status: str | None, plan: str | None,
            area: str | None, lead_agency: str | None, limit: int, names: tuple[str, ...], among=None) -> list:
    """The task list's rows (`names` of LISTED) from the task summary: which tasks are overdue, completed or
    exist at the date comes from their changes (rollups.tasks_counted_in), so the overdue ones are listed
    first by deadline and code, then — only if fewer than `limit` — the others; only the tasks listed are
    probed for their latest report (nationally the first 5,000 of the 8,841 overdue tasks, instead of
    probing all 50,000 and sorting them). `among`: a condition on Task every row meets (a ministry's
    tasks: `agency_match`). The same rows, in the same order, as `_listed_live`
    (tests/integration/test_task_status_rollup.py)."""
    def counted(count: str):
        return Task.id.in_(rollups.tasks_counted_in(count, unit, as_of, plan))

    parts = []  # the conditions of each part of the list, in its order
    if status in (None, "overdue"):
        parts.append([counted("overdue")])
    if status in (None, "on_schedule"):
        parts.append([counted("total"), ~counted("overdue")] + ([~counted("completed")] if status else []))
    if status == "completed":
        parts.append([counted("completed")])
    if among is not None:
        parts = [[*where, among] for where in parts]
    rows: list = []
    for where in parts:
        if len(rows) < limit:
            page = _listed_part(where, as_of, area, lead_agency, limit - len(rows), names,
                                conn.dialect.name == "postgresql")
            rows += conn.execute(page).all()
    return rows


def _listed_part(where: list, as_of: dt.date, area: str | None, lead_agency: str | None, limit: int,
                 names: tuple[str, ...], postgresql: bool):
    """The first `limit` tasks meeting `where` (and the area and lead agency filters) by deadline and code,
    with their columns `names` (the latest report's probed for these only: `_listed`)."""
    page = (select(Task.id, Task.code, Task.title, Task.plan, Task.area, Task.responsible_official, Task.deadline,
                   Task.owner_unit_code, Task.document_number, Task.document_date,
                   Agency.name.label("lead_agency"), AdminUnit.name.label("owner_name"))
            .join(Agency, Agency.id == Task.lead_agency_id)
            .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
            .where(*where).order_by(Task.deadline, Task.code).limit(limit))
    if area:
        page = page.where(Task.area == area)
    if lead_agency:
        page = page.where(Agency.name == lead_agency)
    page = page.subquery("listed")
    report, probe = _latest_report(page.c.id, as_of, TaskReport, postgresql)
    columns = _columns(page.c, page.c.lead_agency, page.c.owner_name, dict(zip(_REPORT, report)), as_of)
    query = select(*(columns[name].label(name) for name in names)).select_from(page)
    if probe is not None:
        query = query.join(probe, true())
    return query.order_by(page.c.deadline, page.c.code)


def _listed_live(unit: UnitInfo, as_of: dt.date, status: str | None, plan: str | None, area: str | None,
                 lead_agency: str | None, limit: int | None, names: tuple[str, ...], engine: Engine | None,
                 official: str | None = None, among=None) -> list:
    """The task list from every task's latest report (the definition; approved-only mode, `rollups.live`);
    with `official`, from that official's tasks' only; with `among` (a condition on Task), from those
    meeting it only (only they are probed)."""
    query, latest = tasks_at(unit, as_of, plan, engine, official=official, among=among)
    columns = _columns(Task, Agency.name, AdminUnit.name, latest.c, as_of)
    query = query.add_columns(*(columns[name].label(name) for name in names))
    completed = rules.is_completed(latest.c.status)
    overdue = rules.is_overdue(latest.c.status, Task.deadline, as_of)
    if status == "completed":
        query = query.where(completed)
    elif status == "overdue":
        query = query.where(overdue)
    elif status == "on_schedule":
        query = query.where(~completed, ~overdue)
    for value, column in ((area, Task.area), (lead_agency, Agency.name)):
        if value:
            query = query.where(column == value)
    query = query.order_by(case((overdue, 0), else_=1), Task.deadline, Task.code).limit(limit)
    with connect(engine) as conn:
        return conn.execute(query).all()


def task_detail(task_code: str, engine: Engine | None = None) -> dict | None:
    """A task with its whole report history and where each report came from."""
    with connect(engine) as conn:
        task = conn.execute(
            select(Task.id, Task.code, Task.title, Task.plan, Task.area, Agency.name.label("lead_agency"),
                   Task.responsible_official, Task.deadline, Task.owner_unit_code, AdminUnit.name.label("owner_name"),
                   Task.document_number, Task.document_date)
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


# --- figures at each month end ------------------------------------------------------------------

Result = TypeVar("Result")


def month_ends_with_data(as_of: dt.date, months: int, engine: Engine | None) -> list[dt.date]:
    """The last `months` month ends up to as_of (definitions.month_ends) from the first data on: a trend's dates."""
    earliest = earliest_data_date(engine)
    return [day for day in rules.month_ends(as_of, months) if not earliest or day >= earliest]


def on_days(figure: Callable[..., Result], unit_code: str, days: list[dt.date],
            engine: Engine | None) -> list[tuple[dt.date, Result]]:
    """`figure(unit_code, day)` at each of `days`. The dates are independent queries, so they run side by
    side on the connection pool: a trend costs about one rollup per core rather than one per month."""
    # each date in a copy of this context, so it counts what the caller counts (figures/sources.py)
    contexts = [contextvars.copy_context() for _ in days]
    with ThreadPoolExecutor(max_workers=max(1, min(len(days), TREND_WORKERS))) as pool:
        results = list(pool.map(lambda context, day: context.run(figure, unit_code, day, engine), contexts, days))
    return list(zip(days, results))


def task_status_trend(unit_code: str, as_of: dt.date, months: int = 6,
                      engine: Engine | None = None, *, plan: str | None = None) -> list[DatedTaskStatus]:
    """Task status counts at each of the last `months` month ends (with `plan`, of its tasks only): `task_status`
    at each, from the summary in one pass when it may be read (nationally one scan of it instead of six)."""
    days = month_ends_with_data(as_of, months, engine)
    maintained = rollups.status_counts_on(get_unit(unit_code, engine), days, engine, plan=plan)
    if maintained is not None:
        return [{"date": day, **_as_status(counts)} for day, counts in zip(days, maintained)]

    def status(code: str, day: dt.date, engine: Engine | None) -> TaskStatus:
        return task_status(code, day, engine, plan=plan)

    return [{"date": day, **counts} for day, counts in on_days(status, unit_code, days, engine)]


def laggards_first(rows: list[ChildTaskStatus], by: str = "rate") -> list[ChildTaskStatus]:
    """Units (rows of `task_status_by_child`) with the worst first: by share of tasks overdue
    (`by="rate"`), then more overdue tasks; or by overdue tasks (`by="count"`), then the larger share.
    Then more tasks, then by name; units without tasks last."""
    def share(row: ChildTaskStatus) -> float:
        return rules.overdue_rate(row["total"], row["overdue"]) or 0.0

    def key(row: ChildTaskStatus):
        worst = (-share(row), -row["overdue"]) if by == "rate" else (-row["overdue"], -share(row))
        return (row["total"] == 0, *worst, -row["total"], vietnamese_sort_key(row["name"]))

    return sorted(rows, key=key)
