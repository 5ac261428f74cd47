"""Task status counts maintained at commit (issue 17, item 4; figures/rollups.py) equal the live
definition of figures/definitions.py — for the nation, every province and a commune, by child, area,
plan and lead agency, the accountability rankings and lateness buckets, the task list (with its filters and
limit), its filter options, the officials' table and the early warnings' task candidates, with and without
the plan filter, at month ends and at dates between reports; so do the data quality figure's report counts (the whole
`quality` result, whose "correct" score and "live" dates read them) —
after the seed, after imports that add, change and move tasks, after withdrawals (which delete tasks),
after rows written around the application (the figures fall back to the live definition until the next
maintained write rebuilds the summary), and in approved-only mode (the live definition, always).
Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from data_loaders.figures import accountability, data_quality, early_warnings, indicator_rollups, rollups, tasks
from data_loaders.figures import definitions as rules
from data_loaders.figures.scope import child_units, get_unit
from data_loaders.identity import accounts
from data_loaders.identity.admin import change_setting
from data_loaders.identity.plans import add_plan
from data_loaders.ingest import approvals
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.withdraw import withdraw_upload
from data_loaders.store.models import (
    IndicatorValue,
    Task,
    TaskReport,
    TaskReportProvinceRollup,
    TaskReportRollup,
    TaskStatusChange,
    TaskStatusRollup,
    UploadedReportProvinceRows,
    UploadedReportRows,
)
from data_loaders.store.settings import get_settings
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    plan_code,
    task_row,
    workbook_bytes,
)
from tests.support.statements import statements_reading

PASSWORD = "a long enough password"
TODAY = dt.date(2025, 7, 15)
LD = communes("68", 2)
# month ends, a report date, the day before and after it, a deadline and the day after it
# (LD-1: deadline 31/05, 30 days late on 30/06, 31 on 01/07, 90 on 29/08, 91 on 30/08)
DATES = [dt.date(2025, 3, 31), dt.date(2025, 5, 20), dt.date(2025, 5, 21), dt.date(2025, 6, 14),
         dt.date(2025, 6, 15), dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 8, 29),
         dt.date(2025, 8, 30), dt.date(2026, 1, 1)]


def _figures(engine, codes, dates, plans=(None,)) -> dict:
    """Every task figure served from the summary, for the units and dates."""
    out = {}
    for code in codes:
        for day in dates:
            for plan in plans:
                out[(code, day, plan, "status")] = tasks.task_status(code, day, engine, plan=plan)
                out[(code, day, plan, "child")] = tasks.task_status_by_child(code, day, engine, plan=plan)
                for group in ("area", "plan", "lead_agency"):
                    out[(code, day, plan, group)] = tasks.task_status_by(code, day, group, engine, plan=plan)
                for by in accountability.GROUPINGS:
                    out[(code, day, plan, by)] = accountability.ranking(code, day, by, engine, plan=plan)
                out[(code, day, plan, "buckets")] = accountability.overdue_buckets(code, day, engine, plan=plan)
                out.update(_listed(engine, code, day, plan))
            out[(code, day, "quality")] = data_quality.quality(code, day, engine=engine)
        for plan in plans:  # the trend: one pass over the summary for every month end
            out[(code, plan, "trend")] = tasks.task_status_trend(code, dates[-1], 12, engine, plan=plan)
    return out


def _listed(engine, code, day, plan) -> dict:
    """The figures built on each task's status (the task list, its filter options, the officials' table):
    served from the per-task changes of the summary. The list's filters and limits without a plan only."""
    options = tasks.task_filter_options(code, day, engine, plan=plan)
    out = {(code, day, plan, "options"): options,
           (code, day, plan, "officials"): accountability.by_official(code, day, engine, plan=plan),
           (code, day, plan, "list"): tasks.task_list(code, day, None, plan, engine=engine),
           # the early warnings' task candidates: nationally, the tasks completed are left out from the summary
           (code, day, plan, "warning candidates"): sorted(early_warnings.task_candidates(
               get_unit(code, engine), day, 30, 30, engine, plan), key=lambda row: row["code"])}
    if plan is not None:
        return out
    for status in rules.TASK_STATUSES:
        out[(code, day, plan, "list", status)] = tasks.task_list(code, day, status, engine=engine)
    for limit in (1, 2):  # the first tasks only: overdue first, then by deadline and code
        out[(code, day, plan, "list", limit)] = tasks.task_list(code, day, limit=limit, engine=engine)
    for area in options["area"][:1]:
        out[(code, day, plan, "list", area)] = tasks.task_list(code, day, area=area, engine=engine)
    for agency in options["lead_agency"][:1]:
        out[(code, day, plan, "list", agency)] = tasks.task_list(code, day, "overdue", lead_agency=agency,
                                                                 engine=engine)
        # a ministry reporter's list: its agency as the account spells it (matched without case or diacritics)
        out[(code, day, plan, "ministry", agency)] = tasks.task_list(code, day, limit=1_000_000, engine=engine,
                                                                     agency=agency.upper())
    return out


