"""Streaming limits (issue 14, case 4): an .xlsx is measured on its XML — rows holding values, the
cells its sheets span, its text and its longest cell — and refused before calamine parses it; the
empty formatted rows of office sheets do not count. The hostile files are the benchmark's
(benchmarks/bench_memory.py), built small with the limits lowered. No database."""

from __future__ import annotations

import io
import zipfile

import pytest
import python_calamine

from benchmarks.bench_memory import TASK_HEADERS, RawWorkbook, build_formatted, build_no_dimension, build_text, row_xml
from data_loaders.ingest import read
from data_loaders.ingest.formats import TASKS
from data_loaders.ingest.limits import current_limits, scan_xlsx
from data_loaders.ingest.problems import render
from data_loaders.ingest.read import UnreadableFile, check_before_parsing, detect_format, read_raw_sheets


@pytest.fixture
def no_calamine(monkeypatch):
    """Any parse of the workbook fails the test: the limit must refuse the file before it."""
    def parse(*_args, **_kwargs):
        raise AssertionError("the workbook was parsed before the limits refused it")
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", parse)
    monkeypatch.setattr(read.python_calamine.CalamineWorkbook, "from_filelike", parse)


def _refusal(content: bytes) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(content, "x.xlsx")
    return info.value


def test_sheet_without_dimension_is_counted_and_refused_before_parsing(tmp_path, monkeypatch, no_calamine):
    monkeypatch.setenv("NQ57_MAX_ROWS", "500")
    path = tmp_path / "no_dimension.xlsx"
    build_no_dimension(path, rows=2_000)
    assert b"<dimension" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    error = _refusal(path.read_bytes())
    assert error.key == "err_too_many_rows" and error.params == {"rows": 2_001, "max_rows": 500}
    assert render(error.key, error.params, "vi") == "Tệp có 2.001 dòng, vượt quá giới hạn 500 dòng."


def test_text_beyond_the_limit_is_refused_before_parsing(tmp_path, monkeypatch, no_calamine):
    monkeypatch.setenv("NQ57_MAX_TEXT_MB", "1")
    path = tmp_path / "text.xlsx"
    build_text(path, megabytes=3)
    content = path.read_bytes()
    assert len(content) < 300_000  # 3 MB of text in a small file, as the 480 MB one was in 14.7 MB
    error = _refusal(content)
    assert error.key == "ingest_too_much_text" and error.params["max_mb"] == 1
    assert "1 MB" in render(error.key, error.params, "en")


def test_inline_text_counts_too(tmp_path, monkeypatch, no_calamine):
    monkeypatch.setenv("NQ57_MAX_TEXT_MB", "0.5")
    book = RawWorkbook(tmp_path / "inline.xlsx")
    sheet = book.sheet()
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    for n in range(2, 100):
        text = "".join(chr(0x61 + (i * i * n) % 26) for i in range(8_000))  # 800 KB that compress little
        sheet.write(row_xml(n, [f"NV-{n}", text]).encode())
    book.end_sheet(sheet)
    book.close()
    assert _refusal((tmp_path / "inline.xlsx").read_bytes()).key == "ingest_too_much_text"


