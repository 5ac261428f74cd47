"""Task status per unit, built to answer "where is it worst": pure functions returning alt.Chart.

The rate view gives every unit a bar of 100% (its tasks overdue, on schedule and completed), overdue
first from the axis, so a group of 280 tasks and a province of 9 read on the same scale and the red
lengths compare directly; the count view keeps the numbers. Rows are drawn in the order given (the
metric layer's `tasks.laggards_first`). Every chart carries the point selection "unit" on `code`, so a
click drills into the unit, as in charts/status.py."""

from __future__ import annotations

import altair as alt
import pandas as pd

import charts.theme  # noqa: F401  (registers and enables the app's "nq57" theme)
from charts.build import finished
from charts.status import TICKS_EXPR, selected_opacity
from charts.theme import STATUS_COLOURS
from data_loaders.i18n import format_number, format_percent, t

# Overdue nearest the axis: the part a leader compares.
STACK_ORDER = ("overdue", "on_schedule", "completed")
VIEWS = ("rate", "count")
ROW_HEIGHT = 26
LABEL_LIMIT = 150  # px of unit name before the axis label is cut (the tooltip has it in full); a phone keeps its bars


def status_share_by_unit(rows: list[dict], lang: str, view: str = "rate", legend: bool = True) -> alt.Chart:
    """Stacked bars of overdue / on schedule / completed, one per row ({code, label, total, completed,
    on_schedule, overdue}), in the rows' order: shares of each unit's tasks (`view="rate"`, 0–100%) or
    counts (`view="count"`)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    labels = {status: t(f"status_{status}", lang) for status in STACK_ORDER}
    records = []
    for row in rows:
        total = row["total"]
        for position, status in enumerate(STACK_ORDER):
            share = 100 * row[status] / total if total else 0.0
            records.append({
                "code": row["code"], "unit": row["label"], "status": labels[status], "order": position,
                "value": share if view == "rate" else row[status],
                "count_label": format_number(row[status], lang), "share_label": format_percent(share, lang),
                "total_label": format_number(total, lang),
            })
    frame = pd.DataFrame(records, columns=["code", "unit", "status", "order", "value", "count_label",
                                           "share_label", "total_label"])
    if view == "rate":
        x = alt.X("value:Q", stack="zero", title=None,  # the labels say %; a long title would be cut on a phone
                  scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(labelExpr="datum.value + '%'", tickCount=5))
    else:
        x = alt.X("value:Q", stack="zero", title=t("count", lang),
                  axis=alt.Axis(format="d", tickMinStep=1, tickCount=alt.ExprRef(TICKS_EXPR)))
    select = alt.selection_point(name="unit", fields=["code"], on="click")
    chart = (
        alt.Chart(frame)
        .mark_bar(cursor="pointer")
        .encode(
            # the same label column on every such chart, so a panel of its own lines up with the units below
            y=alt.Y("unit:N", sort=[row["label"] for row in rows], title=None,
                    axis=alt.Axis(labelLimit=LABEL_LIMIT, minExtent=LABEL_LIMIT)),
            x=x,
            color=alt.Color("status:N", title=t("status", lang),
                            legend=alt.Legend(orient="top", title=None, columns=1, labelLimit=200) if legend else None,
                            scale=alt.Scale(domain=[labels[s] for s in reversed(STACK_ORDER)],
                                            range=[STATUS_COLOURS[s] for s in reversed(STACK_ORDER)])),
            order=alt.Order("order:Q"),
            opacity=selected_opacity(select),
            tooltip=[alt.Tooltip("unit:N", title=t("unit_name", lang)),
                     alt.Tooltip("status:N", title=t("status", lang)),
                     alt.Tooltip("count_label:N", title=t("count", lang)),
                     alt.Tooltip("share_label:N", title=t("warnings_share_of_tasks", lang)),
                     alt.Tooltip("total_label:N", title=t("tasks_total", lang))],
        )
        .add_params(select)
    )
    return finished(chart, height=alt.Step(ROW_HEIGHT))  # (see charts/build.py)
