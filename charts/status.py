"""Task-status charts: pure functions returning alt.Chart, so the same chart goes on a page, into
a PNG for a deck, and into a test that inspects its spec. Charts that list units carry a point
selection named "unit" on the field `code`; pages drill into the clicked unit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.build import finished
from charts.theme import STATUS_COLOURS, wrapping_legend
from charts.trend import trend_frame, trend_lines
from data_loaders.i18n import format_number, format_percent, t

STATUS_ORDER = ("completed", "on_schedule", "overdue")
LINE_BREAK = "\n"
# Names beside bars take at most 35% of a narrow chart (a phone: about 125 px, cut with "…", whole in the
# tooltip), so the bars and the legend under them ("Đang thực hiện theo lộ trình") keep room; 260 px where the
# chart is wide, or has no container (an exported image).
NAME_LIMIT_EXPR = "containerSize()[0] > 0 ? clamp(containerSize()[0] * 0.35, 90, 260) : 260"
# About one tick per 80 px of a count axis: Vega's default (one per 40 px) set "130" against "140".
TICKS_EXPR = "max(2, floor(width / 80))"
# Vega draws an array of strings as lines: a label written with line breaks shows on several lines.
_LINES_EXPR = "split(datum.label, '\\n')"


def wrapped_label(text: str, width: int, lines: int = 3) -> str:
    """A long name broken at spaces into lines of at most `width` characters ("Văn phòng Ủy ban nhân dân\n
    thành phố Hà Nội"), at most `lines` of them, the last cut with "…" when the name is longer still; a word
    longer than a line stays whole. The full name goes in the tooltip and the slide's notes."""
    rows: list[str] = []
    for word in text.split():
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][:max(width - 1, 1)].rstrip() + "…"
    return LINE_BREAK.join(rows)


def status_labels(lang: str) -> dict[str, str]:
    return {status: t(f"status_{status}", lang) for status in STATUS_ORDER}


def _status_scale(lang: str) -> alt.Scale:
    labels = status_labels(lang)
    return alt.Scale(domain=[labels[s] for s in STATUS_ORDER], range=[STATUS_COLOURS[s] for s in STATUS_ORDER])


def status_bars(status: dict[str, int], lang: str) -> alt.Chart:
    """Tasks by status: one bar per status, labelled with count and share."""
    labels = status_labels(lang)
    total = max(status.get("total", 0), 1)
    frame = pd.DataFrame([
        {"status": labels[s], "count": status.get(s, 0),
         "label": f"{format_number(status.get(s, 0), lang)} "
                  f"({format_percent(100 * status.get(s, 0) / total, lang, 0)})"}
        for s in STATUS_ORDER
    ])
    base = alt.Chart(frame).encode(
        y=alt.Y("status:N", sort=[labels[s] for s in STATUS_ORDER], title=None),
        x=alt.X("count:Q", title=t("count", lang), axis=alt.Axis(format="d", tickMinStep=1)),
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color("status:N", scale=_status_scale(lang), legend=None),
        tooltip=[alt.Tooltip("status:N", title=t("status", lang)), alt.Tooltip("label:N", title=t("count", lang))],
    )
    text = base.mark_text(align="left", dx=4, fontSize=14).encode(text=alt.Text("label:N"))
    return finished(bars + text, height=150)  # (see charts/build.py)


def _stacked_status(frame: pd.DataFrame, y_field: str, order: list[str], lang: str, tooltip: list,
                    wrapped: bool = False) -> alt.Chart:
    """Horizontal bars of completed / on schedule / overdue stacked in that order, one 26 px row each;
    `wrapped`: the names hold line breaks (wrapped_label), drawn as lines."""
    axis = (alt.Axis(labelExpr=_LINES_EXPR, labelLimit=0, labelBaseline="middle") if wrapped
            else alt.Axis(labelLimit=alt.ExprRef(NAME_LIMIT_EXPR)))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{y_field}:N", sort=order, title=None, axis=axis),
            x=alt.X("count:Q", stack="zero", title=t("count", lang),
                    axis=alt.Axis(format="d", tickMinStep=1, tickCount=alt.ExprRef(TICKS_EXPR))),
            color=alt.Color("status:N", scale=_status_scale(lang), title=t("status", lang),
                            legend=wrapping_legend(list(status_labels(lang).values()))),
            order=alt.Order("order:Q"),
            tooltip=tooltip,
        )
    )
    return finished(chart, height=alt.Step(26))