def _assert_equal_to_live(engine, codes, dates, plans=(None,), *, served=True) -> None:
    with engine.connect() as conn:
        assert rollups.is_current(conn) is served
    start = get_settings(engine)["tasks_start_date"]
    if served:  # the summary is what answered
        assert rollups.status_counts(get_unit(codes[0], engine), dates[-1], engine) is not None
        assert rollups.report_counts(get_unit(codes[0], engine), dates[-1], start, engine) is not None
        assert rollups.uploaded_report_rows(get_unit(codes[0], engine), engine) is not None
    summary = _figures(engine, codes, dates, plans)
    with rollups.live():
        assert rollups.status_counts(get_unit(codes[0], engine), dates[-1], engine) is None
        assert rollups.report_counts(get_unit(codes[0], engine), dates[-1], start, engine) is None
        assert rollups.uploaded_report_rows(get_unit(codes[0], engine), engine) is None
        definition = _figures(engine, codes, dates, plans)
    for key, value in definition.items():
        assert summary[key] == value, key


# --- the seeded sample ------------------------------------------------------------------------------


def test_the_seeded_summary_equals_the_definition_for_the_nation_and_every_province(seeded_engine):
    provinces = [unit.code for unit in child_units("VN", seeded_engine)]
    commune = child_units("68", seeded_engine)[0].code
    days = [dt.date(2024, 12, 31), dt.date(2025, 3, 17), dt.date(2025, 6, 30)]
    _assert_equal_to_live(seeded_engine, ["VN", "68", commune], [*days, dt.date(2025, 4, 30)],
                          (None, *_plans(seeded_engine)[:2]))
    summary = {(code, day): tasks.task_status(code, day, seeded_engine) for code in provinces for day in days}
    with rollups.live():
        for (code, day), counts in summary.items():
            assert counts == tasks.task_status(code, day, seeded_engine), (code, day)
    assert sum(counts["total"] for (_, day), counts in summary.items() if day == days[-1]) > 0


def test_the_task_list_is_served_from_the_summary_and_cut_where_the_definition_cuts_it(seeded_engine,
                                                                                       monkeypatch):
    """Nationally the list is the first `limit` tasks, overdue first: cut inside the overdue ones, at their
    end and among the others, it equals the definition, and the definition was not what answered."""
    day = dt.date(2025, 6, 30)
    overdue = tasks.task_status("VN", day, seeded_engine)["overdue"]
    limits = (overdue - 1, overdue, overdue + 1, 5000)
    with rollups.live():
        definition = {limit: tasks.task_list("VN", day, limit=limit, engine=seeded_engine) for limit in limits}
        officials = accountability.by_official("VN", day, seeded_engine)

    def not_live(*args, **kwargs):
        raise AssertionError("the task list was computed from its live definition")

    monkeypatch.setattr(tasks, "_listed_live", not_live)
    for limit in limits:
        assert tasks.task_list("VN", day, limit=limit, engine=seeded_engine) == definition[limit], limit
    statuses = [row["derived_status"] for row in definition[overdue + 1]]
    assert statuses[-2] == "overdue" and statuses[-1] != "overdue"  # the cut crosses into the others
    assert accountability.by_official("VN", day, seeded_engine) == officials


