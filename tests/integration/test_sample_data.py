"""The sample generator is deterministic, the committed workbooks are what it writes, and loading
them through the importer round-trips every value and task exactly."""

from __future__ import annotations

import random

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from data_loaders.seed import sample
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport
from data_loaders.units.divisions import all_units
from tests.support import PROJECT_DIR


def _cells(path) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_generator_rewrites_the_committed_workbooks(tmp_path):
    sample.generate(tmp_path)
    for name in (sample.DTI_FILE, sample.INDICATORS_FILE, sample.TASKS_FILE):
        assert _cells(tmp_path / name) == _cells(PROJECT_DIR / "sample_data" / name), name


@pytest.fixture(scope="module")
def generated():
    rng = random.Random(sample.SEED)
    units = all_units()
    communes = [u for u in units if u.level == "commune"]
    return sample.indicator_rows(rng, communes), sample.sample_tasks(rng, units)


def test_indicator_values_round_trip(seeded_engine, generated):
    rows, _tasks = generated
    codes = [i.code for i in INDICATORS]
    with seeded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IndicatorValue)
                            .where(IndicatorValue.indicator_code.in_(codes))).scalar_one() == len(rows) * len(codes)
        for row in random.Random(1).sample(rows, 60):
            stored = dict(conn.execute(
                select(IndicatorValue.indicator_code, IndicatorValue.value)
                .where(IndicatorValue.unit_code == row["unit"].code, IndicatorValue.period == row["period"])
            ).all())
            assert stored == {code: pytest.approx(row[code]) for code in codes}, (row["unit"].code, row["period"])


def test_tasks_and_reports_round_trip(seeded_engine, generated):
    _rows, tasks = generated
    with seeded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Task)).scalar_one() == len(tasks)
        reports = conn.execute(select(func.count()).select_from(TaskReport)).scalar_one()
        assert reports == sum(len(t.reports) for t in tasks)
        for task in random.Random(2).sample(tasks, 40):
            stored = conn.execute(
                select(Task.id, Task.title, Task.plan, Task.area, Agency.name, Task.owner_unit_code,
                       Task.responsible_official, Task.deadline)
                .join(Agency, Agency.id == Task.lead_agency_id).where(Task.code == task.code)
            ).one()
            assert tuple(stored)[1:] == (task.title, task.plan, task.area, task.lead_agency, task.owner.code,
                                         task.responsible_official, task.deadline)
            reports = conn.execute(
                select(TaskReport.report_date, TaskReport.status, TaskReport.progress_pct, TaskReport.note)
                .where(TaskReport.task_id == stored.id).order_by(TaskReport.report_date)
            ).all()
            assert [tuple(r) for r in reports] == [tuple(r) for r in task.reports]
