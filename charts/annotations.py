"""Annotations on a trend chart: a dashed vertical rule at each note's date with a numbered marker;
the note's text is in the tooltip and, numbered the same, listed under the chart (or in a deck's notes)."""

from __future__ import annotations

import altair as alt
import pandas as pd

import charts.theme  # noqa: F401  (registers and enables the app's "nq57" theme)
from charts.build import finished, with_properties
from charts.trend import trend_lines
from data_loaders.i18n import format_date

NOTE_COLOUR = "#6a1b9a"


def annotated(chart: alt.Chart | alt.LayerChart, notes: list[dict], lang: str) -> alt.Chart | alt.LayerChart:
    """`chart` (x: month ends as yearmonth(date)) with each note of `notes` ({on_date, text}) marked."""
    if not notes:
        return chart
    autosize = chart.autosize  # a top-level property: the layer takes it over
    chart = with_properties(chart, autosize=alt.Undefined)  # (not chart.copy(): a deep copy, layered all over again)
    frame = pd.DataFrame([{"date": note["on_date"].isoformat(), "number": str(index),
                           "note": f"{index}. {format_date(note['on_date'], lang)}: {note['text']}"}
                          for index, note in enumerate(notes, start=1)])
    base = alt.Chart(frame).encode(x=alt.X("yearmonth(date):T"), tooltip=[alt.Tooltip("note:N", title="")])
    rules = base.mark_rule(strokeDash=[3, 3], color=NOTE_COLOUR, strokeWidth=1.5)
    markers = base.mark_text(align="center", baseline="top", dy=2, color=NOTE_COLOUR, fontWeight="bold",
                             fontSize=13).encode(y=alt.YValue(0), text=alt.Text("number:N"))
    layered = alt.layer(chart, rules, markers)
    return layered if autosize is alt.Undefined else finished(layered, autosize=autosize)


def annotated_trend(frame: pd.DataFrame, value_title: str, lang: str, targets: list[dict] | None = None,
                    notes: list[dict] | None = None) -> alt.Chart | alt.LayerChart:
    """`trend_lines` with `notes` marked (`annotated`): one builder of plain data, so a page can keep its spec
    (components/display.py `show_chart_of`) instead of building it again on every run."""
    return annotated(trend_lines(frame, value_title, lang, targets=targets), notes or [], lang)


def note_lines(notes: list[dict], lang: str) -> list[str]:
    """The numbered notes as text lines, matching the markers."""
    return [f"{index}. {format_date(note['on_date'], lang)}: {note['text']}" for index, note in enumerate(notes, 1)]
