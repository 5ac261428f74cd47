"""Task status counts maintained at commit (issue 17, item 4): the national and provincial task
figures read a small summary instead of finding every task's latest report among millions.

The definition stays figures/definitions.py's: a task's status at a date is its latest report on or
before it; it exists from its first report; it is completed when that report says so; overdue when
not completed and its deadline is before the date. Each count is therefore a step function of the
date, changing only on report dates and on the day after a deadline, so it is the running sum of its
changes:

- `task_status_change`: per task and day, +1/-1 to "exists" (its first report), "completed" (a
  report saying completed begins a completed stretch, the next report ends it), "overdue" (a stretch
  not completed is overdue from the later of its start and the day after the deadline, to the next
  report) and overdue by more than 30 and 90 days (the same from 31 and 91 days after the deadline:
  the lateness buckets);
- `task_status_rollup`: those changes summed per owning unit, plan, area, lead agency and day.

The counts at a date of any scope (the nation, a province, a commune, their children, a plan, an
area, a lead agency) are `SUM(change) WHERE day <= date` over its rows; on schedule is the rest.

Maintenance: every writer of tasks and reports that goes through the application (an import,
ingest/commit.py; a withdrawal, ingest/withdraw.py) calls `maintained(connection)` around its writes,
in its transaction: the changes of the tasks it touched are recomputed from their reports (set-based
SQL: a window over their reports), and the summary rows of their owners (before and after) rebuilt
from the changes. Database triggers count the writes to `task` or `task_report`
(`rollup_state.writes`: every row on SQLite, a transaction's first statement on PostgreSQL —
migration 0022); the maintaining transaction records that count as `maintained`. A write by
anything else (a script writing rows directly) leaves the two unequal: the figures then use their
live definition until the next maintained write, which rebuilds the whole summary first.

The same maintenance keeps the data quality figure's report counts (figures/data_quality.py, score
"correct"): `task_report_rollup`, per owning unit, plan and day, the reports and how many contradict
themselves (definitions.contradicts_itself), and `task_report_province_rollup`, the same summed per
province (the nation's figure reads a few thousand rows instead of 2.6 million reports); and the upload
rows the reports were stored from (its uploaded rows): `uploaded_report_rows`, per owning unit, plan and
upload, the distinct source rows (and whether reports without one were stored), and
`uploaded_report_province_rows`, the same summed per province. An owner's counts are recounted from its
tasks' reports whenever its task summary rows are (all its days, or those after `since`; its uploaded
rows: all its uploads, or every owner's of the uploads that stored a report dated after `since`), then
its province's sums.

The summary counts what is submitted: in approved-only mode (figures/sources.py) the figures keep
their live definition, as they do inside `live()` (what the tests compare the summary with)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
from typing import Callable, Iterable, Iterator, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date

from data_loaders.figures import definitions as rules
from data_loaders.figures import sources
from data_loaders.figures.scope import UnitInfo, child_key, connect, counted_tasks, scope_filter
from data_loaders.store.models import (
    NATIONAL_CODE,
    AdminUnit,
    Agency,
    RollupState,
    Task,
    TaskReport,
    TaskReportProvinceRollup,
    TaskReportRollup,
    TaskStatusChange,
    TaskStatusRollup,
    UploadedReportProvinceRows,
    UploadedReportRows,
)

Result = TypeVar("Result")
TASKS = "tasks"  # the rollup_state row of the task summary
CHUNK = 2000  # task ids (or owner codes) per statement
GROUPS = {"area": TaskStatusRollup.area, "plan": TaskStatusRollup.plan}  # and "lead_agency": Agency.name

_LIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("nq57_rollups_live", default=False)


@contextlib.contextmanager
def live() -> Iterator[None]:
    """Compute the task figures inside from their live definition, not the summary."""
    token = _LIVE.set(True)
    try:
        yield
    finally:
        _LIVE.reset(token)


def is_live() -> bool:
    """Whether the figures are being computed inside `live()` (the indicator summary too:
    figures/indicator_rollups.py)."""
    return _LIVE.get()


class add_days(FunctionElement):
    """SQL: a date plus a number of days: add_days(date, days)."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "postgresql")
def _add_days_postgresql(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"CAST(({compiler.process(day, **kw)}) + {int(days.value)} AS DATE)"


@compiles(add_days)
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '+{int(days.value)} day')"


# --- maintaining --------------------------------------------------------------------------------

# the counts kept, and from how many days after the deadline a stretch not completed counts in each
# of the overdue ones: overdue on the days after the deadline (definitions.is_overdue), late_30 and
# late_90 more than 30 and 90 days after it (definitions.lateness_counts: le_30 = overdue - late_30,
# 31_90 = late_30 - late_90, gt_90 = late_90)
COUNTS = ("total", "completed", "overdue", "late_30", "late_90")
OVERDUE_AFTER = {"overdue": 1, "late_30": rules.LATENESS_EDGES[0] + 1, "late_90": rules.LATENESS_EDGES[1] + 1}


