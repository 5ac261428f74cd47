"""Putting a chart on the page in the user's number format, with PNG and SVG downloads."""

from __future__ import annotations

import altair as alt
import streamlit as st

from charts.locale import localized
from components.exports import chart_downloads
from components.state import language

__all__ = ["localized", "show_chart"]


def show_chart(chart: alt.TopLevelMixin, *, name: str | None = None, key: str | None = None, **kwargs):
    """st.altair_chart with the user's number locale, and (when `name` is given: the chart's title in
    the user's language, used for the file name) its image downloads. Returns the selection event if any."""
    lang = language()
    kwargs.setdefault("width", "stretch")
    event = st.altair_chart(localized(chart, lang), key=key, **kwargs)
    if name:
        chart_downloads(lambda fmt: page_chart_image(chart, lang, fmt), name=name, key=key or f"chart::{name}")
    return event


def page_chart_image(chart: alt.TopLevelMixin, lang: str, fmt: str) -> bytes:
    """The chart as the page shows it (the deck's renderer at the page's type size) in PNG or SVG."""
    from charts import render  # only when someone downloads: vl-convert and the font load on first use

    if fmt == "png":
        return render.chart_png(chart, lang, width=render.PAGE_CHART_WIDTH, font_scale=1.0)
    return render.chart_svg(chart, lang, width=render.PAGE_CHART_WIDTH, font_scale=1.0).encode("utf-8")
