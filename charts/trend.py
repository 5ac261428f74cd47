"""Lines over month ends (indicator and task-count trends): pure functions returning alt.Chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

import charts.theme  # noqa: F401  (registers and enables the app's "nq57" theme)
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
    if colours:
        encoding["color"] = alt.Color("series:N", title=None, scale=alt.Scale(domain=list(colours),
                                                                              range=list(colours.values())))
    else:
        encoding["color"] = alt.Color("series:N", title=None)
    chart = alt.Chart(frame).mark_line(point=True, strokeWidth=3).encode(**encoding)
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target],
                                       "label": [f"{t('target', lang)} {format_number(target, lang)}%"]}))
        chart = chart + rule.mark_rule(strokeDash=[6, 4], color="#c62828").encode(y="target:Q") + rule.mark_text(
            align="left", dy=-8, color="#c62828").encode(y="target:Q", text="label:N")
    return chart.properties(height=260, title=value_title)


def trend_frame(rows: list[dict], fields: dict[str, str], lang: str, percent: bool = False,
                decimals: int | None = None) -> pd.DataFrame:
    """Long frame for `trend_lines` from rows of {date, field: value}: one series per field (its label),
    labelled with `decimals` (default: 1 for a percentage, none for a count)."""
    def label(value: float) -> str:
        if percent:
            return format_percent(value, lang, 1 if decimals is None else decimals)
        return format_number(value, lang, 0 if decimals is None else decimals)

    return pd.DataFrame([
        {"date": row["date"].isoformat(), "series": name, "value": row[field], "value_label": label(row[field])}
        for row in rows for field, name in fields.items() if row.get(field) is not None
    ], columns=["date", "series", "value", "value_label"])