_DIMENSIONS = ("owner_unit_code", "plan", "area", "lead_agency_id")


def _changes(task_ids: list[int] | None, since: dt.date | None = None):
    """SELECT of the `task_status_change` rows of the given tasks (every task with None). With `since`
    (a day on which each of these tasks has a report), only their rows after that day, computed from
    their reports from that day on: the rows of earlier days do not depend on later reports (see
    `refresh_appended`)."""
    report, task = TaskReport.__table__, Task.__table__
    order = {"partition_by": report.c.task_id, "order_by": report.c.report_date}
    segments = (
        select(report.c.task_id, report.c.report_date.label("start"), report.c.status, task.c.deadline,
               *(task.c[name] for name in _DIMENSIONS),
               func.lead(report.c.report_date).over(**order).label("stop"),
               func.row_number().over(**order).label("n"))
        .select_from(report.join(task, task.c.id == report.c.task_id))
    )
    if task_ids is not None:
        segments = segments.where(report.c.task_id.in_(task_ids))
    if since is not None:  # the window over the reports from that day on (its first one is not the task's)
        segments = segments.where(report.c.report_date >= since)
    # one window over the reports (a CTE: computed once, read by every event below)
    segments = segments.cte("segment")
    s = segments.c
    completed = rules.is_completed(s.status)

    def event(day, counts: dict[str, int], *where):
        return select(s.task_id, day.label("day"), *(s[name] for name in _DIMENSIONS),
                      *(literal(counts.get(name, 0)).label(name) for name in COUNTS)).where(*where)

    # a task exists from its first report (with `since`, it had one by then already)
    events = [event(s.start, {"total": 1}, s.n == 1)] if since is None else []
    events += [event(s.start, {"completed": 1}, completed),
              event(s.stop, {"completed": -1}, completed, s.stop.is_not(None))]
    for name, days in OVERDUE_AFTER.items():
        # a stretch not completed counts from the later of its start and that day after the deadline
        begins = _later(s.start, add_days(s.deadline, literal(days)))
        stretch = and_(not_(completed), or_(s.stop.is_(None), begins < s.stop))
        events += [event(begins, {name: 1}, stretch), event(s.stop, {name: -1}, stretch, s.stop.is_not(None))]
    e = union_all(*events).subquery("event").c
    keys = [e.task_id, e.day, *(e[name] for name in _DIMENSIONS)]
    sums = [func.sum(e[name]) for name in COUNTS]
    query = (select(*keys, *(total.label(name) for total, name in zip(sums, COUNTS)))
             .group_by(*keys).having(or_(*(total != 0 for total in sums))))
    return query if since is None else query.where(e.day > since)


def _later(first, second):
    """SQL: the later of two dates."""
    return case((first > second, first), else_=second)


_COLUMNS = ("task_id", "day", "owner_unit_code", "plan", "area", "lead_agency_id", *COUNTS)
_SUMMED = ("owner_unit_code", "plan", "area", "lead_agency_id", "day")


def _summarise(conn: Connection, owners: list[str] | None, after: dt.date | None = None) -> None:
    """Rebuild the summary rows of the given owning units (every unit with None) from the changes; with
    `after`, only their rows of the days after it (the others are unchanged: `refresh`)."""
    change, rollup = TaskStatusChange.__table__, TaskStatusRollup.__table__
    keys = [change.c[name] for name in _SUMMED]
    summed = select(*keys, *(func.sum(change.c[name]) for name in COUNTS)).group_by(*keys)
    _replace(conn, rollup, [*_SUMMED, *COUNTS], summed, (change.c.owner_unit_code, rollup.c.owner_unit_code),
             (change.c.day, rollup.c.day), owners, after)


_REPORT_COUNTS = ("reports", "contradicting")