def test_the_officials_table_counts_every_task_past_the_task_lists_length(seeded_engine, monkeypatch):
    """Nationally the officials' rows (from the summary) count each official's every task, however long the task
    list is (cut here at one task, as 5,000 cuts the nation's 8,841 overdue at national scale): each row's
    counts and most days overdue are those of the official's whole task list, and equal the definition."""
    day = dt.date(2025, 6, 30)
    monkeypatch.setattr(tasks.listed_tasks, "__defaults__", tuple(
        1 if value == 5000 else value for value in tasks.listed_tasks.__defaults__))
    assert len(tasks.listed_tasks("VN", day, engine=seeded_engine)) == 1
    assert rollups.earliest_overdue_deadlines(get_unit("VN", seeded_engine), day, seeded_engine) is not None
    officials = accountability.by_official("VN", day, seeded_engine)
    with rollups.live():
        assert accountability.by_official("VN", day, seeded_engine) == officials
    assert sum(row["overdue"] > 0 for row in officials) > 1  # more officials overdue than the list's one task
    for row in officials:
        listed = accountability.official_tasks("VN", day, row["official"], seeded_engine)
        statuses = [task["derived_status"] for task in listed]
        assert (len(listed), statuses.count("completed"), statuses.count("overdue")) == (
            row["total"], row["completed"], row["overdue"]), row["official"]
        assert max(task["days_overdue"] for task in listed) == row["max_days_overdue"], row["official"]
        days = [task["days_overdue"] for task in listed]
        assert days[:row["overdue"]] == sorted(days[:row["overdue"]], reverse=True)  # most overdue first


def _plans(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(Task.plan).distinct()).scalars())


def _summary_statements(engine, run, table: str = "task_status_rollup") -> int:
    return statements_reading(engine, table, run)  # the summary's ("" for any statement)


def test_the_trend_reads_the_summary_once_and_equals_the_counts_at_each_date(world):
    engine, _, _ = world
    # a day before the first data, month ends, report dates and the days around them, a deadline
    days = [dt.date(2025, 1, 31), *DATES]
    for code in ("VN", "68", LD[0].code):
        unit = get_unit(code, engine)
        for plan in (None, plan_code(), _second_plan()):
            at_each = [rollups.status_counts(unit, day, engine, plan=plan)[None] for day in days]
            assert rollups.status_counts_on(unit, days, engine, plan=plan) == at_each, (code, plan)
            trend = tasks.task_status_trend(code, DATES[-1], 12, engine, plan=plan)
            assert [row["date"] for row in trend] == tasks.month_ends_with_data(DATES[-1], 12, engine)
            assert trend == [{"date": row["date"], **tasks.task_status(code, row["date"], engine, plan=plan)}
                             for row in trend], (code, plan)
    assert rollups.status_counts_on(get_unit("VN", engine), [], engine) == []
    assert [row["total"] for row in tasks.task_status_trend("68", DATES[-1], 3, engine)] == [3, 3, 3]
    # the nation's trend over six month ends: one statement reads the summary, not one per month end
    assert _summary_statements(engine, lambda: tasks.task_status_trend("VN", DATES[-1], 6, engine)) == 1
    # and as many statements in all over two month ends as over six
    assert _summary_statements(engine, lambda: tasks.task_status_trend("VN", DATES[-1], 6, engine), "") == \
        _summary_statements(engine, lambda: tasks.task_status_trend("VN", DATES[-1], 2, engine), "")
    with rollups.live():  # the live definition at each month end, which never reads the summary
        assert _summary_statements(engine, lambda: tasks.task_status_trend("VN", DATES[-1], 6, engine)) == 0


