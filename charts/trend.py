"""Lines over month ends (indicator and task-count trends): pure functions returning alt.Chart."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

import charts.theme  # noqa: F401  (registers and enables the app's "nq57" theme)
from charts.build import finished
from charts.theme import FIT_WIDTH, fitting_title, wrapping_legend
from data_loaders.figures.targets import is_percent, path_value
from data_loaders.i18n import format_date, format_number, format_percent, t


def trend_lines(frame: pd.DataFrame, value_title: str, lang: str, targets: list[dict] | None = None,
                colours: dict[str, str] | None = None) -> alt.Chart:
    """Lines over month ends, titled `value_title`; frame columns: date, series, value, value_label.
    `targets` (figures/targets.py TargetInForce, one per charted indicator that has one) add each
    target as a dashed red rule and, where it has a baseline, its path across the chart's months."""
    encoding = {
        # month-end dates plotted as their month, so "T6" sits under June's value
        # labels centred under their month: flush with the ends, the first two and last two ran together
        "x": alt.X("yearmonth(date):T", title=None,
                   axis=alt.Axis(labelExpr=month_label_expr(lang), tickCount=_month_ticks(frame, targets),
                                 labelFlush=False)),
        "y": alt.Y("value:Q", title=None, **(_zero_axis(frame, targets) or {"axis": alt.Axis(
            tickCount=alt.ExprRef(VALUE_TICKS_EXPR))})),
        "tooltip": [alt.Tooltip("date:T", format="%d/%m/%Y" if lang == "vi" else "%d %b %Y", title=""),
                    alt.Tooltip("series:N", title=""), alt.Tooltip("value_label:N", title=value_title)],
    }
    # entries wrap at the chart's width: three charts to a row at 1280 px, a phone
    legend = wrapping_legend(list(colours) if colours else frame["series"].drop_duplicates().tolist())
    if colours:
        encoding["color"] = alt.Color("series:N", title=None, legend=legend,
                                      scale=alt.Scale(domain=list(colours), range=list(colours.values())))
    else:  # the series in the order given, whatever their names sort to: the same colours in every language
        encoding["color"] = alt.Color("series:N", title=None, legend=legend,
                                      sort=frame["series"].drop_duplicates().tolist())
    chart = alt.Chart(frame).mark_line(point=True, strokeWidth=3).encode(**encoding)
    for target in targets or ():
        dates = sorted(frame["date"].unique())
        chart = chart + target_layers(target, dates, lang, below=_label_below(target, frame, dates))
    # The plot keeps its 260 px whatever the title and legend take ("fit-x": fitted to the width only); with
    # Streamlit's default ("fit") a legend wrapped onto three rows on a phone would squeeze it to a strip.
    return finished(chart, height=260, title=fitting_title(value_title), autosize=FIT_WIDTH)


# A tick about every 50 px of a value axis: 0, 50, … 200 on a 260-px plot, where a tick every 20 stations (0 … 220)
# put "220" on top of "200" (the top label is kept inside the plot, flush with its end).
VALUE_TICKS_EXPR = "max(2, floor(height / 50))"


def month_label_expr(lang: str) -> str:
    """A month axis's labels, short so they keep apart in a slide's large type: the month alone ("T3", "Mar"), with
    its year on a second line under the first label and under each January ("T1" over "2025"). "01/2025 03/2025 …"
    and "Jan 2025 Mar 2025 …" nearly touched at 1280×720."""
    month = "'T' + (month(datum.value) + 1)" if lang == "vi" else "timeFormat(datum.value, '%b')"
    return (f"(datum.index == 0 || month(datum.value) == 0) ? [{month}, timeFormat(datum.value, '%Y')] : {month}")


def _zero_axis(frame: pd.DataFrame, targets: list[dict] | None) -> dict:
    """For lines that are all zero (a commune with no village out of signal): a 0–1 scale with whole ticks, where
    Vega's empty domain made an axis of 0,000000."""
    values = pd.to_numeric(frame["value"], errors="coerce").dropna() if "value" in frame else pd.Series(dtype=float)
    if targets or values.empty or values.abs().max() > 0:
        return {}
    return {"scale": alt.Scale(domain=[0, 1]), "axis": alt.Axis(tickMinStep=1, format="d")}


def _month_ticks(frame: pd.DataFrame, targets: list[dict] | None) -> dict | str:
    """A tick every month while the chart spans at most seven (the data's six months), else every second
    or third: a target's path can stretch the axis to its date, and twelve labels would run together."""
    dates = sorted(frame["date"].unique()) if "date" in frame else []
    if not dates:
        return "month"
    first = dt.date.fromisoformat(str(dates[0])[:10])
    last = max([dt.date.fromisoformat(str(dates[-1])[:10])] + [path_dates(t, dates)[-1] for t in targets or ()])
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if span <= 7 else {"interval": "month", "step": 2 if span <= 13 else 3}


TARGET_COLOUR = "#c62828"


def _amount(indicator: str, value: float, lang: str) -> str:
    return (format_percent(value, lang, 0 if float(value).is_integer() else 1) if is_percent(indicator)
            else format_number(value, lang))