def selected_opacity(select: alt.Parameter) -> alt.OpacityValue:
    """`alt.condition(select, alt.value(1.0), alt.value(0.55))` as the channel object (that dict, `encode` turns into
    one by trying classes against the schema): the clicked unit opaque, the others faded."""
    return alt.OpacityValue(0.55, condition={"param": select.name, "value": 1.0})


def status_by_unit(rows: list[dict], lang: str, sort_by: str = "overdue", label_width: int | None = None) -> alt.Chart:
    """Stacked status bars, one per unit, sorted by overdue count or rate (`sort_by="given"`: in the rows' order,
    as a slide lists them beside the chart); click a unit to drill.
    `label_width`: names wrapped onto lines of that many characters (a slide's narrow column)."""
    labels = status_labels(lang)
    label = (lambda name: wrapped_label(name, label_width)) if label_width else (lambda name: name)
    records = []
    for row in rows:
        total = row["total"] or 0
        rate = 100 * row["overdue"] / total if total else 0.0
        for status in STATUS_ORDER:
            records.append({
                "code": row["code"], "unit": label(row["label"]), "name": row["label"], "status": labels[status],
                "order": STATUS_ORDER.index(status),
                "count": row[status], "total": total, "overdue": row["overdue"], "rate": rate,
                "rate_label": format_percent(rate, lang), "total_label": format_number(total, lang),
                "count_label": format_number(row[status], lang),
            })
    frame = pd.DataFrame(records)
    sort_field = "rate" if sort_by == "rate" else "overdue"
    units = frame.drop_duplicates("code") if not frame.empty else frame
    if sort_by != "given" and not frame.empty:
        units = units.sort_values([sort_field, "total"], ascending=False)
    unit_order = units["unit"].tolist() if not frame.empty else []
    select = alt.selection_point(name="unit", fields=["code"], on="click")
    tooltip = [
        alt.Tooltip("name:N", title=t("unit_name", lang)),
        alt.Tooltip("status:N", title=t("status", lang)),
        alt.Tooltip("count_label:N", title=t("count", lang)),
        alt.Tooltip("total_label:N", title=t("tasks_total", lang)),
        alt.Tooltip("rate_label:N", title=t("overdue_rate", lang)),
    ]
    return (_stacked_status(frame, "unit", unit_order, lang, tooltip, wrapped=bool(label_width))
            .encode(opacity=selected_opacity(select))
            .add_params(select))


def status_breakdown(rows: list[dict], lang: str, label_of=None, label_width: int | None = None, *,
                     names: dict[str, str] | None = None, row_step: int | None = None) -> alt.Chart:
    """Stacked status bars per area, plan or lead agency (no drilling: these are not units), each named
    `label_of(key)` or `names[key]` (else its key: plain data, so a page can keep the spec).
    `label_width`: names wrapped onto lines of that many characters (a slide's narrow column);
    `row_step`: px a bar's row (room for its wrapped name)."""
    labels = status_labels(lang)
    if label_of is None:
        label_of = (lambda key: names.get(key, key)) if names else (lambda key: key)

    def group(key: str) -> str:
        return wrapped_label(label_of(key), label_width) if label_width else label_of(key)

    frame = pd.DataFrame([
        {"group": group(row["key"]), "name": label_of(row["key"]), "status": labels[s],
         "order": STATUS_ORDER.index(s), "count": row[s], "count_label": format_number(row[s], lang),
         "total": row["total"]}
        for row in rows for s in STATUS_ORDER
    ])
    tooltip = [alt.Tooltip("name:N", title=""), alt.Tooltip("status:N", title=t("status", lang)),
               alt.Tooltip("count_label:N", title=t("count", lang))]
    chart = _stacked_status(frame, "group", [group(row["key"]) for row in rows], lang, tooltip,
                            wrapped=bool(label_width))
    return finished(chart, height={"step": row_step}) if row_step else chart


def status_trend_chart(rows: list[dict], lang: str) -> alt.Chart:
    """Completed and overdue tasks (and the total) at each month end."""
    labels = status_labels(lang)
    series = {"total": t("tasks_total", lang), "completed": labels["completed"], "overdue": labels["overdue"]}
    frame = trend_frame(rows, series, lang)
    colours = {series["total"]: "#607d8b", series["completed"]: STATUS_COLOURS["completed"],
               series["overdue"]: STATUS_COLOURS["overdue"]}
    return trend_lines(frame, t("count", lang), lang, colours=colours)