# --- imports, withdrawals, writes around the application -------------------------------------------


def _import(engine, account, rows, name):
    result = import_file(workbook_bytes(rows, TASK_HEADERS), name, engine=engine, account=account, today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    return result.upload_id


@pytest.fixture
def world(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    commune = dict(province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã")
    rows = [  # on schedule, then completed; overdue after its deadline; completed then reopened
        task_row("XA-1", report="20/05/2025", progress=20, deadline=dt.date(2025, 6, 14), **commune),
        task_row("XA-1", report="30/06/2025", progress=100, status="Hoàn thành", deadline=dt.date(2025, 6, 14),
                 **commune),
        task_row("LD-1", report="15/06/2025", deadline=dt.date(2025, 5, 31)),
        task_row("LD-2", report="20/05/2025", status="Hoàn thành", progress=100, deadline=dt.date(2025, 6, 1),
                 plan=_second_plan(), area="Hạ tầng số"),
        task_row("LD-2", report="15/06/2025", progress=90, deadline=dt.date(2025, 6, 1), plan=_second_plan(),
                 area="Hạ tầng số"),
        task_row("HN-1", province="Hà Nội", report="21/05/2025", deadline=dt.date(2025, 5, 20)),
    ]
    first = _import(engine, admin, rows, "base.xlsx")
    return engine, admin, first


def _second_plan() -> str:
    from data_loaders.store.catalogue import plans

    return plans()[1].code if len(plans()) > 1 else plan_code()


def test_imports_and_withdrawals_keep_the_summary_equal_to_the_definition(world):
    engine, admin, first = world
    codes = ["VN", "68", "01", LD[0].code]
    _assert_equal_to_live(engine, codes, DATES, (None, plan_code(), _second_plan()))
    assert tasks.task_status("68", dt.date(2025, 6, 30), engine) == \
        {"total": 3, "completed": 1, "on_schedule": 0, "overdue": 2}
    # a second upload: a report between two others, a changed deadline, a task moved to another commune,
    # a new task, a new report completing a task
    moved = dict(province="Lâm Đồng", commune=LD[1].name, agency="Ủy ban nhân dân xã")
    second = _import(engine, admin, [
        task_row("XA-1", report="10/06/2025", progress=60, deadline=dt.date(2025, 6, 14),
                 province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã"),
        task_row("LD-1", report="15/06/2025", deadline=dt.date(2025, 9, 30)),
        task_row("LD-3", report="01/07/2025", deadline=dt.date(2025, 6, 30), **moved),
        task_row("HN-1", province="Hà Nội", report="01/07/2025", status="Hoàn thành", progress=100,
                 deadline=dt.date(2025, 5, 20)),
    ], "second.xlsx")
    _assert_equal_to_live(engine, codes + [LD[1].code], DATES)
    assert tasks.task_status("68", dt.date(2025, 7, 1), engine)["total"] == 4
    # withdrawn: the changed deadline comes back, the new task and reports go
    withdraw_upload(second, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, codes + [LD[1].code], DATES)
    assert tasks.task_status("68", dt.date(2025, 7, 1), engine)["total"] == 3
    # the first upload withdrawn: every task deleted, nothing left in the summary
    withdraw_upload(first, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, codes, DATES)
    assert tasks.task_status("VN", dt.date(2026, 1, 1), engine)["total"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(TaskStatusChange.task_id)).first() is None


def test_rows_written_around_the_application_use_the_definition_until_the_next_import(world):
    engine, admin, _ = world
    with engine.begin() as conn:  # a script changes a report directly: the summary is not current
        conn.execute(update(TaskReport).where(TaskReport.report_date == dt.date(2025, 6, 15))
                     .values(status="completed"))
        task_id = conn.execute(select(Task.id).where(Task.code == "HN-1")).scalar_one()
        conn.execute(insert(TaskReport).values(task_id=task_id, report_date=dt.date(2025, 6, 2), status="completed",
                                               progress_pct=100.0))
    _assert_equal_to_live(engine, ["VN", "68", "01"], DATES, served=False)
    assert tasks.task_status("01", dt.date(2025, 6, 2), engine)["completed"] == 1
    # the next import rebuilds the whole summary: current again, and equal
    _import(engine, admin, [task_row("LD-9", report="01/06/2025")], "later.xlsx")
    _assert_equal_to_live(engine, ["VN", "68", "01"], DATES)
    assert tasks.task_status("01", dt.date(2025, 6, 2), engine)["completed"] == 1
    # and rebuilding by hand gives the same rows as maintaining them
    with engine.connect() as conn:
        maintained = sorted(tuple(row) for row in conn.execute(select(TaskStatusChange.__table__)))
    rollups.rebuild_database(engine)
    with engine.connect() as conn:
        assert sorted(tuple(row) for row in conn.execute(select(TaskStatusChange.__table__))) == maintained


def _change_rows(engine) -> tuple[list[tuple], ...]:
    """The changes, the summary rows (without their ids), the report counts and their uploaded rows."""
    summary = TaskStatusRollup.__table__
    with engine.connect() as conn:
        return (sorted(tuple(row) for row in conn.execute(select(TaskStatusChange.__table__))),
                sorted(tuple(row) for row in conn.execute(select(*(c for c in summary.c if c.name != "id")))),
                *(sorted(tuple(row) for row in conn.execute(select(table.__table__)))
                  for table in (TaskReportRollup, TaskReportProvinceRollup, UploadedReportRows,
                                UploadedReportProvinceRows)))


def test_an_import_that_only_appends_reports_recomputes_each_task_from_its_previous_latest_report(world,
                                                                                                  monkeypatch):
    """The weekly case: reports later than every stored one. Only the changes after each task's previous
    latest report are recomputed, and they equal the whole recomputation and the definition."""
    engine, admin, _ = world
    recomputed = []
    original = rollups._changes

    def spy(task_ids, since=None):
        recomputed.append((tuple(task_ids or ()), since))
        return original(task_ids, since)

    monkeypatch.setattr(rollups, "_changes", spy)
    commune = dict(province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã")
    later = DATES + [dt.date(2025, 7, 9), dt.date(2025, 7, 10), dt.date(2025, 7, 12), dt.date(2025, 7, 14),
                     dt.date(2025, 8, 18), dt.date(2025, 8, 19)]
    _import(engine, admin, [  # a completed task reopened; an overdue one reported on (31 days late that
        # day) and later completed; a completed-then-reopened one completed again; two reports of one task
        task_row("XA-1", report="10/07/2025", progress=80, deadline=dt.date(2025, 6, 14), **commune),
        task_row("LD-1", report="01/07/2025", progress=50, deadline=dt.date(2025, 5, 31)),
        task_row("LD-1", report="14/07/2025", progress=100, status="Hoàn thành", deadline=dt.date(2025, 5, 31)),
        task_row("LD-2", report="14/07/2025", status="Hoàn thành", progress=100, deadline=dt.date(2025, 6, 1),
                 plan=_second_plan(), area="Hạ tầng số"),
        task_row("HN-1", province="Hà Nội", report="01/07/2025", deadline=dt.date(2025, 5, 20)),
        task_row("HN-1", province="Hà Nội", report="12/07/2025", deadline=dt.date(2025, 5, 20)),
    ], "week.xlsx")
    assert recomputed and all(since is not None for _, since in recomputed)  # appended only: no whole history
    assert {since for _, since in recomputed} == {dt.date(2025, 6, 30), dt.date(2025, 6, 15), dt.date(2025, 5, 21)}
    _assert_equal_to_live(engine, ["VN", "68", "01", LD[0].code], later, (None, plan_code(), _second_plan()))
    maintained = _change_rows(engine)
    rollups.rebuild_database(engine)
    assert _change_rows(engine) == maintained
    # mixed: a task appended to beside one given a report between two others and one with a changed
    # deadline (those two recomputed whole) and a new task
    recomputed.clear()
    _import(engine, admin, [
        task_row("XA-1", report="15/07/2025", progress=90, deadline=dt.date(2025, 6, 14), **commune),
        task_row("LD-1", report="05/07/2025", progress=70, deadline=dt.date(2025, 5, 31)),
        task_row("LD-2", report="15/07/2025", progress=100, status="Hoàn thành", deadline=dt.date(2025, 7, 1),
                 plan=_second_plan(), area="Hạ tầng số"),
        task_row("LD-4", report="01/07/2025", deadline=dt.date(2025, 6, 30)),
    ], "mixed.xlsx")
    assert {since for _, since in recomputed} == {None, dt.date(2025, 7, 10)}
    _assert_equal_to_live(engine, ["VN", "68", "01", LD[0].code], later + [dt.date(2025, 7, 15)],
                          (None, plan_code(), _second_plan()))
    maintained = _change_rows(engine)
    rollups.rebuild_database(engine)
    assert _change_rows(engine) == maintained


def test_the_quality_report_counts_follow_imports_withdrawals_and_the_start_date(world):
    """Reports that contradict themselves (completed below 100 %, not started with progress, dated
    before the programme's start: a setting read at query time) counted from the summary as the
    definition counts them, after an import, a changed start date and a withdrawal."""
    engine, admin, _ = world
    codes = ["VN", "68", "01", LD[0].code, LD[1].code]
    in_ld1 = dict(province="Lâm Đồng", commune=LD[1].name, agency="Ủy ban nhân dân xã")
    upload = _import(engine, admin, [
        task_row("LD-5", report="10/06/2025", status="Hoàn thành", progress=80, **in_ld1),
        task_row("LD-5", report="20/06/2025", status="Chưa thực hiện", progress=10, **in_ld1),
        task_row("LD-6", report="25/05/2025", status="Chưa thực hiện", progress=0),
        task_row("HN-2", province="Hà Nội", report="30/06/2025", status="Hoàn thành", progress=95),
    ], "contradicting.xlsx")
    _assert_equal_to_live(engine, codes, DATES)
    june = data_quality.quality("VN", dt.date(2025, 6, 30), engine=engine)["figures"]
    assert (june["reports"], june["contradicting"]) == (10, 3)
    change_setting("tasks_start_date", "2025-06-01", engine, user="cli:test")  # 4 reports before it
    _assert_equal_to_live(engine, codes, DATES)
    june = data_quality.quality("VN", dt.date(2025, 6, 30), engine=engine)["figures"]
    assert (june["reports"], june["contradicting"]) == (10, 7)
    withdraw_upload(upload, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, codes, DATES)
    assert data_quality.quality("VN", dt.date(2025, 6, 30), engine=engine)["figures"]["reports"] == 6


def _uploaded_rows(engine, code: str, day: dt.date = DATES[-1]) -> int:
    return data_quality.quality(code, day, engine=engine)["figures"]["uploaded_rows"]


def test_the_quality_uploaded_rows_of_reports_follow_every_write(world):
    """The upload rows the reports were stored from (the "correct" and "clean" scores' uploaded rows),
    counted at commit per owner, plan and upload, equal the live definition and a rebuild's rows: after
    an import that re-sends a stored report (its row moves to the new upload), moves a task to another
    commune and adds tasks (one of a province's own programme: not counted); after a weekly import
    (appended reports only: only the uploads with reports after each task's previous latest are
    recounted); after withdrawals (rows deleted, and a row given back to the upload it came from); after
    rows written around the application (the live definition until the next import rebuilds them)."""
    engine, admin, _ = world
    add_plan("CT-LD", "Chương trình của Lâm Đồng", province="68", engine=engine, user="admin")
    codes = ["VN", "68", "01", LD[0].code, LD[1].code]
    assert _uploaded_rows(engine, "VN") == 6 and _uploaded_rows(engine, "68") == 5
    moved = dict(province="Lâm Đồng", commune=LD[1].name, agency="Ủy ban nhân dân xã")
    second = _import(engine, admin, [
        task_row("LD-1", report="15/06/2025", progress=30, deadline=dt.date(2025, 5, 31)),  # re-sent, changed
        task_row("XA-1", report="30/06/2025", progress=100, status="Hoàn thành", deadline=dt.date(2025, 6, 14),
                 **moved),  # moved, its report unchanged (it stays the first upload's row)
        task_row("LD-7", report="01/07/2025", **moved),
        task_row("LD-8", report="01/07/2025", plan="CT-LD"),
    ], "second.xlsx")
    _assert_equal_to_live(engine, codes, DATES, (None, "CT-LD"))
    assert _uploaded_rows(engine, "VN") == 7  # the first upload's 5 rows left, the second's LD-1 and LD-7
    assert _uploaded_rows(engine, LD[1].code) == 3 and _uploaded_rows(engine, LD[0].code) == 0
    _assert_same_rows_as_rebuilt(engine)
    weekly = _import(engine, admin, [
        task_row("LD-1", report="14/07/2025", progress=60, deadline=dt.date(2025, 5, 31)),
        task_row("LD-7", report="14/07/2025", progress=10, **moved),
        task_row("HN-1", province="Hà Nội", report="14/07/2025", deadline=dt.date(2025, 5, 20)),
    ], "weekly.xlsx")
    later = DATES + [dt.date(2025, 7, 14)]
    _assert_equal_to_live(engine, codes, later)
    assert _uploaded_rows(engine, "VN") == 10 and _uploaded_rows(engine, "01") == 2
    _assert_same_rows_as_rebuilt(engine)
    withdraw_upload(weekly, actor="admin", is_admin=True, engine=engine)
    withdraw_upload(second, actor="admin", is_admin=True, engine=engine)  # LD-1's row back to the first upload
    _assert_equal_to_live(engine, codes, later)
    assert _uploaded_rows(engine, "VN") == 6 and _uploaded_rows(engine, LD[0].code) == 2
    _assert_same_rows_as_rebuilt(engine)
    with engine.begin() as conn:  # a script stores a report without its row and one with another upload's
        conn.execute(update(TaskReport).where(TaskReport.report_date == dt.date(2025, 5, 21)).values(source_row=None))
        conn.execute(update(TaskReport).where(TaskReport.report_date == dt.date(2025, 6, 15),
                                              TaskReport.task_id.in_(select(Task.id).where(Task.code == "LD-1")))
                     .values(upload_id=second, source_row=2))
    _assert_equal_to_live(engine, codes, later, served=False)
    last = _import(engine, admin, [task_row("HN-3", province="Hà Nội", report="01/07/2025")], "last.xlsx")
    _assert_equal_to_live(engine, codes, later)
    assert _uploaded_rows(engine, "01") == 2  # HN-1 without its row (one per upload), HN-3
    assert _uploaded_rows(engine, "VN") == 7
    _assert_same_rows_as_rebuilt(engine)
    withdraw_upload(last, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, codes, later)
    assert _uploaded_rows(engine, "01") == 1 and _uploaded_rows(engine, "VN") == 6


def test_the_uploaded_rows_of_each_kind_come_from_its_count_or_the_definition(world, monkeypatch):
    """The reports' and the values' uploaded rows each from its count or, when that may not be read, from its
    definition, and from the definition of both once an upload stored both kinds (a row stored as both counts
    once): equal to the definition every way."""
    engine, admin, first = world
    codes = ["VN", "68", LD[0].code]
    hn = communes("01", 1)[0]
    result = import_file(workbook_bytes([indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 3, 30.0),
                                         indicator_row("Hà Nội", None, hn.code, "05/2025", 4, 40.0)],
                                        INDICATOR_HEADERS), "values.xlsx", engine=engine, account=admin, today=TODAY)
    assert result.status == "imported"
    for summaries in ({}, {"NQ57_TASK_SUMMARY": "0"}, {"NQ57_INDICATOR_SUMMARY": "0"}):
        with monkeypatch.context() as patch:
            for name, value in summaries.items():
                patch.setenv(name, value)
            _assert_quality_equal_to_live(engine, codes)
    assert _uploaded_rows(engine, "VN") == 6 + 2
    with engine.begin() as conn:  # a script stores LD[0]'s values from the row of a report of the first upload
        row = conn.execute(select(TaskReport.source_row).where(TaskReport.upload_id == first)
                           .join(Task, Task.id == TaskReport.task_id).where(Task.code == "XA-1").limit(1)).scalar_one()
        conn.execute(update(IndicatorValue).where(IndicatorValue.unit_code == LD[0].code)
                     .values(upload_id=first, source_row=row))
    result = import_file(workbook_bytes([indicator_row("Hà Nội", None, hn.code, "06/2025", 5, 50.0)],
                                        INDICATOR_HEADERS), "june.xlsx", engine=engine, account=admin, today=TODAY)
    assert result.status == "imported"  # the indicator summary rebuilt: both counts current again
    assert rollups.uploaded_report_rows(get_unit("VN", engine), engine) is not None
    assert indicator_rollups.uploaded_rows(get_unit("VN", engine), engine) is not None
    _assert_quality_equal_to_live(engine, codes)
    assert _uploaded_rows(engine, "VN") == 6 + 1 + 1  # LD[0]'s values on a report's row: counted once


def _assert_quality_equal_to_live(engine, codes) -> None:
    summary = {code: data_quality.quality(code, DATES[-1], engine=engine) for code in codes}
    with rollups.live():
        for code in codes:
            assert summary[code] == data_quality.quality(code, DATES[-1], engine=engine), code


def _assert_same_rows_as_rebuilt(engine) -> None:
    maintained = _change_rows(engine)
    rollups.rebuild_database(engine)
    assert _change_rows(engine) == maintained


def test_approved_only_mode_keeps_the_live_definition(world):
    engine, admin, _ = world
    approver = accounts.create_account("tw.duyet", PASSWORD, "approver", "VN", actor="cli:test", engine=engine)
    change_setting("figures_counted", "approved", engine, user="cli:test")
    june = dt.date(2025, 6, 30)
    assert rollups.status_counts(get_unit("68", engine), june, engine) is None  # not the summary
    assert tasks.task_status("68", june, engine)["total"] == 0  # nothing approved yet
    approvals.decide("approve", "68", dt.date(2025, 6, 1), actor="tw.duyet", account=approver, engine=engine)
    counted = tasks.task_status("68", june, engine)
    with rollups.live():
        assert counted == tasks.task_status("68", june, engine)
    assert counted["total"] == 3  # the province's approval covers its communes: XA-1 too
    change_setting("figures_counted", "submitted", engine, user="cli:test")
    _assert_equal_to_live(engine, ["VN", "68", LD[0].code], DATES)


def test_the_migration_backfills_the_summary_from_stored_reports(empty_engine):
    """Revision 0020 on a database holding tasks: the summary is built from them and current."""
    from alembic import command

    from data_loaders.store import engine as db
    from tests.support.builder import Builder

    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0019")
    build = Builder(empty_engine)
    build.task("B-1", dt.date(2025, 6, 14), [(dt.date(2025, 5, 20), "on_schedule", 20),
                                              (dt.date(2025, 6, 30), "completed", 100)])
    build.task("B-2", dt.date(2025, 5, 31), [(dt.date(2025, 6, 15), "on_schedule", 40)], owner="68")
    build.task("B-3", dt.date(2025, 5, 20), [(dt.date(2025, 5, 21), "on_schedule", 10)], owner="01")
    build.commit()
    command.upgrade(config, "head")
    _assert_equal_to_live(empty_engine, ["VN", "68", "01", LD[0].code], DATES)
    assert tasks.task_status("VN", dt.date(2025, 6, 20), empty_engine) == \
        {"total": 3, "completed": 0, "on_schedule": 0, "overdue": 3}