def _count_reports(conn: Connection, owners: list[str] | None, after: dt.date | None = None) -> None:
    """Recount the task reports of the given owning units (every unit with None) per plan and day: how
    many, and how many contradict themselves (`TaskReportRollup`, the data quality figure's); with
    `after`, only their rows of the days after it (the reports of earlier days are unchanged)."""
    report, task, counts = TaskReport.__table__, Task.__table__, TaskReportRollup.__table__
    keys = [task.c.owner_unit_code, task.c.plan, report.c.report_date]
    contradicting = case((rules.contradicts_itself(report.c.status, report.c.progress_pct), 1), else_=0)
    counted = (select(*keys, func.count(), func.sum(contradicting))
               .select_from(report.join(task, task.c.id == report.c.task_id)).group_by(*keys))
    _replace(conn, counts, ["owner_unit_code", "plan", "day", *_REPORT_COUNTS], counted,
             (task.c.owner_unit_code, counts.c.owner_unit_code), (report.c.report_date, counts.c.day), owners, after)
    # their provinces' sums, from every owner's counts of those provinces (and days)
    unit, provinces = AdminUnit.__table__, TaskReportProvinceRollup.__table__
    province = func.coalesce(unit.c.province_code, literal(NATIONAL_CODE))
    keys = _provinces(conn, owners)
    summed = (select(province, counts.c.plan, counts.c.day, *(func.sum(counts.c[name]) for name in _REPORT_COUNTS))
              .select_from(counts.join(unit, unit.c.code == counts.c.owner_unit_code))
              .group_by(province, counts.c.plan, counts.c.day))
    _replace(conn, provinces, ["province_code", "plan", "day", *_REPORT_COUNTS], summed,
             (province, provinces.c.province_code), (counts.c.day, provinces.c.day), keys, after)


_UPLOADED = ("rows", "unnumbered")


def _count_uploaded_rows(conn: Connection, owners: list[str] | None = None, uploads: list[int] | None = None) -> None:
    """Recount the upload rows the task reports were stored from (`UploadedReportRows`, the data quality
    figure's: per owning unit, plan and upload, the distinct source rows, and whether reports without one
    were stored), then their provinces' sums: those of the given owning units, or of the given uploads
    (every owner's), or all of them with neither. Any pair recounted is counted whole, from its reports."""
    report, task, counts = TaskReport.__table__, Task.__table__, UploadedReportRows.__table__
    keys = [task.c.owner_unit_code, task.c.plan, report.c.upload_id]
    counted = (select(*keys, func.count(func.distinct(report.c.source_row)),
                      func.max(case((report.c.source_row.is_(None), 1), else_=0)))
               .select_from(report.join(task, task.c.id == report.c.task_id))
               .where(report.c.upload_id.is_not(None)).group_by(*keys))
    _replace_uploads(conn, counts, ["owner_unit_code", "plan", "upload_id", *_UPLOADED], counted,
                     (task.c.owner_unit_code, counts.c.owner_unit_code), (report.c.upload_id, counts.c.upload_id),
                     owners, uploads)
    # their provinces' sums, from every owner's counts of those provinces (or uploads)
    unit, provinces = AdminUnit.__table__, UploadedReportProvinceRows.__table__
    province = func.coalesce(unit.c.province_code, literal(NATIONAL_CODE))
    summed = (select(province, counts.c.plan, counts.c.upload_id, func.sum(counts.c.rows),
                     func.max(counts.c.unnumbered))
              .select_from(counts.join(unit, unit.c.code == counts.c.owner_unit_code))
              .group_by(province, counts.c.plan, counts.c.upload_id))
    _replace_uploads(conn, provinces, ["province_code", "plan", "upload_id", *_UPLOADED], summed,
                     (province, provinces.c.province_code), (counts.c.upload_id, provinces.c.upload_id),
                     _provinces(conn, owners), uploads)


def _count_uploaded_rows_after(conn: Connection, owners: list[str], after: dt.date) -> None:
    """The uploaded rows after writes that only appended reports dated after `after` to tasks of these
    owning units (a weekly import): only the uploads that stored a report dated after it gained rows (a
    few: the week's files), so those are recounted, every owner's; the owners whole when there are many."""
    report = TaskReport.__table__
    uploads = sorted(conn.execute(select(report.c.upload_id).distinct()
                                  .where(report.c.report_date > after, report.c.upload_id.is_not(None))).scalars())
    if len(uploads) > CHUNK:
        _count_uploaded_rows(conn, owners)
    elif uploads:
        _count_uploaded_rows(conn, uploads=uploads)


def _provinces(conn: Connection, owners: list[str] | None) -> list[str] | None:
    """The provinces of these owning units ("VN" for those of none); None for every unit."""
    if owners is None:
        return None
    unit = AdminUnit.__table__
    province = func.coalesce(unit.c.province_code, literal(NATIONAL_CODE))
    return sorted(set().union(*(conn.execute(select(province).where(unit.c.code.in_(chunk)).distinct()).scalars()
                                for chunk in _chunks(owners))))


