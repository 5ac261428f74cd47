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


@pytest.mark.parametrize("page, tables, charts", [("tasks", 2, 3), ("accountability", 4, 0), ("overview", 0, 2)])
def test_pages_offer_downloads_for_every_table_and_chart(app_database, page, tables, charts):
    from tests.test_pages import run_page

    app = run_page(page, {})
    assert not app.exception, app.exception
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels.count("Tải Excel") == labels.count("Tải CSV") == tables
    assert labels.count("Ảnh PNG (báo cáo, trình chiếu)") == labels.count("Ảnh SVG (phóng to không vỡ nét)") == charts


def test_a_download_writes_an_export_entry_in_the_audit_trail(empty_engine, monkeypatch):
    from types import SimpleNamespace

    from components import exports as page_exports
    from data_loaders.identity import audit

    monkeypatch.setattr(page_exports.cached, "engine", lambda: empty_engine)
    monkeypatch.setattr(page_exports.auth, "signed_in_username", lambda: "lan.nguyen")
    monkeypatch.setattr(page_exports, "scope", lambda: SimpleNamespace(code="68"))
    monkeypatch.setattr(page_exports, "as_of", lambda: dt.date(2025, 6, 30))
    build = page_exports.audited(lambda: b"xlsx bytes", "nhiem-vu-qua-han_68_2025-06-30.xlsx")
    assert audit.entries(action="export", engine=empty_engine) == []  # nothing until someone downloads
    assert build() == b"xlsx bytes"
    [entry] = audit.entries(action="export", engine=empty_engine)
    assert entry["actor"] == "lan.nguyen" and entry["target"] == "nhiem-vu-qua-han_68_2025-06-30.xlsx"
    assert entry["detail"] == {"unit": "68", "as_of": "2025-06-30", "bytes": 10}


def test_exported_headers_are_the_labels_shown_and_hidden_columns_stay_out():
    import streamlit as st

    from components.exports import as_shown

    frame = pd.DataFrame({"code": ["68"], "uploaded_by": ["lan"], "rows": [3]})
    shown = as_shown(frame, {"code": None, "uploaded_by": st.column_config.TextColumn("Người tải lên"),
                             "rows": "Số dòng"})
    assert list(shown.columns) == ["Người tải lên", "Số dòng"]
