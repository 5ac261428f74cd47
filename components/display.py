"""Putting a chart on the page in the user's number format, with PNG and SVG downloads."""

from __future__ import annotations

import functools

import altair as alt
import streamlit as st

from components.chart_images import chart_image, localized
from components.exports import chart_downloads
from components.state import language


def show_chart(chart: alt.TopLevelMixin, *, name: str | None = None, key: str | None = None, **kwargs):
    """st.altair_chart with the user's number locale, and (when `name` is given: the chart's title in
    the user's language, used for the file name) its image downloads. Returns the selection event if any."""
    lang = language()
    kwargs.setdefault("width", "stretch")
    event = st.altair_chart(localized(chart, lang), key=key, **kwargs)
    if name:
        chart_downloads(functools.partial(chart_image, chart, lang), name=name, key=key or f"chart::{name}")
    return event
