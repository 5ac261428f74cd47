"""Tables write their numbers the page language's way (12.106, 68,8, 26,5% in Vietnamese) and still sort
as numbers; CSV keeps machine numbers, XLSX keeps numbers with the table's decimals."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pandas as pd
import pytest
from streamlit import dataframe_util

from components.tables import NumberFormat, localised
from data_loaders.i18n import t
from reports.tables import frame_to_csv, frame_to_xlsx
from tests.support.pages import LEVELS, render_page

# A number as Vietnamese writes it: groups of three after dots, decimals after a comma, maybe a percent sign.
VIETNAMESE_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?%?$")


def _display(styler) -> pd.DataFrame:
    styler._compute()
    body = styler._translate(False, False)["body"]
    return pd.DataFrame([[cell["display_value"] for cell in row if cell.get("type") == "td"] for row in body],
                        columns=styler.data.columns)


def test_localised_writes_numbers_the_language_way_and_keeps_them_numbers():
    frame = pd.DataFrame({"Đơn vị": ["A", "B", "C"], "Tỷ lệ": [100.0, 26.5, None], "Điểm": [68.75, 9.0, 12.5],
                          "Trạm": [12106, 3, 40], "Ngày": [3, 45, None], "Giá trị": [18.71, 32.0, 0.5]})
    formats = {"Tỷ lệ": NumberFormat(1, percent=True), "Điểm": NumberFormat(1)}
    for lang, expected in (
        ("vi", {"Tỷ lệ": ["100,0%", "26,5%", "–"], "Điểm": ["68,8", "9,0", "12,5"], "Trạm": ["12.106", "3", "40"],
                "Giá trị": ["18,71", "32", "0,5"]}),
        ("en", {"Tỷ lệ": ["100.0%", "26.5%", "–"], "Điểm": ["68.8", "9.0", "12.5"], "Trạm": ["12,106", "3", "40"],
                "Giá trị": ["18.71", "32", "0.5"]}),
    ):
        styler, config = localised(frame, lang, {"Đơn vị": "Tên"}, formats)
        shown = _display(styler)
        for column, texts in expected.items():
            assert list(shown[column]) == texts, (lang, column)
        assert styler.data is frame  # the cells stay numbers: sorting is by value
        # whole numbers below 1,000 read the same in both languages: Streamlit's own "%d", no Styler text needed
        assert config["Ngày"]["type_config"]["format"] == "%d" and config["Đơn vị"] == "Tên"
        assert "Trạm" not in config and "Tỷ lệ" not in config


def test_localised_leaves_configured_and_hidden_columns_and_skips_the_styler_when_nothing_needs_it():
    import streamlit as st

    frame = pd.DataFrame({"code": [12345, 2], "Tiến độ": [37, 100], "Ngày": [3, 45]})
    progress = st.column_config.ProgressColumn("Tiến độ", min_value=0, max_value=100, format="%d%%")
    data, config = localised(frame, "vi", {"code": None, "Tiến độ": progress})
    assert data is frame and config["code"] is None and config["Tiến độ"] == progress
    assert config["Ngày"]["type_config"]["format"] == "%d"


def test_csv_keeps_machine_numbers_whole_numbers_without_point_zero():
    frame = pd.DataFrame({"Số": [32.0, None, 26.5, 101_300_000.0, -3.0], "Đếm": [1, 2, 3, 4, 5]})
    text = frame_to_csv(frame).decode("utf-8-sig")
    assert text.splitlines() == ["Số,Đếm", "32,1", ",2", "26.5,3", "101300000,4", "-3,5"]
    back = pd.read_csv(io.StringIO(text))
    assert back["Số"].tolist()[2:] == [26.5, 101_300_000, -3]


def test_xlsx_keeps_numbers_with_the_tables_decimals():
    frame = pd.DataFrame({"Tỷ lệ": [26.5, 100.0], "Số": [12106, 3]})
    sheet = openpyxl.load_workbook(io.BytesIO(frame_to_xlsx(frame, "Bảng", decimals={"Tỷ lệ": 1}))).active
    assert [sheet["A2"].value, sheet["B2"].value] == [26.5, 12106]
    assert sheet["A2"].number_format == "#,##0.0" and sheet["B2"].number_format == "General"


def _shown_numbers(table) -> dict[str, list[str]]:
    """Each number column of an AppTest dataframe as its cells read on screen: Styler display text, or the
    printf format Streamlit applies (only formats without decimals are accepted here)."""
    values = table.value
    configs = json.loads(table.proto.columns or "{}")
    display = table.proto.arrow_data.styler.display_values
    texts = dataframe_util.convert_arrow_bytes_to_pandas_df(display) if display else None
    shown = {}
    for position, column in enumerate(values.columns):
        if not pd.api.types.is_numeric_dtype(values[column]):
            continue
        config = configs.get(f"col:{column}") or configs.get(str(column)) or {}
        if config.get("hidden"):
            continue
        number_format = (config.get("type_config") or {}).get("format")
        if number_format:
            assert "." not in number_format and "f" not in number_format, (column, number_format)
            shown[column] = [number_format.replace("%d", str(int(v))).replace("%%", "%")
                             for v in values[column].dropna()]
        else:
            assert texts is not None, f"{column} is shown as Streamlit writes it, not the language's way"
            shown[column] = [text for text in texts.iloc[:, position] if text != "–"]
    return shown


@pytest.mark.usefixtures("app_database")
@pytest.mark.parametrize("page", ["accountability", "quality"])
def test_tables_show_vietnamese_numbers(page):
    app = render_page(page, LEVELS["province"])
    assert len(app.dataframe) >= 1
    for table in app.dataframe:
        for column, texts in _shown_numbers(table).items():
            assert texts and all(VIETNAMESE_NUMBER.match(text) for text in texts), (column, texts[:5])
    if page == "accountability":  # the rates read 26,5%, not 26.5%
        [ranking] = [table for table in app.dataframe if t("col_on_time_rate", "vi") in table.value.columns][:1]
        assert all(text.endswith("%") for text in _shown_numbers(ranking)[t("col_on_time_rate", "vi")])
    else:  # the scores to one decimal: 68,8 (the table whole, then compact for a phone: the same cells)
        [scorecard, compact] = app.dataframe
        assert _shown_numbers(compact) == _shown_numbers(scorecard)
        assert list(compact.proto.column_order) == [t("unit_name", "vi"), t("quality_overall", "vi")]
        assert not scorecard.proto.column_order
        scores = _shown_numbers(scorecard)[t("quality_overall", "vi")]
        assert all(re.fullmatch(r"\d+,\d", text) for text in scores), scores


@pytest.mark.usefixtures("app_database")
def test_english_tables_show_english_numbers():
    app = render_page("quality", LEVELS["province"], lang="en")
    scorecard, _compact = app.dataframe
    scores = _shown_numbers(scorecard)[t("quality_overall", "en")]
    assert scores and all(re.fullmatch(r"\d+\.\d", text) for text in scores), scores
