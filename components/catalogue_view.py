"""The indicators an administrator added to the catalogue, on the page of their group: their KPI
cards, one trend chart each, and (through the page's ranking) their map and ranked bars. An
indicator added in the database appears here without a code change."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from charts.trend import trend_frame, trend_lines
from components import cached
from components.display import show_chart
from components.headline import delta
from components.kpi import Kpi, kpi_row
from components.state import tr
from data_loaders.figures.indicators import added_indicators, display
from data_loaders.figures.scope import UnitInfo
from data_loaders.store.catalogue import IndicatorDef

CHARTS_PER_ROW = 2


def page_indicators(unit: UnitInfo, page: str) -> tuple[IndicatorDef, ...]:
    """The catalogue's added indicators this page shows at this unit (a province's own there only)."""
    return added_indicators(cached.indicator_catalogue(unit.code), page)


def added_section(unit: UnitInfo, day: dt.date, since: dt.date | None, page: str, lang: str) -> tuple[str, ...]:
    """KPI cards and trends of the page's added indicators; returns their codes (for the ranking)."""
    indicators = page_indicators(unit, page)
    if not indicators:
        return ()
    values = cached.indicator_totals(unit.code, day)
    previous = cached.indicator_totals(unit.code, since) if since else None
    cached_trend = cached.indicator_trend(unit.code, day)
    st.subheader(tr("catalogue_added_heading"))
    kpi_row(per_row=3, kpis=[
        Kpi(i.label(lang), display(i, values.get(i.code), lang), i.unit_label(lang),
            delta(values.get(i.code), previous, i.code, lang, i.percent),
            "normal" if i.higher_is_better else "inverse")
        for i in indicators])
    for start in range(0, len(indicators), CHARTS_PER_ROW):
        for column, indicator in zip(st.columns(CHARTS_PER_ROW), indicators[start:start + CHARTS_PER_ROW]):
            title = f"{indicator.label(lang)} ({indicator.unit_label(lang)})"
            frame = trend_frame(cached_trend, {indicator.code: indicator.label(lang)}, lang,
                                percent=indicator.percent, decimals=indicator.decimals)
            with column:
                if len(frame):
                    show_chart(trend_lines(frame, title, lang), name=title)
                else:
                    st.caption(tr("catalogue_no_values", name=indicator.label(lang)))
    return tuple(i.code for i in indicators)
