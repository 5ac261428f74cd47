"""Chart text that wraps instead of being cut on a phone or in a third of a 1280-px screen: legends whose
entries take as many rows as the chart's width needs, titles broken into lines that fit. Rendered with
vl-convert at a narrow and a wide width, as Vega lays them out in the browser."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import vl_convert

from charts.status import status_breakdown
from charts.theme import fitting_text, title_lines, wrapping_legend
from charts.trend import trend_frame, trend_lines

LABELS = ["Dân số được phủ sóng 5G", "Hộ gia đình có cáp quang"]


def _svg(chart, width: int) -> str:
    return vl_convert.vegalite_to_svg(chart.properties(width=width).to_dict())


def _legend_rows(svg: str) -> int:
    """How many rows of entries the legend has: distinct y of its entries' translations."""
    legend = svg[svg.index("role-legend-entry"):]
    entries = re.findall(r'<g transform="translate\(([\d.]+),([\d.]+)\)"><path class="background"[^>]*'
                         r'd="M0,0h[\d.]+v[\d.]+h', legend)
    assert entries, "no legend entries found"
    return len({y for _, y in entries[1:]})  # the first is the group holding them


def _trend():
    rows = [{"date": pd.Timestamp(f"2025-0{m}-28").date(), "a": 10.0 * m, "b": 60.0 + m} for m in range(1, 7)]
    return trend_lines(trend_frame(rows, dict(zip("ab", LABELS)), "vi", percent=True), "Tỷ lệ phủ sóng", "vi")


def test_the_legend_of_a_narrow_chart_wraps_and_a_wide_one_keeps_one_row():
    narrow, wide = _svg(_trend(), 240), _svg(_trend(), 900)
    for label in LABELS:  # every entry whole, never cut with "…"
        assert label in narrow and label in wide
    assert "…" not in narrow
    assert _legend_rows(narrow) == 2 and _legend_rows(wide) == 1


def test_a_legend_columns_and_label_limit_follow_the_width_signal():
    legend = wrapping_legend(LABELS).to_dict()
    assert "width" in legend["columns"]["expr"] and "width" in legend["labelLimit"]["expr"]


def test_a_title_wraps_to_the_room_it_has_and_stays_whole_where_it_fits():
    title = "Thôn chưa có sóng di động, chưa có điện lưới"
    assert title_lines(title, 22) == ["Thôn chưa có sóng di", "động, chưa có điện", "lưới"]
    assert fitting_text("Số trạm 5G") == "Số trạm 5G"  # short: plain text
    chart = trend_lines(trend_frame([{"date": pd.Timestamp("2025-06-30").date(), "a": 1.0}], {"a": "A"}, "vi"),
                        title, "vi")
    assert _title_lines(_svg(chart, 900)) == [title]
    narrow = _title_lines(_svg(chart, 180))  # broken at spaces into lines of a narrow chart's room, nothing cut
    assert len(narrow) > 1 and " ".join(narrow) == title and all(len(line) <= 22 for line in narrow), narrow


def _title_lines(svg: str) -> list[str]:
    text = re.search(r'role-title-text.*?<text[^>]*>(.*?)</text>', svg).group(1)
    return re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text) or [text]


@pytest.mark.parametrize("width", [180, 700])
def test_status_legend_entries_are_whole_beside_long_names(width):
    rows = [{"key": "Nghiên cứu khoa học và công nghệ", "total": 9, "completed": 3, "on_schedule": 4, "overdue": 2}]
    svg = _svg(status_breakdown(rows, "vi"), width)
    assert "Đang thực hiện theo lộ trình" in svg and "Đang thực hiện…" not in svg