def _replace_uploads(conn: Connection, target, columns: list[str], rows, key: tuple, upload: tuple,
                     keys: list[str] | None, uploads: list[int] | None) -> None:
    """Replace the rows of `target` by `rows`, a SELECT of them: those of `uploads` (`upload`: the pair of
    upload columns) if given, else those of `keys` (every row with None; `key`: the (source, target) column
    pair they are matched on)."""
    (source_key, target_key), (source_upload, target_upload) = key, upload
    for chunk in _chunks(keys if uploads is None else None):
        selected, clear = rows, delete(target)
        if chunk is not None:
            selected, clear = selected.where(source_key.in_(chunk)), clear.where(target_key.in_(chunk))
        if uploads is not None:
            selected = selected.where(source_upload.in_(uploads))
            clear = clear.where(target_upload.in_(uploads))
        conn.execute(clear)
        conn.execute(insert(target).from_select(columns, selected))


def _replace(conn: Connection, target, columns: list[str], rows, key: tuple, day: tuple, keys: list[str] | None,
             after: dt.date | None) -> None:
    """Replace the rows of `target` (its `columns`) by `rows`, a SELECT of them: only those of `keys` (every
    row with None; `key` is the (source, target) column pair they are matched on) and, with `after`, only
    those of the days after it (`day`: the pair of day columns)."""
    (source_key, target_key), (source_day, target_day) = key, day
    for chunk in _chunks(keys):
        selected, clear = rows, delete(target)
        if chunk is not None:
            selected, clear = selected.where(source_key.in_(chunk)), clear.where(target_key.in_(chunk))
        if after is not None:
            selected, clear = selected.where(source_day > after), clear.where(target_day > after)
        conn.execute(clear)
        conn.execute(insert(target).from_select(columns, selected))


def _chunks(items: list | None) -> Iterable[list | None]:
    if items is None:
        yield None
        return
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def refresh(conn: Connection, task_ids: Iterable[int], appended: dict[int, dt.date] | None = None) -> None:
    """Recompute the changes of these tasks (deleted ones: none) and the summary of their owners, before
    and after, in the caller's transaction. `appended`: tasks (among or beside `task_ids`) whose only
    writes were reports later than their previous latest report (task id -> that report's date): only
    their changes after that date are recomputed (`refresh_appended`)."""
    appended = appended or {}
    ids = sorted(set(task_ids) - set(appended))
    change, task = TaskStatusChange.__table__, Task.__table__
    owners: set[str] = set()
    for chunk in (_chunks(ids) if ids else ()):
        owners.update(conn.execute(select(change.c.owner_unit_code).where(change.c.task_id.in_(chunk))
                                   .distinct()).scalars())
        owners.update(conn.execute(select(task.c.owner_unit_code).where(task.c.id.in_(chunk)).distinct()).scalars())
        conn.execute(delete(change).where(change.c.task_id.in_(chunk)))
        conn.execute(insert(change).from_select(_COLUMNS, _changes(chunk)))
    # an owner with a task recomputed whole is summarised whole; one with appended tasks only, from the
    # earliest day its appended tasks' changes were recomputed after (its earlier rows are unchanged)
    after: dict[dt.date, list[str]] = {}
    for owner, since in _refresh_appended(conn, appended).items():
        if owner not in owners:
            after.setdefault(since, []).append(owner)
    if owners:
        _summarise(conn, sorted(owners))
        _count_reports(conn, sorted(owners))
        _count_uploaded_rows(conn, sorted(owners))
    for since, partial in sorted(after.items()):
        _summarise(conn, sorted(partial), since)
        _count_reports(conn, sorted(partial), since)
    if after:  # the uploads of the reports after the earliest day hold every row appended
        _count_uploaded_rows_after(conn, sorted(set().union(*after.values())), min(after))


def _refresh_appended(conn: Connection, appended: dict[int, dt.date]) -> dict[str, dt.date]:
    """The changes of tasks whose writes only appended reports after their previous latest report
    (task id -> its date, `since`); returns their owners, each with the earliest `since` of its tasks.
    A task's changes on or before `since` come from the stretches that end by then (unchanged) and
    from the start of the stretch beginning at `since` (unchanged too: the new reports are later);
    what the new reports change is that last stretch's end and anything after it. So its rows after
    `since` are replaced by those computed from its reports from `since` on — the same rows a whole
    recomputation gives (tests/integration/test_task_status_rollup.py), reading a few reports per
    task instead of its whole history.
    Tasks are grouped by `since` (a weekly import: a handful of dates)."""
    change, task = TaskStatusChange.__table__, Task.__table__
    by_day: dict[dt.date, list[int]] = {}
    for task_id, since in appended.items():
        by_day.setdefault(since, []).append(task_id)
    owners: dict[str, dt.date] = {}
    for since, ids in sorted(by_day.items()):  # earliest first: an owner keeps its earliest day
        for chunk in _chunks(sorted(ids)):
            for owner in conn.execute(select(task.c.owner_unit_code).where(task.c.id.in_(chunk)).distinct()).scalars():
                owners.setdefault(owner, since)
            conn.execute(delete(change).where(change.c.task_id.in_(chunk), change.c.day > since))
            conn.execute(insert(change).from_select(_COLUMNS, _changes(chunk, since)))
    return owners


