"""Charts as images, offline with vl-convert: the app's "nq57" theme with every type size scaled up for a
projector (or kept for a page's download), the language's number locale (12.106 in Vietnamese).

Exported images use the DejaVu Sans shipped in charts/fonts (registered with vl-convert; the PDF decks
embed the same files, see reports/layout.py), so every Vietnamese letter renders the same on a machine
without system fonts.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

import charts.theme  # noqa: F401  (registers and enables the app's "nq57" theme)
from charts.locale import chart_locale
from charts.theme import TITLE_FONT, refitted_titles

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
EXPORT_FONT = "DejaVu Sans"
FONT_SCALE = 1.6  # a projected slide is read from far away: every type size of the theme times this
CHART_WIDTH = 520  # px of plotting area: about one pixel per point in the chart box of a slide
PAGE_CHART_WIDTH = 900  # px for a chart downloaded from a page: it stretches to its column there
_SIZE_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize", "labelLimit")  # limits are px of text


@functools.cache
def register_fonts() -> None:
    """Make the bundled font known to vl-convert (once per process)."""
    vl_convert.register_font_directory(str(FONT_DIR))


def _scaled(value: Any, factor: float) -> Any:
    """Every type size in a spec (theme config and mark properties alike) times `factor`."""
    if isinstance(value, dict):
        return {key: (round(item * factor, 1) if key in _SIZE_KEYS and isinstance(item, (int, float))
                      else _scaled(item, factor)) for key, item in value.items()}
    if isinstance(value, list):
        return [_scaled(item, factor) for item in value]
    return value


_LEGEND_COLUMNS = re.compile(r"max\(1, min\((\d+), floor\(width / (\d+(?:\.\d+)?)\)\)\)")  # wrapping_legend's


def _legend_columns(spec: Any, factor: float, width: int | None) -> None:
    """A wrapping legend's entries are as much wider as its type (charts.theme.wrapping_legend counts a page's
    13 px): as many columns as fit at the larger type, so no entry is cut at the image's edge. At a fixed width
    (an exported image) the count is fixed too: Vega lays out a legend whose columns follow a signal before it
    knows their number, and cut the last row off the image."""
    if isinstance(spec, dict):
        columns = spec.get("columns")
        match = _LEGEND_COLUMNS.fullmatch(columns["expr"]) if isinstance(columns, dict) and isinstance(
            columns.get("expr"), str) else None
        if match:
            entries, entry = int(match[1]), float(match[2]) * factor
            spec["columns"] = (max(1, min(entries, int(width // entry))) if width is not None
                               else {"expr": f"max(1, min({entries}, floor(width / {entry:.0f})))"})
        for key, value in spec.items():
            if key not in ("data", "datasets"):
                _legend_columns(value, factor, width)
    elif isinstance(spec, list):
        for value in spec:
            _legend_columns(value, factor, width)


def slide_spec(chart: alt.TopLevelMixin, lang: str, *, width: int | None = None, font: str | None = None,
               font_scale: float = FONT_SCALE) -> dict:
    """The chart's Vega-Lite spec as a slide shows it: app theme and number locale, type scaled up,
    optionally a fixed width and another font."""
    if width is not None and not isinstance(chart, (alt.HConcatChart, alt.VConcatChart, alt.ConcatChart)):
        chart = chart.properties(width=width)
    spec = chart.configure(locale=chart_locale(lang)).to_dict()  # the active "nq57" theme is merged in here
    spec = _scaled(copy.deepcopy(spec), font_scale)
    _legend_columns(spec, font_scale, width)
    refitted_titles(spec, TITLE_FONT * font_scale)  # titles wrap for the larger type
    config = spec.setdefault("config", {})
    config.setdefault("axisQuantitative", {})["tickCount"] = 5  # big labels need room
    config.setdefault("text", {}).setdefault("fontSize", round(11 * font_scale, 1))  # text marks without a size
    if font:
        config["font"] = font
    return spec


def chart_png(chart: alt.TopLevelMixin, lang: str, *, width: int = CHART_WIDTH, scale: float = 2.0,
              font_scale: float = FONT_SCALE) -> bytes:
    """A sharp PNG (scale 2: twice the pixels of the layout size) for a deck or a printed brief."""
    register_fonts()
    return vl_convert.vegalite_to_png(slide_spec(chart, lang, width=width, font=EXPORT_FONT, font_scale=font_scale),
                                      scale=scale)


def chart_svg(chart: alt.TopLevelMixin, lang: str, *, width: int = CHART_WIDTH, font_scale: float = FONT_SCALE) -> str:
    register_fonts()
    return vl_convert.vegalite_to_svg(slide_spec(chart, lang, width=width, font=EXPORT_FONT, font_scale=font_scale))
