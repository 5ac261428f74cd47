"""Chart images (charts/render.py): PNG and SVG with vl-convert in the app's theme, the language's number
format and the bundled font; the slide spec a deck and the presentation page use."""

from __future__ import annotations

import io
import json
import re

import altair as alt
import pandas as pd
from PIL import Image
from reportlab.pdfbase.ttfonts import TTFont

from charts.maps import ranked_bars
from charts.render import FONT_BOLD, FONT_REGULAR, chart_png, chart_svg, slide_spec
from charts.status import status_bars


def test_chart_images_are_valid():
    chart = status_bars({"total": 802, "completed": 239, "on_schedule": 427, "overdue": 136}, "vi")
    png = chart_png(chart, "vi")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 900 and image.height > 100
    svg = chart_svg(chart, "vi")
    assert svg.lstrip().startswith("<svg") and "239" in svg


def test_chart_images_use_the_language_number_format():
    chart = alt.Chart(pd.DataFrame({"x": ["a"],
                                    "y": [12106]})).mark_bar().encode(x="x", y=alt.Y("y", axis=alt.Axis(format=",.0f")))
    assert "12.000" in chart_svg(chart, "vi")
    assert "12,000" in chart_svg(chart, "en")


def test_exported_chart_uses_the_theme_the_locale_and_the_bundled_font():
    chart = status_bars({"total": 12106, "completed": 2390, "on_schedule": 4270, "overdue": 5446}, "vi")
    spec = slide_spec(chart, "vi", width=500, font="DejaVu Sans")
    number = spec["config"]["locale"]["number"]
    assert number["decimal"] == "," and number["thousands"] == "."
    assert spec["config"]["font"] == "DejaVu Sans"
    assert spec["config"]["axis"]["labelFontSize"] > 13  # the app theme's 13 px, scaled up for a hall
    png = chart_png(chart, "vi")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width >= 1000
    assert chart_svg(chart, "vi").lstrip().startswith("<svg")


def test_slide_charts_do_not_swap_separators_twice():
    frame = pd.DataFrame({"code": ["a", "b"], "name": ["A", "B"], "value": [12.5, 40.25]})
    spec = str(slide_spec(ranked_bars(frame, "value", "x", "vi", decimals=1, percent=True), "vi"))
    assert "regexp" not in spec and "format(datum.value, ',.1~f') + '%'" in spec


def test_bundled_font_covers_vietnamese():
    letters = "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹĐđƠơƯư₫"
    for path in (FONT_REGULAR, FONT_BOLD):
        glyphs = TTFont(path.stem, str(path)).face.charToGlyph
        assert [letter for letter in letters if ord(letter) not in glyphs] == []
    assert (FONT_REGULAR.parent / "LICENSE.txt").is_file()


def test_a_legend_in_an_exported_image_wraps_at_the_larger_type():
    """A trend's legend wraps by a page's 13-px type (charts.theme.wrapping_legend); in a deck's image, at 1.6
    times that type, its columns are counted again for that type, as a fixed number (Vega cut the last row off
    the image of a legend whose columns followed a signal). A page's download keeps the signal: its width
    follows its column."""
    from charts.status import status_trend_chart

    rows = [{"date": pd.Timestamp(f"2025-{month:02d}-28").date(), "total": 100 * month, "completed": 10 * month,
             "overdue": 5 * month} for month in range(1, 7)]
    chart = status_trend_chart(rows, "vi")
    columns = re.findall(r'"columns": (\d+)', json.dumps(slide_spec(chart, "vi", width=520)))
    assert columns == ["2"]  # three entries ("Tổng số nhiệm vụ" the longest) at 20.8 px in 520 px: two a row
    assert "floor(width /" in json.dumps(slide_spec(chart, "vi", font_scale=1.0))