def rebuild(conn: Connection, *, report_counts: bool = True) -> None:
    """The whole summary from the tasks and reports, and marked current (the migrations' backfill;
    after rows were written around the application). `report_counts=False`: without the report counts
    and their uploaded rows (migration 0020's backfill: their tables come with 0023 and 0026)."""
    conn.execute(delete(TaskStatusChange.__table__))
    conn.execute(insert(TaskStatusChange.__table__).from_select(_COLUMNS, _changes(None)))
    _summarise(conn, None)
    if report_counts:
        _count_reports(conn, None)
        _count_uploaded_rows(conn, None)
    mark_current(conn)


def rebuild_report_counts(conn: Connection) -> None:
    """The report counts alone, from every report (migration 0023's backfill)."""
    _count_reports(conn, None)


def rebuild_uploaded_rows(conn: Connection) -> None:
    """The reports' uploaded rows alone, from every report (migration 0026's backfill)."""
    _count_uploaded_rows(conn, None)


def rebuild_database(engine: Engine) -> None:
    """`rebuild` in a transaction of its own (under the import lock on PostgreSQL), and the indicator
    summary's (figures/indicator_rollups.py) with it."""
    from data_loaders.figures import indicator_rollups

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(57057)))
        rebuild(conn)
        indicator_rollups.rebuild(conn)


def _state(conn: Connection) -> tuple[int, int] | None:
    row = conn.execute(select(RollupState.writes, RollupState.maintained).where(RollupState.name == TASKS)).first()
    return None if row is None else (row.writes, row.maintained)


def mark_current(conn: Connection, name: str = TASKS) -> None:
    """Record the summary `name` as current: its write count as maintained. On PostgreSQL the triggers
    count a transaction's first write only (migration 0022: one row updated per statement made a
    row-by-row write quadratic); the flag is cleared here so a write after this point counts again."""
    conn.execute(update(RollupState).where(RollupState.name == name).values(maintained=RollupState.writes))
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.set_config(f"nq57.{name}_written", "", True)))


