"""The provincial DTI main indices end to end (issue 15, item 5), on both backends: the entries exist
after the upgrade, the yearly template lists the 34 provinces with the year as period, the sample
workbook and a filled template import, the ranking lists the 34 provinces sorted beside their on-time
task rate (the accountability figure, unchanged), and the national KPI rows stay as they were."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from data_loaders.figures import accountability, dti, headline
from data_loaders.figures.indicators import added_indicators
from data_loaders.figures.scope import latest_data_date
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.templates import template_bytes
from data_loaders.seed import sample
from data_loaders.store import dti as dti_catalogue
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import SAMPLE_USER, IndicatorValue, Upload
from tests.support.cli import run_cli

JUNE = dt.date(2025, 6, 30)
HEADER_ROW = 4


def _rows(workbook: openpyxl.Workbook) -> list[tuple]:
    sheet = workbook.worksheets[0]
    return [row for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if any(row)]


def test_entries_exist_after_upgrade(empty_engine):
    catalogue = indicator_catalogue(empty_engine, scope="VN")
    assert [i.code for i in catalogue[:10]] == [i.code for i in INDICATORS]  # the ten NQ57 ones first, as before
    entries = [i for i in catalogue if i.group == "dti"]
    assert [i.code for i in entries] == list(dti_catalogue.CODES)
    assert entries[0].vi == "Chỉ số chuyển đổi số cấp tỉnh (DTI)"
    assert {i.vi for i in entries[1:]} >= {"Chỉ số Nhận thức số", "Chỉ số Thể chế số", "Chỉ số Hạ tầng số",
                                           "Chỉ số Nhân lực số", "Chỉ số An toàn thông tin mạng",
                                           "Chỉ số Chính quyền số", "Chỉ số Kinh tế số", "Chỉ số Xã hội số"}
    for entry in entries:
        assert (entry.frequency, entry.levels, entry.rollup, entry.higher_is_better, entry.owner_province_code) == (
            "yearly", ("province",), "none", True, None)
        assert (entry.plausible.minimum, entry.plausible.maximum, entry.plausible.integer) == (0, 1, False)
        assert not entry.builtin
    # kept out of the NQ57 pages' KPI rows and added sections
    assert not any(i.group == "dti" for page in ("infrastructure", "ecosystem")
                   for i in added_indicators(catalogue, page))


def test_yearly_template_lists_the_34_provinces_with_the_year(seeded_url, tmp_path):
    out = tmp_path / "dti.xlsx"
    result = run_cli(seeded_url, "template", "indicators", "--frequency", "yearly", "--year", "2025", "--out", str(out))
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(out)
    headers = [cell.value for cell in workbook.worksheets[0][HEADER_ROW] if cell.value]
    assert headers[4] == "Kỳ báo cáo" and len(headers) == 5 + len(dti_catalogue.CODES)
    assert headers[5] == "Chỉ số chuyển đổi số cấp tỉnh (DTI) (chỉ số 0–1)"
    rows = _rows(workbook)
    assert len(rows) == 34 and len({row[0] for row in rows}) == 34
    assert all(row[2] is None and row[4] == dt.datetime(2025, 12, 1) for row in rows)
    # usage errors are exit 2, nothing written
    assert run_cli(seeded_url, "template", "tasks", "--frequency", "yearly", "--out", str(tmp_path / "x.xlsx")
                   ).returncode == 2
    assert run_cli(seeded_url, "template", "indicators", "--year", "2025", "--out", str(tmp_path / "y.xlsx")
                   ).returncode == 2
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "y.xlsx").exists()


def test_sample_workbook_is_labelled_and_loaded(seeded_engine):
    workbook = openpyxl.load_workbook(sample.SAMPLE_DIR / sample.DTI_FILE)
    assert "DỮ LIỆU MẪU – không phải số liệu chính thức" in workbook.worksheets[0]["A2"].value
    assert len(_rows(workbook)) == 34
    with seeded_engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(IndicatorValue).join(Upload)
                             .where(IndicatorValue.indicator_code.in_(dti_catalogue.CODES),
                                    Upload.uploaded_by == SAMPLE_USER, Upload.file_name == sample.DTI_FILE)
                             ).scalar_one()
    assert count == 34 * len(dti_catalogue.CODES)


def test_ranking_lists_the_34_provinces_sorted_beside_task_progress(seeded_engine):
    rows = dti.ranking_beside_tasks("VN", JUNE, seeded_engine)
    assert len(rows) == 34 and all(row["sample"] and row["year"] == sample.DTI_YEAR for row in rows)
    scores = [row["indices"][dti_catalogue.OVERALL] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert [row["dti_rank"] for row in rows] == [1 + scores.index(score) for score in scores]  # ties share a place
    assert all(0 <= score <= 1 for score in scores) and rows[0]["ranked"] == 34
    tasks = {row["key"]: row for row in accountability.ranking("VN", JUNE, "child", seeded_engine)
             if not row.get("own")}
    for row in rows:  # the task figures are the accountability ranking's, not a new definition
        assert (row["on_time_rate"], row["task_rank"], row["tasks"]) == (
            tasks[row["code"]]["on_time_rate"], tasks[row["code"]]["rank"], tasks[row["code"]]["total"])
    # before the sample's year there is no DTI: every province unranked, still listed
    early = dti.ranking_beside_tasks("VN", dt.date(2024, 11, 30), seeded_engine)
    assert len(early) == 34 and all(row["dti_rank"] is None for row in early)
    # a province sees its own row, with its place among the 34
    own = dti.ranking_beside_tasks("68", JUNE, seeded_engine)
    assert [row["code"] for row in own] == ["68"] and own[0] == next(r for r in rows if r["code"] == "68")


def test_national_kpi_rows_unchanged(seeded_engine):
    summary = headline.summary("VN", JUNE, seeded_engine)
    values = summary["indicators"]
    assert list(values)[:10] == [i.code for i in INDICATORS]
    assert (values["fiveg_stations"], values["fiveg_coverage_pct"], values["population"]) == (12106, 26.5, 101_300_000)
    assert not set(values) & set(dti_catalogue.CODES)  # not rolled up to the nation: not in its summary
    province = headline.summary("68", JUNE, seeded_engine)["indicators"]
    ranked = next(r for r in dti.ranking_beside_tasks("VN", JUNE, seeded_engine) if r["code"] == "68")
    assert list(province)[:10] == [i.code for i in INDICATORS]
    assert province["dti_overall"] == pytest.approx(ranked["indices"]["dti_overall"])
    commune = headline.summary("24781", JUNE, seeded_engine)["indicators"]
    assert not set(commune) & set(dti_catalogue.CODES)
    assert latest_data_date(seeded_engine) == JUNE  # the yearly sample did not move the default date


def test_a_filled_template_imports_as_uploaded_not_sample(empty_engine):
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes("indicators", frequency="yearly", year=2024,
                                                                engine=empty_engine)))
    sheet = workbook.worksheets[0]
    for offset in range(34):
        for column in range(6, 6 + len(dti_catalogue.CODES)):
            sheet.cell(row=HEADER_ROW + 1 + offset, column=column, value=round(0.3 + offset * 0.01, 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_file(buffer.getvalue(), "dti_2024.xlsx", user="cli:test", engine=empty_engine)
    assert result.status == "imported", result.errors[:3]
    assert result.created == 34 * len(dti_catalogue.CODES)
    rows = dti.ranking_beside_tasks("VN", JUNE, empty_engine)
    assert len(rows) == 34 and not any(row["sample"] for row in rows)
    assert rows[0]["indices"][dti_catalogue.OVERALL] == pytest.approx(0.63)
    # a value outside 0–1 is a cell error and changes nothing
    sheet.cell(row=HEADER_ROW + 1, column=6, value=1.5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rejected = import_file(buffer.getvalue(), "dti_bad.xlsx", user="cli:test", engine=empty_engine)
    assert rejected.status == "rejected"
    assert dti.ranking_beside_tasks("VN", JUNE, empty_engine) == rows