@pytest.mark.parametrize("shared", [False, True])
def test_over_long_cell_is_refused_naming_it(tmp_path, shared, no_calamine):
    limit = current_limits().max_cell_chars
    long_text = "Ghi chú rất dài. " * (limit // 17 + 10)
    book = RawWorkbook(tmp_path / "long.xlsx", shared_strings=shared)
    if shared:
        book.archive.writestr("xl/sharedStrings.xml",
                              '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                              f"<si><t>ngắn</t></si><si><t>{long_text}</t></si></sst>")
    sheet = book.sheet()
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    sheet.write(row_xml(2, ["NV-1", "Tên", "KH"]).encode())
    if shared:
        sheet.write(b'<row r="3"><c r="A3" t="s"><v>0</v></c><c r="M3" t="s"><v>1</v></c></row>')
    else:
        sheet.write(row_xml(3, ["NV-2"] + [None] * 11 + [long_text]).encode())
    book.end_sheet(sheet)
    book.close()
    error = _refusal((tmp_path / "long.xlsx").read_bytes())
    assert error.key == "ingest_cell_too_long"
    assert error.params == {"sheet": "Báo cáo", "cell": "M3", "chars": len(long_text), "max_chars": limit}
    assert "M3" in render(error.key, error.params, "vi") and "“Báo cáo”" in render(error.key, error.params, "vi")


def test_cells_spanned_by_a_stray_value_are_refused(tmp_path, monkeypatch, no_calamine):
    monkeypatch.setenv("NQ57_MAX_CELLS", "10000")
    book = RawWorkbook(tmp_path / "stray.xlsx")
    sheet = book.sheet()
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    sheet.write(row_xml(2, ["NV-1", "Tên"]).encode())
    sheet.write(b'<row r="900"><c r="AZ900"><v>1</v></c></row>')  # three rows of values, 900 x 52 cells
    book.end_sheet(sheet)
    book.close()
    error = _refusal((tmp_path / "stray.xlsx").read_bytes())
    assert error.key == "ingest_too_many_cells"
    assert error.params == {"cells": 900 * 52, "max_cells": 10_000, "sheet": "Báo cáo", "last_cell": "AZ900"}


def test_sheet_formatted_far_beyond_the_row_limit_holds_its_data_rows(tmp_path, monkeypatch):
    """The office sheet formatted down to row 1,048,576 (in the benchmark), here with the limit at
    1,000 rows and formatting down to row 20,000: refused before as "20000 rows"."""
    monkeypatch.setenv("NQ57_MAX_ROWS", "1000")
    path = tmp_path / "formatted.xlsx"
    build_formatted(path, "KH-TEST", data_rows=2, last_row=20_000)
    content = path.read_bytes()
    assert b'<dimension ref="A1:M20000"/>' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    [scan] = scan_xlsx(content)
    assert (scan.rows, scan.last_row, scan.last_column) == (3, 3, 13)
    assert check_before_parsing(content) == "xlsx"
    sheet_format, rows = detect_format(read_raw_sheets(content, "formatted.xlsx"))
    assert sheet_format is TASKS and [r for r, _ in rows.rows] == [2, 3]


def test_rows_counted_are_those_holding_values(tmp_path, monkeypatch):
    """Formatted empty rows (self-closing or with empty styled cells) between and after the data,
    namespace prefixes and cells without r= are all read as Excel shows them."""
    monkeypatch.setenv("NQ57_MAX_ROWS", "3")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (f'<x:worksheet xmlns:x="{ns}"><x:sheetData>'
           '<x:row r="1"><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c></x:row>'
           '<x:row r="2" s="1" customFormat="1"/>'
           '<x:row r="3"><x:c r="A3" s="1"/><x:c r="B3" s="1"/></x:row>'
           + "".join(f'<x:row r="{n}"><x:c r="C{n}"><x:v>{n}</x:v></x:c></x:row>' for n in range(4, 7))
           + "".join(f'<x:row r="{n}" s="1" customFormat="1"/>' for n in range(7, 5000))
           + '</x:sheetData><x:rowBreaks count="0"/></x:worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    with pytest.raises(Exception) as info:
        scan_xlsx(buffer.getvalue())
    assert info.value.key == "err_too_many_rows" and info.value.params["rows"] == 4
    monkeypatch.setenv("NQ57_MAX_ROWS", "4")
    [scan] = scan_xlsx(buffer.getvalue())
    assert (scan.rows, scan.last_row, scan.last_column) == (4, 6, 3)


def test_rows_and_cells_without_references_are_numbered_as_excel_does(monkeypatch):
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           '<row><c><v>1</v></c></row><row/><row s="1"><c s="1"/></row><row><c/><c><v>2</v></c></row>'
           '</sheetData></worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    [scan] = scan_xlsx(buffer.getvalue())
    assert (scan.rows, scan.last_row, scan.last_column) == (2, 4, 2)