@contextlib.contextmanager
def counted_once(conn: Connection, table: str, name: str) -> Iterator[None]:
    """Around a bulk write of `table` by the application, in its transaction, before `mark_current`:
    on SQLite, whose write-counting triggers are row triggers (migrations 0020, 0021) and cost more
    than the insert itself for the 200,000 values of a national indicator file, the write is counted
    once (summary `name`), as PostgreSQL's statement triggers count it, and the table's counting
    triggers are dropped for the write and created again as they were. Both are in the transaction:
    other connections never see the table without them, and a rollback restores them. PostgreSQL's
    are left to count (a transaction's first write: migration 0022)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE ? ESCAPE '!'",
        (table, "nq57!_{}!_%!_rollup!_written".format(table.replace("_", "!_")))).all()
    conn.execute(update(RollupState).where(RollupState.name == name).values(writes=RollupState.writes + 1))
    for trigger, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    yield
    for _, sql in triggers:
        conn.exec_driver_sql(sql)


def is_current(conn: Connection) -> bool:
    state = _state(conn)
    return state is not None and state[0] == state[1]


def before_writes(conn: Connection) -> bool:
    """Call in the transaction before writing tasks or reports: whether the summary is current."""
    return is_current(conn)


def after_writes(conn: Connection, was_current: bool, task_ids: Iterable[int],
                 appended: dict[int, dt.date] | None = None) -> None:
    """Call in the same transaction after the writes, with every task written or whose reports were:
    their changes and their owners' summary are recomputed and the summary marked current — or, when it
    was not current before (rows written around the application), the whole summary is rebuilt.
    `appended`: the tasks whose only writes were reports after their previous latest report, with that
    report's date (an import of the week's reports): only their changes after it are recomputed."""
    if was_current:
        refresh(conn, task_ids, appended)
        mark_current(conn)
    else:
        rebuild(conn)


class Maintenance:
    """What `maintained` yields: the writer names the tasks it touched (`touched`)."""

    def __init__(self) -> None:
        self.task_ids: set[int] = set()

    def touched(self, task_ids: Iterable[int]) -> None:
        self.task_ids.update(task_ids)


@contextlib.contextmanager
def maintained(conn: Connection) -> Iterator[Maintenance]:
    """`before_writes` and `after_writes` around the writes inside (the tasks named by `touched`)."""
    was_current = before_writes(conn)
    maintenance = Maintenance()
    yield maintenance
    after_writes(conn, was_current, maintenance.task_ids)


# --- reading --------------------------------------------------------------------------------------


def rows_if_current(engine, query, current=is_current) -> list | None:
    """The rows of a summary `query`, read in one snapshot with the state that says the summary is current
    (`current`); None when it is not: the caller then uses the live definition."""
    return read_if_current(engine, lambda conn: conn.execute(query).all(), current)


def read_if_current(engine, read: Callable[[Connection], Result], current=is_current) -> Result | None:
    """`read(connection)` in one snapshot with the state that says the summary is current (`current`);
    None when it is not: the caller then uses the live definition."""
    with connect(engine) as conn, conn.begin():
        if conn.dialect.name == "postgresql":  # the state and the sums of one snapshot
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if not current(conn):
            return None
        return read(conn)

ZERO = {"total": 0, "completed": 0, "on_schedule": 0, "overdue": 0}
STATUS = tuple(ZERO)  # the keys of a TaskStatus (figures/tasks.py); the summary gives the buckets too


def usable(engine: Engine | None) -> bool:
    """Whether the task figures may read the summary now: not inside `live()` nor with the environment
    variable NQ57_TASK_SUMMARY=0 (for comparisons: benchmarks/), and counting every submitted report
    (approved-only mode keeps the live definition)."""
    if _LIVE.get() or os.environ.get("NQ57_TASK_SUMMARY", "1") == "0":
        return False
    return sources.mode(engine) == sources.SUBMITTED


def _scoped(query, rollup, unit: UnitInfo, plan: str | None, group: str | None = None):
    """`query` over `rollup` (the summary or the per-task changes) kept to the rows of the unit's scope and
    of the counted plans (scope.counted_tasks: the national plans unless a plan is chosen), joined to what
    `group` keys on."""
    if unit.level != "national" or group == "child":  # the nation: every owner, no join needed
        query = query.join(AdminUnit, AdminUnit.code == rollup.owner_unit_code).where(scope_filter(unit, AdminUnit))
    if group == "lead_agency":
        query = query.join(Agency, Agency.id == rollup.lead_agency_id)
    elif group == "responsible_official":
        query = query.join(Task, Task.id == rollup.task_id)
    return query.where(counted_tasks(plan, rollup.plan))


def _status(sums) -> dict:
    """The counts of a TaskStatus and the lateness buckets from the summed changes (a mapping of COUNTS)."""
    total, completed, overdue, late_30, late_90 = (int(sums[name] or 0) for name in COUNTS)
    return {"total": total, "completed": completed, "on_schedule": total - completed - overdue,
            "overdue": overdue, "le_30": overdue - late_30, "31_90": late_30 - late_90, "gt_90": late_90}


def status_counts(unit: UnitInfo, as_of: dt.date, engine: Engine | None, *, plan: str | None = None,
                  group: str | None = None) -> dict | None:
    """The task status counts of the unit's scope at `as_of` from the summary, keyed by the unit's child
    (group="child": definitions of scope.child_key), by area, plan, lead agency or responsible official
    (group=…; the official from the per-task changes), or None (the scope as a whole); only the keys
    with tasks. None when the summary may not be read (`usable`)
    or is not current: the caller computes the live definition."""
    if not usable(engine):
        return None
    # by responsible official: the per-task changes with each task's official (not a summary dimension)
    rollup = TaskStatusChange if group == "responsible_official" else TaskStatusRollup
    if group == "child":
        key = child_key(unit, AdminUnit)
    elif group == "lead_agency":
        key = Agency.name
    elif group == "responsible_official":
        key = Task.responsible_official
    elif group is not None:
        key = GROUPS[group]
    else:
        key = literal(None)
    query = (
        select(key.label("key"), *(func.coalesce(func.sum(getattr(rollup, name)), 0).label(name) for name in COUNTS))
        .select_from(rollup)
        .where(rollup.day <= as_of)
    )
    query = _scoped(query, rollup, unit, plan, group)
    if group is not None:
        query = query.group_by(key)
    rows = rows_if_current(engine, query)
    if rows is None:
        return None
    return {row.key: _status(row._mapping) for row in rows if group is None or row.total}


def status_counts_on(unit: UnitInfo, days: list[dt.date], engine: Engine | None, *,
                     plan: str | None = None) -> list[dict] | None:
    """`status_counts` of the unit's scope as a whole at each of `days` (ascending: a trend's month ends),
    in one pass over the summary instead of one per day: each row is summed into the first of the days
    on or after its own, and the counts at a day are the running sum of those sums up to it — the same
    `SUM(change) WHERE day <= date` at every day. None when the summary may not be read (`usable`) or is
    not current: the caller computes the live definition at each day."""
    if not usable(engine):
        return None
    if not days:
        return []
    rollup = TaskStatusRollup
    first_day_on_or_after = case(*((rollup.day <= day, index) for index, day in enumerate(days)))
    summed = _scoped(select(first_day_on_or_after.label("position"), *(getattr(rollup, name) for name in COUNTS))
                     .where(rollup.day <= days[-1]), rollup, unit, plan).subquery("dated")
    query = (select(summed.c.position, *(func.sum(summed.c[name]).label(name) for name in COUNTS))
             .group_by(summed.c.position))
    rows = rows_if_current(engine, query)
    if rows is None:
        return None
    changed = {row.position: row._mapping for row in rows}
    running = dict.fromkeys(COUNTS, 0)
    counts = []
    for position in range(len(days)):
        for name in COUNTS:
            running[name] += int(changed[position][name] or 0) if position in changed else 0
        counts.append(_status(running))
    return counts


def report_counts(unit: UnitInfo, as_of: dt.date, start: dt.date, engine: Engine | None) -> dict[str, dict] | None:
    """The data quality figure's task reports from the summary (figures/data_quality.py `_report_figures`):
    per child of the unit, the reports up to as_of, how many contradict themselves (every report dated
    before `start` does) and the latest report date. None inside `live()`, with NQ57_TASK_SUMMARY=0 or
    when the summary is not current: the caller computes the live definition. Both modes count every
    stored report (the scores judge what was sent: figures/sources.py)."""
    if _LIVE.get() or os.environ.get("NQ57_TASK_SUMMARY", "1") == "0":
        return None
    if unit.level == "national":  # the children are the provinces (and "VN"): their sums
        counts = TaskReportProvinceRollup
        child = counts.province_code.label("child")
    else:
        counts = TaskReportRollup
        child = child_key(unit, AdminUnit).label("child")
    query = (
        select(child, func.sum(counts.reports).label("reports"),
               func.sum(case((counts.day < start, counts.reports), else_=counts.contradicting)).label("contradicting"),
               func.max(counts.day).label("last_report"))
        .select_from(counts)
        .where(counted_tasks(None, counts.plan), counts.day <= as_of)
        .group_by(child)
    )
    if counts is TaskReportRollup:
        query = query.join(AdminUnit, AdminUnit.code == counts.owner_unit_code).where(scope_filter(unit, AdminUnit))
    rows = rows_if_current(engine, query)
    if rows is None:
        return None
    return {row.child: {"child": row.child, "reports": int(row.reports), "contradicting": int(row.contradicting),
                        "last_report": row.last_report} for row in rows}


def uploaded_report_rows(unit: UnitInfo, engine: Engine | None) -> dict[str, int] | None:
    """Per child of the unit (scope.child_key), the distinct upload rows the task reports of the national
    plans' tasks (scope.counted_tasks) were stored from (figures/data_quality.py `_stored_rows`, the reports'
    part), from the counts maintained at commit: each owner's numbered rows, plus one per upload and child
    for reports stored without a source row. None inside `live()`, with NQ57_TASK_SUMMARY=0 or when the
    summary is not current: the caller computes the live definition. Both modes count every stored report
    (the scores judge what was sent)."""
    if _LIVE.get() or os.environ.get("NQ57_TASK_SUMMARY", "1") == "0":
        return None
    if unit.level == "national":  # the children are the provinces (and "VN"): their sums
        counts = UploadedReportProvinceRows
        child = counts.province_code.label("child")
    else:
        counts = UploadedReportRows
        child = child_key(unit, AdminUnit).label("child")
    numbered = select(child, func.sum(counts.rows).label("rows")).where(counted_tasks(None, counts.plan))
    unnumbered = (select(child, func.count(func.distinct(counts.upload_id)).label("rows"))
                  .where(counted_tasks(None, counts.plan), counts.unnumbered == 1))
    if counts is UploadedReportRows:
        numbered, unnumbered = (
            query.join(AdminUnit, AdminUnit.code == counts.owner_unit_code).where(scope_filter(unit, AdminUnit))
            for query in (numbered, unnumbered))
    rows = rows_if_current(engine, union_all(numbered.group_by(child), unnumbered.group_by(child)))
    return None if rows is None else rows_per_child(rows)


def rows_per_child(rows) -> dict[str, int]:
    """The numbered and the unnumbered upload rows (rows of (child, rows), a child in both) added up per
    child, children with none left out: how both kinds' uploaded-row counts are read."""
    found: dict[str, int] = {}
    for row in rows:
        found[row.child] = found.get(row.child, 0) + int(row.rows or 0)
    return {code: count for code, count in found.items() if count}


