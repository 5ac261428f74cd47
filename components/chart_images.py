"""Charts as images, made offline with vl-convert: PNG for slides and reports, SVG for print.

Pure (no Streamlit), so a page's download, the briefing deck and tests render a chart the same way:
the app's Altair theme ("nq57", registered in components.charts) and the user's number format.
"""

from __future__ import annotations

import altair as alt
import vl_convert

from components import charts  # noqa: F401  (registers and enables the "nq57" theme)

# Vega's own formatting (axes, legends) follows the language: 12.106 and 26,5 in Vietnamese.
NUMBER_LOCALES = {
    "vi": alt.NumberLocale(decimal=",", thousands=".", grouping=[3], currency=["", " ₫"]),
    "en": alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["$", ""]),
}
EXPORT_WIDTH = 900  # px at scale 1; on a page the chart takes its container's width instead


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    return chart.configure(locale=alt.Locale(number=NUMBER_LOCALES[lang]))


def _fixed_width(chart: alt.TopLevelMixin, width: int) -> alt.TopLevelMixin:
    # A page chart stretches to its container; an image needs a width of its own.
    if isinstance(chart, (alt.Chart, alt.LayerChart)) and chart.width in (alt.Undefined, "container"):
        return chart.properties(width=width)
    return chart


def chart_spec(chart: alt.TopLevelMixin, lang: str, width: int = EXPORT_WIDTH) -> dict:
    return localized(_fixed_width(chart, width), lang).to_dict()


def chart_png(chart: alt.TopLevelMixin, lang: str, *, scale: float = 2.0, width: int = EXPORT_WIDTH) -> bytes:
    """A sharp PNG (scale 2 = twice the pixels, for projectors and print)."""
    return vl_convert.vegalite_to_png(chart_spec(chart, lang, width), scale=scale)


def chart_svg(chart: alt.TopLevelMixin, lang: str, *, width: int = EXPORT_WIDTH) -> bytes:
    return vl_convert.vegalite_to_svg(chart_spec(chart, lang, width)).encode("utf-8")


def chart_image(chart: alt.TopLevelMixin, lang: str, fmt: str) -> bytes:
    if fmt == "png":
        return chart_png(chart, lang)
    if fmt == "svg":
        return chart_svg(chart, lang)
    raise ValueError(f"unknown image format {fmt!r}")
