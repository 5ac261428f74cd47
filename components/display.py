"""Putting a chart on the page in the user's number format."""

from __future__ import annotations

import altair as alt
import streamlit as st

from components.state import language

# Vega's own formatting (axes, legends) follows the page language: 12.106 and 26,5 in Vietnamese.
_NUMBER_LOCALES = {
    "vi": alt.NumberLocale(decimal=",", thousands=".", grouping=[3], currency=["", " ₫"]),
    "en": alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["$", ""]),
}


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    return chart.configure(locale=alt.Locale(number=_NUMBER_LOCALES[lang]))


def show_chart(chart: alt.TopLevelMixin, **kwargs):
    """st.altair_chart with the user's number locale; returns the selection event if any."""
    kwargs.setdefault("width", "stretch")
    return st.altair_chart(localized(chart, language()), **kwargs)