def tasks_counted_in(count: str, unit: UnitInfo, as_of: dt.date, plan: str | None = None):
    """SELECT of the ids of the tasks of the unit's scope (with `plan`, that plan's; without, the national
    plans': scope.counted_tasks) that count in `count` at `as_of`: "total" (they exist), "completed" or
    "overdue" (as definitions.is_completed and is_overdue say), from their changes: those whose changes
    of it on or before the date sum to 1. Only the rows changing it are read (nationally 20,000 of the
    150,000 for "overdue"). The caller reads it through `read_if_current` after `usable` (the task
    list, figures/tasks.py)."""
    change = TaskStatusChange
    counted = getattr(change, count)
    query = (select(change.task_id).where(counted != 0, change.day <= as_of, counted_tasks(plan, change.plan)))
    if unit.level != "national":
        query = query.join(AdminUnit, AdminUnit.code == change.owner_unit_code).where(scope_filter(unit, AdminUnit))
    return query.group_by(change.task_id).having(func.sum(counted) > 0)


def earliest_overdue_deadlines(unit: UnitInfo, as_of: dt.date, engine: Engine | None, *,
                               plan: str | None = None) -> dict[str, dt.date] | None:
    """Per responsible official with overdue tasks in the unit's scope at `as_of` (with `plan`, that plan's;
    without, the national plans'), the earliest deadline among them (definitions.earliest_overdue_deadline:
    the officials' most days overdue), from the per-task changes (`tasks_counted_in`: nationally the 8,841
    overdue tasks of 50,000). None when the summary may not be read or is not current."""
    if not usable(engine):
        return None
    query = (select(Task.responsible_official, func.min(Task.deadline))
             .where(Task.id.in_(tasks_counted_in("overdue", unit, as_of, plan)))
             .group_by(Task.responsible_official))
    rows = rows_if_current(engine, query)
    return None if rows is None else dict(rows)


