"""Exports of tables (.xlsx, .csv): text that looks like a formula stays text; the pages offer table and chart
downloads (the chart images themselves: tests/test_charts_render.py)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from reports.tables import file_stem, frame_to_csv, frame_to_xlsx, neutralise, safe_sheet_name

RISKY = ["=1+1", "+84 912", "-SUM(A1)", "@cmd", "\t=2", "bình thường", "Giá trị - ghi chú"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Ghi chú": RISKY,
        "Số": [1, -2, 3.5, None, 0, 12106, -7],
        "Ngày": [pd.Timestamp("2025-06-30")] + [None] * 6,
    })


def test_xlsx_keeps_formula_like_text_as_text():
    sheet = openpyxl.load_workbook(io.BytesIO(frame_to_xlsx(_frame(), "Nhiệm vụ"))).active
    assert sheet.title == "Nhiệm vụ"
    assert [cell.value for cell in sheet[1]] == ["Ghi chú", "Số", "Ngày"]
    notes = [cell for cell in sheet["A"][1:]]
    assert [cell.value for cell in notes] == RISKY  # exactly what was typed
    assert all(cell.data_type == "s" for cell in notes)  # never "f" (formula)
    assert [cell.quotePrefix for cell in notes] == [True, True, True, True, True, False, False]
    assert [cell.value for cell in sheet["B"][1:]] == [1, -2, 3.5, None, 0, 12106, -7]  # numbers stay numbers
    assert sheet["C2"].value == dt.datetime(2025, 6, 30)
    raw = io.BytesIO(frame_to_xlsx(_frame()))
    import zipfile
    with zipfile.ZipFile(raw) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_reads_back_through_calamine():
    back = pd.read_excel(io.BytesIO(frame_to_xlsx(_frame())), engine="calamine")
    assert back["Ghi chú"].tolist()[0] == "=1+1"


def test_csv_neutralises_formulas_and_keeps_vietnamese():
    content = frame_to_csv(_frame())
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", keep_default_na=False)
    assert back["Ghi chú"].tolist() == ["'=1+1", "'+84 912", "'-SUM(A1)", "'@cmd", "'\t=2", "bình thường",
                                        "Giá trị - ghi chú"]
    text = content.decode("utf-8-sig")
    assert ",-2," in text and "'-2" not in text  # a negative number is not text to neutralise (and -2, not -2.0)


@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("abc", "abc"), (-5, -5), (None, None), ("", "")])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_file_and_sheet_names():
    assert file_stem("Nhiệm vụ quá hạn", "68", dt.date(2025, 6, 30)) == "nhiem-vu-qua-han_68_2025-06-30"
    assert file_stem("Đường truyền / cáp quang") == "duong-truyen-cap-quang"
    assert safe_sheet_name("Bảng: tỉnh/thành [2025]*?") == "Bảng  tỉnh thành  2025"
    assert len(safe_sheet_name("x" * 50)) == 31 and not set("[]:*?/\\") & set(safe_sheet_name("a[b]:c*d?e/f\\g"))


def test_exported_headers_are_the_labels_shown_and_hidden_columns_stay_out():
    import streamlit as st

    from components.exports import as_shown

    frame = pd.DataFrame({"code": ["68"], "uploaded_by": ["lan"], "rows": [3]})
    shown = as_shown(frame, {"code": None, "uploaded_by": st.column_config.TextColumn("Người tải lên"),
                             "rows": "Số dòng"})
    assert list(shown.columns) == ["Người tải lên", "Số dòng"]


def test_the_lead_columns_of_a_compact_table_fit_a_phone():
    from components.exports import COMPACT_NAME_MIN_PX, COMPACT_TABLE_PX, compact_widths

    frame = pd.DataFrame({"title": ["Triển khai chương trình khoa học và công nghệ trọng điểm tại Xã Quảng Hòa"],
                          "status": ["Đang thực hiện theo lộ trình"], "days": [120]})
    widths = compact_widths(frame, {"title": "Nhiệm vụ", "status": "Tình trạng"}, ["title", "status"])
    assert sum(widths.values()) == COMPACT_TABLE_PX  # a 390-px screen: 358 px of table, 36 for the check box
    assert widths["status"] >= len("Đang thực hiện theo lộ trình") * 7  # the key figure whole
    assert widths["title"] == COMPACT_TABLE_PX - widths["status"] >= COMPACT_NAME_MIN_PX
    # key figures as the table writes them (26,5%), and more of them than fit: they share what the name leaves
    many = compact_widths(frame, {}, ["title", "status", "days"], {"days": ["120 ngày quá hạn" * 3]})
    assert sum(many.values()) <= COMPACT_TABLE_PX and many["title"] >= COMPACT_NAME_MIN_PX
