"""Rollups are consistent at every level, and status at a date follows the rules:

- counts: the children (plus the unit's own group: central ministries at the national level, the
  province's own tasks at the province level) add up to the parent;
- percentages: the population-weighted mean of the children equals the parent;
- a task's status at a date is its latest report on or before that date (a report dated exactly
  on the date counts); overdue is derived: not completed and deadline strictly before the date.

The first half checks the seeded sample; the second builds a tiny database whose answers are
known by hand, importing a workbook written with the canonical headers (data_loaders/formats.py).
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import insert, select

from data_loaders import figures
from data_loaders.ingest.formats import TASKS
from data_loaders.ingest.importer import import_file
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.models import IndicatorValue, Task

TASK_KEYS = ("total", "completed", "on_schedule", "overdue")
COUNT_INDICATORS = tuple(i.code for i in INDICATORS if i.rollup == "sum")
PERCENT_INDICATORS = tuple(i.code for i in INDICATORS if i.rollup == "population_weighted")
DATES = [dt.date(2025, 3, 31), dt.date(2025, 6, 30)]
# Hà Nội, Cao Bằng (few communes), Lâm Đồng, Hồ Chí Minh City
PROVINCES = ["01", "04", "68", "79"]


def _sum_rows(rows: list[dict], keys) -> dict:
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def _weighted_mean(rows: list[dict], code: str) -> float:
    weighted = [(row[code], row["population"]) for row in rows if row[code] is not None]
    return sum(value * weight for value, weight in weighted) / sum(weight for _, weight in weighted)


# --- the seeded sample ------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_national_tasks_are_provinces_plus_central_group(seeded_engine, as_of):
    rows = figures.task_status_by_child("VN", as_of, seeded_engine)
    own = [row for row in rows if row["own"]]
    assert [row["code"] for row in own] == ["VN"], "central ministries' tasks form their own group"
    assert own[0]["total"] > 0
    assert len(rows) == 1 + 34
    assert _sum_rows(rows, TASK_KEYS) == figures.task_status("VN", as_of, seeded_engine)
    for row in rows:
        assert row["total"] == row["completed"] + row["on_schedule"] + row["overdue"], row


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_each_province_row_equals_the_province(seeded_engine, as_of):
    rows = [row for row in figures.task_status_by_child("VN", as_of, seeded_engine) if not row["own"]]
    values = {row["code"]: row for row in figures.indicators_by_child("VN", as_of, seeded_engine)}
    for row in rows:
        assert {k: row[k] for k in TASK_KEYS} == figures.task_status(row["code"], as_of, seeded_engine), row["code"]
    for code in PROVINCES:
        totals = figures.indicator_totals(code, as_of, seeded_engine)
        for indicator in COUNT_INDICATORS + PERCENT_INDICATORS:
            assert values[code][indicator] == pytest.approx(totals[indicator], rel=1e-9, abs=1e-6), (code, indicator)


@pytest.mark.parametrize("as_of", DATES, ids=str)
@pytest.mark.parametrize("province", PROVINCES)
def test_province_tasks_are_communes_plus_own(seeded_engine, province, as_of):
    rows = figures.task_status_by_child(province, as_of, seeded_engine)
    own = [row for row in rows if row["own"]]
    assert all(row["code"] == province for row in own)
    communes = [row for row in rows if not row["own"]]
    assert len(communes) == figures.child_count(province, seeded_engine)
    assert _sum_rows(rows, TASK_KEYS) == figures.task_status(province, as_of, seeded_engine)


@pytest.mark.parametrize("as_of", DATES, ids=str)
@pytest.mark.parametrize("unit", ["VN", *PROVINCES])
def test_count_indicators_add_up(seeded_engine, unit, as_of):
    rows = figures.indicators_by_child(unit, as_of, seeded_engine)
    totals = figures.indicator_totals(unit, as_of, seeded_engine)
    sums = _sum_rows(rows, COUNT_INDICATORS)
    for code in COUNT_INDICATORS:
        assert sums[code] == pytest.approx(totals[code] or 0, rel=1e-9, abs=1e-6), code


@pytest.mark.parametrize("as_of", DATES, ids=str)
@pytest.mark.parametrize("unit", ["VN", *PROVINCES])
def test_percentages_are_population_weighted_means_of_children(seeded_engine, unit, as_of):
    rows = figures.indicators_by_child(unit, as_of, seeded_engine)
    totals = figures.indicator_totals(unit, as_of, seeded_engine)
    for code in PERCENT_INDICATORS:
        assert 0 <= totals[code] <= 100
        assert _weighted_mean(rows, code) == pytest.approx(totals[code], abs=1e-6), code


def test_national_summary_matches_the_rollup_functions(seeded_engine):
    as_of = DATES[-1]
    result = figures.summary("VN", as_of, seeded_engine)
    assert result["tasks"] == figures.task_status("VN", as_of, seeded_engine)
    population = sum(row["population"] for row in figures.indicators_by_child("VN", as_of, seeded_engine))
    assert result["indicators"]["population"] == round(population)


# --- a tiny database whose answers are known by hand -----------------------------------------

# (task code, province code, commune code, deadline, [(report date, status, progress)])
TINY_TASKS = [
    # a central ministry's task, completed by a report dated exactly 31 March
    ("T-VN", "VN", None, dt.date(2025, 6, 30),
     [(dt.date(2025, 1, 15), "Đang thực hiện", 10), (dt.date(2025, 3, 31), "Đã hoàn thành", 100)]),
    # Cao Bằng's own task, deadline 31 March: not overdue on 31 March, overdue on 1 April
    ("T-04", "04", None, dt.date(2025, 3, 31),
     [(dt.date(2025, 2, 1), "Đang thực hiện", 20), (dt.date(2025, 4, 2), "Đã hoàn thành", 100)]),
    # Phường Ba Đình's task, never started, deadline 30 March
    ("T-00004", "01", "00004", dt.date(2025, 3, 30),
     [(dt.date(2025, 1, 10), "Chưa triển khai", 0)]),
    # reported for the first time after 31 March: does not exist yet on 31 March
    ("T-00008", "01", "00008", dt.date(2025, 5, 31),
     [(dt.date(2025, 4, 15), "Đang thực hiện", 30)]),
]


def _tasks_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = TASKS.sheet_vi
    keys = [column.key for column in TASKS.columns]
    sheet.append([column.vi for column in TASKS.columns])  # the canonical Vietnamese headers
    for code, province, commune, deadline, reports in TINY_TASKS:
        for report_date, status, progress in reports:
            row = {
                "task_code": code, "title": f"Nhiệm vụ {code}", "plan": "02-KH/BCĐTW", "area": "Chuyển đổi số",
                "lead_agency": "Bộ Khoa học và Công nghệ", "province_code": province, "commune_code": commune,
                "responsible_official": "Nguyễn Văn A", "deadline": deadline, "report_date": report_date,
                "status": status, "progress_pct": progress,
            }
            sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def tiny_engine(module_empty_engine):
    """The tiny world, built once per backend: its tests only read it."""
    empty_engine = module_empty_engine
    result = import_file(_tasks_workbook(), "tiny_tasks.xlsx", user="test", engine=empty_engine,
                         today=dt.date(2025, 7, 1))
    assert result.status == "imported", [problem.as_json() for problem in result.errors]
    with empty_engine.connect() as conn:
        owners = {row.code: row.owner_unit_code for row in conn.execute(select(Task.code, Task.owner_unit_code))}
    assert owners == {"T-VN": "VN", "T-04": "04", "T-00004": "00004", "T-00008": "00008"}
    # Indicators straight into the table (SQLAlchemy Core): two communes of Hà Nội, one of Cao Bằng.
    values = [
        ("00004", dt.date(2025, 1, 31), {"population": 1000, "fiveg_stations": 3, "fiveg_coverage_pct": 10.0}),
        ("00004", dt.date(2025, 3, 31), {"population": 1000, "fiveg_stations": 5, "fiveg_coverage_pct": 20.0}),
        ("00008", dt.date(2025, 2, 28), {"population": 3000, "fiveg_stations": 2, "fiveg_coverage_pct": 60.0}),
        ("00008", dt.date(2025, 4, 30), {"population": 3000, "fiveg_stations": 9, "fiveg_coverage_pct": 80.0}),
    ]
    cao_bang_commune = figures.child_units("04", empty_engine)[0].code
    values.append((cao_bang_commune, dt.date(2025, 3, 31),
                   {"population": 4000, "fiveg_stations": 1, "fiveg_coverage_pct": 5.0}))
    rows = [{"indicator_code": code, "unit_code": unit, "period": period, "value": float(value)}
            for unit, period, figures in values for code, value in figures.items()]
    with empty_engine.begin() as conn:
        conn.execute(insert(IndicatorValue), rows)
    return empty_engine


def _status(total, completed, on_schedule, overdue) -> dict:
    return {"total": total, "completed": completed, "on_schedule": on_schedule, "overdue": overdue}


@pytest.mark.parametrize(("as_of", "expected"), [
    # before any report: nothing exists yet
    (dt.date(2025, 1, 9), _status(0, 0, 0, 0)),
    # every deadline on or after the date: nothing overdue (T-00004's deadline is the date itself)
    (dt.date(2025, 3, 30), _status(3, 0, 3, 0)),
    # T-VN's completion report is dated exactly on the date; T-04's deadline is the date (not
    # overdue); T-00004's deadline has passed; T-00008 has no report yet
    (dt.date(2025, 3, 31), _status(3, 1, 1, 1)),
    # T-04's deadline has passed, its completion report (2 April) is still in the future
    (dt.date(2025, 4, 1), _status(3, 1, 0, 2)),
    (dt.date(2025, 4, 2), _status(3, 2, 0, 1)),
    (dt.date(2025, 6, 30), _status(4, 2, 0, 2)),
], ids=lambda value: value.isoformat() if isinstance(value, dt.date) else "expected")
def test_status_at_a_date_uses_the_latest_report_on_or_before_it(tiny_engine, as_of, expected):
    assert figures.task_status("VN", as_of, tiny_engine) == expected


def test_tiny_rollup_by_child(tiny_engine):
    as_of = dt.date(2025, 3, 31)
    national = {row["code"]: row for row in figures.task_status_by_child("VN", as_of, tiny_engine)}
    assert national["VN"]["own"] and national["VN"]["completed"] == 1 and national["VN"]["total"] == 1
    assert {k: national["04"][k] for k in TASK_KEYS} == _status(1, 0, 1, 0)
    assert {k: national["01"][k] for k in TASK_KEYS} == _status(1, 0, 0, 1)
    assert _sum_rows(national.values(), TASK_KEYS) == figures.task_status("VN", as_of, tiny_engine)

    cao_bang = figures.task_status_by_child("04", as_of, tiny_engine)
    assert [row["code"] for row in cao_bang if row["own"]] == ["04"]  # the province's own tasks
    assert _sum_rows(cao_bang, TASK_KEYS) == figures.task_status("04", as_of, tiny_engine) == _status(1, 0, 1, 0)

    ha_noi = {row["code"]: row for row in figures.task_status_by_child("01", as_of, tiny_engine)}
    assert not any(row["own"] for row in ha_noi.values())
    assert {k: ha_noi["00004"][k] for k in TASK_KEYS} == _status(1, 0, 0, 1)
    assert figures.task_status("00004", as_of, tiny_engine) == _status(1, 0, 0, 1)
    assert figures.task_status("00008", as_of, tiny_engine) == _status(0, 0, 0, 0)
    assert figures.task_status("00008", dt.date(2025, 6, 30), tiny_engine) == _status(1, 0, 0, 1)


def test_tiny_indicators_take_the_latest_value_on_or_before_the_date(tiny_engine):
    # 31 March: Ba Đình's March value (reported exactly on the date) and Ngọc Hà's February one
    ha_noi = figures.indicator_totals("01", dt.date(2025, 3, 31), tiny_engine)
    assert ha_noi["fiveg_stations"] == 5 + 2
    assert ha_noi["population"] == 4000
    assert ha_noi["fiveg_coverage_pct"] == pytest.approx((20 * 1000 + 60 * 3000) / 4000, abs=1e-9)
    # the day before: Ba Đình's January value
    assert figures.indicator_totals("01", dt.date(2025, 3, 30), tiny_engine)["fiveg_stations"] == 3 + 2
    # the end of June: Ngọc Hà's April value
    june = figures.indicator_totals("01", dt.date(2025, 6, 30), tiny_engine)
    assert june["fiveg_stations"] == 5 + 9
    assert june["fiveg_coverage_pct"] == pytest.approx((20 * 1000 + 80 * 3000) / 4000, abs=1e-9)
    # nothing reported yet, and an indicator nobody reported: None, not zero
    assert figures.indicator_totals("01", dt.date(2025, 1, 1), tiny_engine)["fiveg_coverage_pct"] is None
    assert june["ai_experts"] is None


def test_tiny_national_percentage_is_population_weighted(tiny_engine):
    as_of = dt.date(2025, 3, 31)
    national = figures.indicator_totals("VN", as_of, tiny_engine)
    assert national["fiveg_stations"] == 5 + 2 + 1
    expected = (20 * 1000 + 60 * 3000 + 5 * 4000) / 8000
    assert national["fiveg_coverage_pct"] == pytest.approx(expected, abs=1e-9)
    rows = [row for row in figures.indicators_by_child("VN", as_of, tiny_engine) if row["population"]]
    assert {row["code"] for row in rows} == {"01", "04"}
    assert _weighted_mean(rows, "fiveg_coverage_pct") == pytest.approx(expected, abs=1e-9)
