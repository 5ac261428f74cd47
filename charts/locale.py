"""Vega's number locale per page language (12.106 and 26,5 in Vietnamese), in one place for the page
charts (components/display.py) and the exported images (charts/render.py)."""

from __future__ import annotations

import altair as alt

NUMBER_LOCALES = {
    "vi": alt.NumberLocale(decimal=",", thousands=".", grouping=[3], currency=["", " ₫"]),
    "en": alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["$", ""]),
}


def chart_locale(lang: str) -> alt.Locale:
    return alt.Locale(number=NUMBER_LOCALES[lang])


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """The chart with Vega's axis and legend number format in the language's separators."""
    return chart.configure(locale=chart_locale(lang))
