"""Vega's number and time locale per page language (12.106 and 26,5 in Vietnamese; month names), in
one place for the page charts (components/display.py) and the exported images (charts/render.py).
Both come from Babel's CLDR data through data_loaders.i18n, like every other number the app writes."""

from __future__ import annotations

import functools

import altair as alt

from charts.build import with_properties
from data_loaders.i18n import vega_format_locale, vega_time_locale


@functools.cache
def chart_locale(lang: str) -> alt.Locale:
    return alt.Locale(number=alt.NumberLocale(**vega_format_locale(lang)),
                      time=alt.TimeLocale(**vega_time_locale(lang)))


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """The chart with Vega's axis and legend number format in the language's separators: `chart.configure(locale=…)`
    without re-layering a layered chart to copy it (a quarter of an annotated trend chart's build and conversion)."""
    return with_properties(chart, config=alt.Config(locale=chart_locale(lang)))