def task_groups(unit: UnitInfo, as_of: dt.date, engine: Engine | None, *,
                plan: str | None = None) -> list | None:
    """The distinct (plan, area, lead_agency) of the tasks of the unit's scope that exist at `as_of`
    (with `plan`, that plan's; without, the national plans'), from the summary; None when it may not be
    read or is not current. A task exists from its first report, the one change of +1 to "total" (never
    -1), so a summary row with total > 0 on or before the date is a group with an existing task."""
    if not usable(engine):
        return None
    rollup = TaskStatusRollup
    query = (select(rollup.plan, rollup.area, Agency.name.label("lead_agency")).select_from(rollup)
             .join(Agency, Agency.id == rollup.lead_agency_id)
             .where(rollup.day <= as_of, rollup.total > 0, counted_tasks(plan, rollup.plan)))
    if unit.level != "national":
        query = query.join(AdminUnit, AdminUnit.code == rollup.owner_unit_code).where(scope_filter(unit, AdminUnit))
    return rows_if_current(engine, query.distinct())


def report_owners(unit: UnitInfo, first: dt.date, last: dt.date):
    """SELECT of the owning units inside the unit (the nation's own tasks left out) with task reports dated
    from `first` to `last`, any plan, from the report counts maintained at commit: an owner has a
    `TaskReportRollup` row for each plan and day it has reports on. None inside `live()` or with
    NQ57_TASK_SUMMARY=0; the caller reads it through `read_if_current` (both modes: every stored report
    counts) and reads the reports otherwise (ingest/approvals.py `unapproved_submissions`)."""
    if _LIVE.get() or os.environ.get("NQ57_TASK_SUMMARY", "1") == "0":
        return None
    counts = TaskReportRollup
    dated = and_(counts.day >= first, counts.day <= last)
    if unit.level == "national":  # the month's entries of the index on day and owner (migration 0027), once each
        owners = select(counts.owner_unit_code.label("code")).where(dated).distinct().subquery("owner")
        return (select(owners.c.code).join(AdminUnit, AdminUnit.code == owners.c.code)
                .where(AdminUnit.level != "national"))
    # a province or a commune: one probe of the primary key per unit inside it
    reported = select(counts.owner_unit_code).where(counts.owner_unit_code == AdminUnit.code, dated).exists()
    return select(AdminUnit.code).where(scope_filter(unit, AdminUnit), AdminUnit.level != "national", reported)


__all__ = ["Maintenance", "after_writes", "before_writes", "counted_once", "earliest_overdue_deadlines", "is_live",
           "live", "maintained", "read_if_current", "rebuild", "rebuild_database", "rebuild_report_counts",
           "rebuild_uploaded_rows", "refresh", "report_counts", "report_owners", "rows_if_current", "status_counts",
           "status_counts_on", "task_groups", "tasks_counted_in", "uploaded_report_rows", "usable"]
