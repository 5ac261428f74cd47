"""Hostile and awkward uploads through the importer (issue 14, case 4, and .xlsm): the office sheet
formatted to its last row imports its two rows; a file with many errors gets an error workbook that
marks the first 1,000 and says so; a macro-enabled workbook with an external link imports its values
and says it dropped the rest. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from benchmarks.bench_memory import build_formatted, build_rejected, build_xlsm
from data_loaders.ingest import error_workbook as marked_module
from data_loaders.ingest.error_workbook import MAX_MARKED, error_workbook
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.read import UnreadableFile
from data_loaders.store.models import Task, TaskReport
from tests.support.fixtures.workbooks import plan_code

TODAY = dt.date(2025, 7, 15)


def run(engine, content: bytes, name: str, **kwargs):
    return import_file(content, name, engine=engine, today=TODAY, lang="en", **kwargs)


def test_sheet_formatted_past_the_row_limit_imports_its_two_rows(empty_engine, tmp_path):
    """As the office sheet formatted to row 1,048,576 (the benchmark's), to row 250,000 here:
    past the default limit of 200,000 rows, which refused it whole before."""
    path = tmp_path / "formatted.xlsx"
    build_formatted(path, plan_code(), data_rows=2, last_row=250_000)
    result = run(empty_engine, path.read_bytes(), "formatted.xlsx")
    assert result.status == "imported", [p.as_json() for p in result.errors[:3]]
    assert result.rows == 2 and result.created == 2
    with empty_engine.connect() as conn:
        assert conn.execute(select(Task.code).order_by(Task.code)).scalars().all() == ["NV-B000000", "NV-B000001"]


def test_the_same_sheet_is_refused_only_past_the_row_limit(empty_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("NQ57_MAX_ROWS", "2")
    path = tmp_path / "formatted.xlsx"
    build_formatted(path, plan_code(), data_rows=2, last_row=5_000)
    with pytest.raises(UnreadableFile) as info:
        run(empty_engine, path.read_bytes(), "formatted.xlsx", dry_run=True)
    assert info.value.key == "err_too_many_rows" and info.value.params["rows"] == 3  # header + 2, not 5,000


@pytest.mark.parametrize("streamed", [False, True], ids=["in_place", "streamed"])
def test_error_workbook_marks_the_first_thousand_errors_and_says_so(empty_engine, tmp_path, monkeypatch, streamed):
    if streamed:  # the path large files take: a new workbook written row by row
        monkeypatch.setattr(marked_module, "IN_PLACE_XML", 0)
    path = tmp_path / "many_errors.xlsx"
    build_rejected(path, plan_code(), rows=1_200)
    content = path.read_bytes()
    result = run(empty_engine, content, "many_errors.xlsx", dry_run=True)
    assert result.status == "rejected" and len(result.errors) == 1_200
    marked = load_workbook(io.BytesIO(error_workbook(content, "many_errors.xlsx", result.errors, result.warnings,
                                                     "vi")))
    listing = marked[marked.sheetnames[0]]
    assert listing["A1"].value == ("Tệp có 1.200 lỗi; chỉ 1.000 lỗi đầu tiên được đánh dấu và liệt kê ở đây. "
                                   "Hãy sửa rồi tải lên lại để xem các lỗi còn lại.")
    assert listing.max_row == 2 + MAX_MARKED  # the note, the header, the first 1,000 errors
    sheet = marked["Báo cáo"]
    first, last_marked, unmarked = result.errors[0].cell, result.errors[999].cell, result.errors[1000].cell
    assert (first, last_marked, unmarked) == ("L2", "L1001", "L1002")
    for ref in (first, last_marked):
        assert sheet[ref].comment is not None and sheet[ref].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet[unmarked].comment is None and sheet[unmarked].value == "bốn mươi"  # the values are all there
    assert sheet["A1201"].value == "NV-B001199"


def test_error_workbook_under_the_limit_has_no_note(empty_engine, tmp_path):
    path = tmp_path / "few_errors.xlsx"
    build_rejected(path, plan_code(), rows=3)
    result = run(empty_engine, path.read_bytes(), "few_errors.xlsx", dry_run=True)
    marked = load_workbook(io.BytesIO(error_workbook(path.read_bytes(), "few_errors.xlsx", result.errors,
                                                     result.warnings, "en")))
    listing = marked[marked.sheetnames[0]]
    assert listing["A1"].value == "Sheet" and listing.max_row == 4


def test_xlsm_imports_its_values_and_drops_macros_and_links(empty_engine, tmp_path):
    path = tmp_path / "macro.xlsm"
    build_xlsm(path, plan_code(), rows=3)
    content = path.read_bytes()
    assert "xl/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    result = run(empty_engine, content, "macro.xlsm")
    assert result.status == "imported" and result.created == 3
    assert [p.key for p in result.warnings[:2]] == ["ingest_macros_dropped", "ingest_external_links_values"]
    assert "macros" in result.warnings[0].message("en") and "không được chạy" in result.warnings[0].message("vi")
    with empty_engine.connect() as conn:  # the formula's saved value, read from the linked workbook when saved
        progress = conn.execute(select(TaskReport.progress_pct).order_by(TaskReport.progress_pct)).scalars().all()
    assert progress == [40, 41, 42]


def test_marked_copy_of_an_xlsm_carries_no_macros(empty_engine, tmp_path):
    path = tmp_path / "macro.xlsm"
    build_xlsm(path, "NO-SUCH-PLAN", rows=2)
    content = path.read_bytes()
    result = run(empty_engine, content, "macro.xlsm", dry_run=True)
    assert result.status == "rejected"
    marked = error_workbook(content, "macro.xlsm", result.errors, result.warnings, "en")
    names = zipfile.ZipFile(io.BytesIO(marked)).namelist()
    assert not any("vba" in name.lower() for name in names)
    assert b"macroEnabled" not in zipfile.ZipFile(io.BytesIO(marked)).read("[Content_Types].xml")
