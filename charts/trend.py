"""Lines over month ends (indicator and task-count trends): pure functions returning alt.Chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import (  # (importing charts.theme registers and enables the "nq57" theme)
    FIT_WIDTH,
    fitting_title,
    wrapping_legend,
)
from data_loaders.i18n import format_number, format_percent, t


def trend_lines(frame: pd.DataFrame, value_title: str, lang: str, target: float | None = None,
                colours: dict[str, str] | None = None) -> alt.Chart:
    """Lines over month ends, titled `value_title`; frame columns: date, series, value, value_label."""
    date_format = "%m/%Y" if lang == "vi" else "%b %Y"
    encoding = {
        # month-end dates plotted as their month, so "06/2025" sits under June's value
        "x": alt.X("yearmonth(date):T", title=None, axis=alt.Axis(format=date_format, tickCount="month")),
        "y": alt.Y("value:Q", title=None),
        "tooltip": [alt.Tooltip("date:T", format="%d/%m/%Y" if lang == "vi" else "%d %b %Y", title=""),
                    alt.Tooltip("series:N", title=""), alt.Tooltip("value_label:N", title=value_title)],
    }
    # entries wrap at the chart's width: three charts to a row at 1280 px, a phone
    legend = wrapping_legend(list(colours) if colours else frame["series"].drop_duplicates().tolist())
    if colours:
        encoding["color"] = alt.Color("series:N", title=None, legend=legend,
                                      scale=alt.Scale(domain=list(colours), range=list(colours.values())))
    else:
        encoding["color"] = alt.Color("series:N", title=None, legend=legend)
    chart = alt.Chart(frame).mark_line(point=True, strokeWidth=3).encode(**encoding)
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target],
                                       "label": [f"{t('target', lang)} {format_number(target, lang)}%"]}))
        chart = chart + rule.mark_rule(strokeDash=[6, 4], color="#c62828").encode(y="target:Q") + rule.mark_text(
            align="left", dy=-8, color="#c62828").encode(y="target:Q", text="label:N")
    # The plot keeps its 260 px whatever the title and legend take ("fit-x": fitted to the width only); with
    # Streamlit's default ("fit") a legend wrapped onto three rows on a phone would squeeze it to a strip.
    return chart.properties(height=260, title=fitting_title(value_title), autosize=FIT_WIDTH)


def trend_frame(rows: list[dict], fields: dict[str, str], lang: str, percent: bool = False) -> pd.DataFrame:
    """Long frame for `trend_lines` from rows of {date, field: value}: one series per field (its label)."""
    return pd.DataFrame([
        {"date": row["date"].isoformat(), "series": label, "value": row[field],
         "value_label": format_percent(row[field], lang) if percent else format_number(row[field], lang)}
        for row in rows for field, label in fields.items() if row[field] is not None
    ], columns=["date", "series", "value", "value_label"])
