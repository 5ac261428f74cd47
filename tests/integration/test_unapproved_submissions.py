"""What every leader's view says its figures count (ingest/approvals.py `unapproved_submissions`, the
counting line): with the task report counts maintained at commit current, the owners with reports in the
month come from them (figures/rollups.py `report_owners`), not from the reports, and the submissions
are those the reports give — nationally, in a province and a commune, at the month's first and last
day, with the nation's own tasks left out, with approvals by the unit and by its province, in
approved-only mode; after rows written around the application the reports are read until the next
maintained write. Both backends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, insert, select

from data_loaders.figures import rollups
from data_loaders.figures.scope import get_unit
from data_loaders.identity.admin import change_setting
from data_loaders.ingest import approvals
from data_loaders.store.models import Approval, Task, TaskReport
from tests.support.builder import COMMUNE, OTHER_COMMUNE, Builder
from tests.support.fixtures.workbooks import communes

D = dt.date
HN_COMMUNE = communes("01", 1)[0].code
CODES = ["VN", "68", "01", COMMUNE, OTHER_COMMUNE, HN_COMMUNE]
MONTHS = [D(2025, 5, 1), D(2025, 6, 17), D(2025, 7, 31), D(2025, 8, 1)]
READS_REPORTS = re.compile(r"\btask_report\b(?!_)", re.IGNORECASE)  # the reports, not their counts


@pytest.fixture
def world(empty_engine):
    """The nation's own task (never a submission); Lâm Đồng's own task reported on 31/05 and 01/06; a
    commune's task and values in June, another commune's values in June and task in July; a Hà Nội commune's
    task in June and values in May. The summary rebuilt: current."""
    engine = empty_engine
    build = Builder(engine)
    build.task("TW-1", D(2025, 12, 31), [(D(2025, 6, 10), "on_schedule", 10), (D(2025, 8, 5), "on_schedule", 20)],
               owner="VN", agency="Bộ Khoa học và Công nghệ")
    build.task("LD-1", D(2025, 12, 31), [(D(2025, 5, 31), "on_schedule", 10), (D(2025, 6, 1), "on_schedule", 20)],
               owner="68")
    build.task("XA-1", D(2025, 12, 31), [(D(2025, 6, 30), "on_schedule", 30)], owner=COMMUNE)
    build.task("XA-2", D(2025, 12, 31), [(D(2025, 7, 1), "on_schedule", 30)], owner=OTHER_COMMUNE)
    build.task("HN-1", D(2025, 12, 31), [(D(2025, 6, 15), "on_schedule", 30)], owner=HN_COMMUNE)
    build.value(COMMUNE, D(2025, 6, 30), "fiveg_stations", 3)
    build.value(OTHER_COMMUNE, D(2025, 6, 30), "fiveg_stations", 2)
    build.value(HN_COMMUNE, D(2025, 5, 31), "fiveg_stations", 1)
    build.commit()
    rollups.rebuild_database(engine)
    return engine


class Statements:
    """The SQL statements run on an engine while it listens."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    @property
    def read_reports(self) -> bool:
        return any(READS_REPORTS.search(statement) for statement in self.seen)


def _counted(engine) -> dict:
    return {(code, day): approvals.unapproved_submissions(code, day, engine) for code in CODES for day in MONTHS}


def _assert_equal_to_the_reports(engine, *, served: bool = True) -> dict:
    with Statements(engine) as statements:
        summary = _counted(engine)
    assert statements.read_reports is not served  # the counts answered, or the reports when not current
    with rollups.live(), Statements(engine) as statements:
        assert rollups.report_owners(get_unit("VN", engine), *MONTHS[:2]) is None
        reports = _counted(engine)
    assert statements.read_reports
    for key, value in reports.items():
        assert summary[key] == value, key
    return summary


def _approve(engine, unit_code: str, period: dt.date) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Approval).values(unit_code=unit_code, period=period, state="approved",
                                             decided_by="test", decided_at=dt.datetime.now(dt.timezone.utc)))


def test_the_report_counts_answer_with_the_submissions_the_reports_give(world):
    engine = world
    counted = _assert_equal_to_the_reports(engine)
    june, may, july, august = D(2025, 6, 17), D(2025, 5, 1), D(2025, 7, 31), D(2025, 8, 1)
    # June: Lâm Đồng's own task (01/06), both its communes, the Hà Nội commune; not the nation's task
    assert counted[("VN", june)] == {"unapproved": 4, "submissions": 4}
    assert counted[("68", june)] == {"unapproved": 3, "submissions": 3}
    assert counted[("01", june)] == counted[(HN_COMMUNE, june)] == {"unapproved": 1, "submissions": 1}
    # May: the province's task (31/05) and the Hà Nội commune's values; July: a task; August: the nation's only
    assert counted[("VN", may)] == {"unapproved": 2, "submissions": 2}
    assert counted[("VN", july)] == counted[(OTHER_COMMUNE, july)] == {"unapproved": 1, "submissions": 1}
    assert counted[("VN", august)] == {"unapproved": 0, "submissions": 0}
    # approved by the commune's province's approver, and a province by the centre (covering its communes)
    _approve(engine, COMMUNE, D(2025, 6, 1))
    _approve(engine, "01", D(2025, 6, 1))
    counted = _assert_equal_to_the_reports(engine)
    assert counted[("VN", june)] == {"unapproved": 2, "submissions": 4}
    assert counted[(HN_COMMUNE, june)] == {"unapproved": 0, "submissions": 1}
    # approved-only mode: the same submissions (every stored report and value is one), from the counts still
    change_setting("figures_counted", "approved", engine, user="cli:test")
    assert _assert_equal_to_the_reports(engine) == counted


def test_rows_written_around_the_application_are_read_from_the_reports(world):
    engine = world
    with engine.begin() as conn:  # a script adds a report: the counts are not current
        task_id = conn.execute(select(Task.id).where(Task.code == "HN-1")).scalar_one()
        conn.execute(insert(TaskReport).values(task_id=task_id, report_date=D(2025, 8, 31), status="on_schedule",
                                               progress_pct=50.0))
    counted = _assert_equal_to_the_reports(engine, served=False)
    assert counted[("VN", D(2025, 8, 1))] == {"unapproved": 1, "submissions": 1}
    rollups.rebuild_database(engine)  # as the next maintained write does
    assert _assert_equal_to_the_reports(engine) == counted
