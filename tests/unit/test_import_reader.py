"""Reading sheets as staff keep them, and refusing what is not a spreadsheet, before any parsing."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data_loaders.ingest.formats import INDICATOR_VALUES, TASKS
from data_loaders.ingest.read import (
    UnreadableFile,
    check_before_parsing,
    detect_format,
    find_rows,
    parse_date,
    parse_number,
    parse_period,
    read_raw_sheets,
    sniff_format,
)
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    MESSY_TASK_HEADERS,
    indicator_row,
    task_row,
    workbook_bytes,
)

FIXTURES = Path(__file__).resolve().parents[1] / "support" / "fixtures"


@pytest.mark.parametrize("value, expected", [
    ("30/06/2025", dt.date(2025, 6, 30)),
    ("3/6/2025", dt.date(2025, 6, 3)),
    ("30-06-2025", dt.date(2025, 6, 30)),
    ("30.06.2025", dt.date(2025, 6, 30)),
    ("30/06/25", dt.date(2025, 6, 30)),
    ("2025-06-30", dt.date(2025, 6, 30)),
    (45838, dt.date(2025, 6, 30)),  # Excel serial
    (45838.0, dt.date(2025, 6, 30)),
    (dt.datetime(2025, 6, 30, 0, 0), dt.date(2025, 6, 30)),
    (pd.Timestamp("2025-06-30"), dt.date(2025, 6, 30)),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2025", "hôm qua", "2025", -3, True])
def test_parse_date_rejects(value):
    with pytest.raises((ValueError, TypeError)):
        parse_date(value)


@pytest.mark.parametrize("value, expected", [
    ("1.234,5", 1234.5), ("12.106", 12106.0), ("26,5", 26.5), ("1,234.5", 1234.5), ("1 234,5", 1234.5),
    ("26,5%", 26.5), (42, 42.0), (0.265, 0.265), ("7", 7.0), ("-3", -3.0),
])
def test_parse_number(value, expected):
    assert parse_number(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["abc", "1,2,3,4", True, float("nan")])
def test_parse_number_rejects(value):
    with pytest.raises(ValueError):
        parse_number(value)


@pytest.mark.parametrize("value", ["06/2025", "6-2025", "2025-06", "Tháng 6/2025", "T6/2025", "thang 06/2025",
                                   dt.datetime(2025, 6, 1), "15/06/2025", 45809])
def test_parse_period_is_month_end(value):
    assert parse_period(value) == dt.date(2025, 6, 30)


def test_messy_headers_under_title_rows_and_total_row():
    content = workbook_bytes([task_row("NV-1"), task_row("NV-2"), [None] * 13], MESSY_TASK_HEADERS, title_rows=3,
                             total_row=True)
    sheet_format, rows = detect_format(read_raw_sheets(content, "x.xlsx"))
    assert sheet_format is TASKS
    assert rows.header_row == 4
    assert not rows.missing_required
    assert [r for r, _ in rows.rows] == [5, 6]  # blank row and "Tổng cộng" dropped
    assert rows.headers["task_code"] == "MA NHIEM VU"
    assert rows.column_letters["progress_pct"] == "L"


def test_english_headers_any_order():
    headers = ["Progress (%)", "status", "REPORT DATE", "task code", "Province"]
    content = workbook_bytes([[50, "In progress", "01/06/2025", "NV-9", "Hà Nội"]], headers, title_rows=0)
    sheet_format, rows = detect_format(read_raw_sheets(content, "x.xlsx"))
    assert sheet_format is TASKS and not rows.missing_required
    assert rows.rows[0][1]["task_code"] == "NV-9"


@pytest.mark.parametrize("separator", [";", ","])
def test_utf8_csv_with_either_separator(separator):
    lines = ["Báo cáo chỉ tiêu tháng 6", separator.join(INDICATOR_HEADERS),
             separator.join(["Lâm Đồng", "", "24781", "06/2025", "12", "26,5" if separator == ";" else "26.5",
                             "1.234"])]
    content = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    assert sniff_format(content) == "csv"
    sheet_format, rows = detect_format(read_raw_sheets(content, "chi_tieu.csv"))
    assert sheet_format is INDICATOR_VALUES
    assert rows.header_row == 2
    assert rows.rows[0][1]["commune_code"] == "24781"


def test_ods_is_read(tmp_path):
    frame = pd.DataFrame([["Tiêu đề", None, None, None], ["Tỉnh/Thành phố", "Mã xã", "Kỳ báo cáo", "Số trạm 5G"],
                          ["Lâm Đồng", "24781", "06/2025", 3]])
    path = tmp_path / "x.ods"
    frame.to_excel(path, engine="odf", header=False, index=False)
    content = path.read_bytes()
    assert sniff_format(content) == "ods"
    rows = find_rows(read_raw_sheets(content, "x.ods"), INDICATOR_VALUES)
    assert rows.header_row == 2 and rows.rows[0][1]["fiveg_stations"] == 3


@pytest.mark.skipif(not (FIXTURES / "tasks.xls").exists(), reason="no .xls fixture (LibreOffice unavailable)")
def test_xls_fixture_is_read():
    content = (FIXTURES / "tasks.xls").read_bytes()
    assert sniff_format(content) == "xls"
    sheet_format, rows = detect_format(read_raw_sheets(content, "tasks.xls"))
    assert sheet_format is TASKS and len(rows.rows) == 2 and not rows.missing_required


@pytest.mark.parametrize("content", [
    b"%PDF-1.7 not a sheet",
    b"\x89PNG\r\n\x1a\n\x00\x00",
    bytes(range(256)) * 10,
    b"",
    b"   \n  \n",
])
def test_non_spreadsheet_is_refused_with_a_message(content):
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(content, "x.xlsx")
    assert info.value.key == "err_not_spreadsheet"


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(buffer.getvalue(), "x.xlsx")
    assert info.value.key == "err_not_spreadsheet"


def test_corrupt_xlsx_is_unreadable_not_a_traceback():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "not xml at all <<<")
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(buffer.getvalue(), "x.xlsx")
    assert info.value.key in ("err_unreadable", "err_not_spreadsheet")


def _zip_bomb(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_quickly():
    content = _zip_bomb(600)  # 600 MB of zeros in well under 1 MB
    assert len(content) < 2_000_000
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(content, "bomb.xlsx")
    assert info.value.key == "err_zip_bomb"
    assert time.perf_counter() - started < 0.5


def test_high_ratio_member_is_refused_under_the_size_bound(monkeypatch):
    monkeypatch.setenv("NQ57_MAX_ZIP_RATIO", "50")
    with pytest.raises(UnreadableFile) as info:
        check_before_parsing(_zip_bomb(20))
    assert info.value.key == "err_zip_bomb"


def test_size_limit_before_parsing(monkeypatch):
    monkeypatch.setenv("NQ57_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(UnreadableFile) as info:
        read_raw_sheets(workbook_bytes([task_row("NV-1")], MESSY_TASK_HEADERS), "x.xlsx")
    assert info.value.key == "err_file_too_large"


def test_row_limit_before_parsing(monkeypatch):
    monkeypatch.setenv("NQ57_MAX_ROWS", "5")
    content = workbook_bytes([task_row(f"NV-{i}") for i in range(10)], MESSY_TASK_HEADERS)
    with pytest.raises(UnreadableFile) as info:
        check_before_parsing(content)
    assert info.value.key == "err_too_many_rows"
    csv_content = ("a;b\n" + "1;2\n" * 10).encode()
    with pytest.raises(UnreadableFile):
        read_raw_sheets(csv_content, "x.csv")


def test_indicator_rows_accept_names_codes_and_text_numbers():
    content = workbook_bytes([indicator_row("Lam Dong", None, "24781", "06/2025", "1.234", "26,5")], INDICATOR_HEADERS)
    rows = find_rows(read_raw_sheets(content, "x.xlsx"), INDICATOR_VALUES)
    raw = rows.rows[0][1]
    assert parse_number(raw["fiveg_stations"]) == 1234 and parse_number(raw["fiveg_coverage_pct"]) == 26.5


def test_archive_whose_directory_understates_sizes_is_refused():
    """A member declared tiny in the central directory but inflating to much more."""
    honest = _zip_bomb(5)
    archive = zipfile.ZipFile(io.BytesIO(honest))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    declared = info.file_size.to_bytes(4, "little")
    lying = bytearray(honest)
    directory = lying.rfind(b"PK\x01\x02", 0, len(lying))  # last central-directory entry: sheet1.xml
    offset = directory + 24  # uncompressed size field of the central-directory entry
    assert bytes(lying[offset:offset + 4]) == declared
    lying[offset:offset + 4] = (1000).to_bytes(4, "little")
    with pytest.raises(UnreadableFile) as info_:
        read_raw_sheets(bytes(lying), "x.xlsx")
    assert info_.value.key in ("err_unreadable", "err_zip_bomb")


def test_row_numbers_and_letters_count_leading_empty_rows_and_columns():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for column, header in enumerate(["Tỉnh/Thành phố", "Mã xã", "Kỳ báo cáo", "Số trạm 5G"], start=3):
        sheet.cell(row=5, column=column, value=header)  # rows 1-4 and columns A-B left empty
    for column, value in enumerate(["Lâm Đồng", "24781", "06/2025", 3], start=3):
        sheet.cell(row=6, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = find_rows(read_raw_sheets(buffer.getvalue(), "x.xlsx"), INDICATOR_VALUES)
    assert rows.header_row == 5 and [r for r, _ in rows.rows] == [6]
    assert rows.column_letters["fiveg_stations"] == "F"
