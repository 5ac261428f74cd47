"""Putting a chart on the page in the user's number format."""

from __future__ import annotations

import altair as alt
import streamlit as st

from components.chart_locale import localized
from components.state import language

__all__ = ["localized", "show_chart"]


def show_chart(chart: alt.TopLevelMixin, **kwargs):
    """st.altair_chart with the user's number locale; returns the selection event if any."""
    kwargs.setdefault("width", "stretch")
    return st.altair_chart(localized(chart, language()), **kwargs)