PATH_AHEAD = dt.timedelta(days=366)  # a target date at most a year past the data: the path runs to it


def path_dates(target: dict, dates: list[str]) -> list[dt.date]:
    """Where the path is drawn: from the chart's first month end (or the baseline date inside the
    chart) to the target date when it is at most a year past the chart's last month end, else to it."""
    if not dates:
        return []
    first, last = (dt.date.fromisoformat(str(day)[:10]) for day in (dates[0], dates[-1]))
    days = {first}
    baseline = target.get("baseline_date")
    if baseline is not None and first < baseline < last:
        days.add(baseline)
    days.add(target["date"] if last < target["date"] <= last + PATH_AHEAD else last)
    return sorted(days)


PLOT_PX = 260  # the trend charts' plot height (trend_lines)
LABEL_PX = (2, 20)  # px from its rule: where a target's label (11-px type) and a line's 3-px stroke would touch
LABEL_REACH = 0.6  # of the x axis from the left: how far "Mục tiêu 90% (31/12/2025)" runs on a third of 1280 px


def _label_below(target: dict, frame: pd.DataFrame, dates: list[str]) -> bool:
    """Whether the target's label goes under its rule rather than over it: when the lines (or the target's path)
    pass through the label's place above the rule on the left of the chart, and less so below it (a commune whose
    fibre coverage runs at 90–97% against a 90% target drew its line through "Mục tiêu 90%"). Never under a rule
    at the foot of the scale."""
    if not dates or frame.empty:
        return False
    value = float(target["value"])
    points = [(dt.date.fromisoformat(str(row.date)[:10]), float(row.value), row.series)
              for row in frame.itertuples() if pd.notna(row.value)]
    path = path_dates(target, dates)
    points += [(day, level, "path") for day in path if (level := path_value(target, day)) is not None]
    levels = [level for _, level, _ in points] + [value]
    low, high = min(0.0, *levels), max(levels)
    if high <= low:
        return False
    per_px = (high - low) / PLOT_PX
    if value - LABEL_PX[1] * per_px < low:
        return False  # no room under the rule
    first = min(day for day, _, _ in points)
    reach = first + (max([day for day, _, _ in points]) - first) * LABEL_REACH
    above = (value + LABEL_PX[0] * per_px, value + LABEL_PX[1] * per_px)
    below = (value - LABEL_PX[1] * per_px, value - LABEL_PX[0] * per_px)

    def crossings(band: tuple[float, float]) -> int:
        """Points, and segments between a series' consecutive points, inside the band left of `reach`."""
        count = 0
        for series in {name for _, _, name in points}:
            line = sorted((day, level) for day, level, name in points if name == series and day <= reach)
            count += sum(band[0] <= level <= band[1] for _, level in line)
            count += sum(min(a, b) <= band[1] and max(a, b) >= band[0] for (_, a), (_, b) in zip(line, line[1:]))
        return count

    return crossings(above) > crossings(below)


def target_layers(target: dict, dates: list[str], lang: str, below: bool = False) -> alt.LayerChart:
    """A target on a trend chart: its rule, labelled "Mục tiêu 90% (31/12/2025)" (over the rule, or `below` it
    where the lines would run through the label), and its path (the trajectory from the baseline,
    figures/targets.py `path_value`), dashed, labelled "Lộ trình"."""
    indicator = target["indicator"]
    label = t("chart_target_label", lang, target=_amount(indicator, target["value"], lang),
              date=format_date(target["date"], lang))
    rule = alt.Chart(pd.DataFrame({"target": [target["value"]], "label": [label]}))
    # at the chart's left edge, so a label never runs off the right of a narrow chart; under its rule where the
    # lines pass above it; on a white halo, so a line running through it does not make it unreadable
    text = {"align": "left", "dx": 2, **({"baseline": "top", "dy": 6} if below else {"dy": -8})}
    # (channel objects: strings and dicts are turned into them by trying classes against the schema)
    where = {"x": alt.XValue(0), "y": alt.Y("target:Q"), "text": alt.Text("label:N")}
    layers = [rule.mark_rule(strokeDash=[6, 4], color=TARGET_COLOUR).encode(y=alt.Y("target:Q")),
              rule.mark_text(**text, color="white", stroke="white", strokeWidth=4, strokeJoin="round").encode(**where),
              rule.mark_text(**text, color=TARGET_COLOUR).encode(**where)]
    points = [(day, path_value(target, day)) for day in path_dates(target, dates)]
    if points and all(value is not None for _, value in points):
        path = pd.DataFrame({"date": [day.isoformat() for day, _ in points], "path": [value for _, value in points],
                             "series": t("chart_path_label", lang),
                             "path_label": [_amount(indicator, value, lang) for _, value in points]})
        layers.append(alt.Chart(path).mark_line(strokeDash=[2, 3], strokeWidth=2, color=TARGET_COLOUR).encode(
            x=alt.X("yearmonth(date):T"), y=alt.Y("path:Q"),
            tooltip=[alt.Tooltip("series:N", title=""), alt.Tooltip("path_label:N", title=label)]))
    return alt.layer(*layers)


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
