"""Templates cut to a scope: a province's staff or a commune clerk get only their units, and the
indicator template names each commune on a row, ready for the figures."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from data_loaders import figures
from data_loaders.ingest import importer
from data_loaders.ingest.templates import scope_units, template_bytes
from data_loaders.units.divisions import all_units
from tests.support.auth_helpers import ensure_account

LAM_DONG = "68"
XUAN_HUONG = "24781"  # Phường Xuân Hương - Đà Lạt


def _communes_of(province: str) -> set[str]:
    return {u.code for u in all_units() if u.level == "commune" and u.province_code == province}


def _lists(workbook) -> dict[str, list]:
    sheet = workbook["Danh mục"]
    columns = {}
    for column in sheet.iter_cols(values_only=True):
        if column and column[0]:
            columns[column[0]] = [value for value in column[1:] if value is not None]
    return columns


def test_national_template_offers_every_unit():
    lists = _lists(openpyxl.load_workbook(io.BytesIO(template_bytes("tasks"))))
    assert lists["list_province"][0] == "Trung ương" and len(lists["list_province"]) == 35
    assert len([name for name in lists if str(name).startswith("XA_")]) == 34


@pytest.mark.parametrize("kind", ["tasks", "indicators"])
def test_a_province_template_offers_only_the_province_and_its_communes(kind, empty_engine):
    lists = _lists(openpyxl.load_workbook(io.BytesIO(template_bytes(kind, LAM_DONG, engine=empty_engine))))
    assert lists["list_province"] == ["Lâm Đồng"]
    assert [name for name in lists if str(name).startswith("XA_")] == [f"XA_{LAM_DONG}"]
    names = {u.name for u in all_units() if u.code in _communes_of(LAM_DONG)}
    assert set(lists["list_commune"]) == names and set(lists[f"XA_{LAM_DONG}"]) == names


def test_the_indicator_template_names_each_commune_of_the_scope(empty_engine):
    template = template_bytes("indicators", LAM_DONG, engine=empty_engine)
    sheet = openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True) if any(value is not None for value in row)]
    assert {row[2] for row in rows} == _communes_of(LAM_DONG)
    assert all(row[0] == LAM_DONG and row[1] == "Lâm Đồng" and row[4] is None for row in rows)
    template = template_bytes("indicators", XUAN_HUONG, engine=empty_engine)
    commune = openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]
    assert [row[:4] for row in commune.iter_rows(min_row=5, max_row=6, values_only=True)] == [
        ("68", "Lâm Đồng", XUAN_HUONG, "Phường Xuân Hương - Đà Lạt"), (None, None, None, None)]


def test_unknown_scope():
    with pytest.raises(ValueError):
        scope_units("99")


def test_a_filled_row_imports_and_rows_left_as_they_came_are_skipped(empty_engine):
    reporter = ensure_account(empty_engine, "baocao.lamdong", "reporter", LAM_DONG)
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes("indicators", LAM_DONG, engine=empty_engine)))
    sheet = workbook.worksheets[0]
    commune_code = sheet.cell(row=5, column=3).value
    sheet.cell(row=5, column=5, value=dt.date(2025, 6, 1))
    sheet.cell(row=5, column=7, value=17)  # 5G stations
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importer.import_file(buffer.getvalue(), "lam_dong_06.xlsx", account=reporter, engine=empty_engine)
    assert result.status == "imported", [problem.message("en") for problem in result.errors[:3]]
    assert result.details["values_created"] == 1
    totals = figures.indicator_totals(commune_code, dt.date(2025, 6, 30), engine=empty_engine)
    assert totals["fiveg_stations"] == 17


def test_a_row_with_figures_but_no_period_is_still_an_error(empty_engine):
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes("indicators", XUAN_HUONG, engine=empty_engine)))
    workbook.worksheets[0].cell(row=5, column=7, value=17)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importer.import_file(buffer.getvalue(), "x.xlsx", engine=empty_engine)
    assert result.status == "rejected" and [(p.row, p.column) for p in result.errors] == [(5, "Kỳ báo cáo")]
