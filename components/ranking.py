"""The child units of the chosen unit, ranked on one metric: a map (provinces, or a province's
communes) beside ranked bars. A click on either drills into the unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from charts.maps import commune_points, format_value, province_choropleth, ranked_bars
from components import cached
from components.display import show_chart_of
from components.state import on_chart_select, tr
from data_loaders.figures import definitions as rules
from data_loaders.figures.indicators import per_inhabitants
from data_loaders.figures.scope import UnitInfo
from data_loaders.i18n import format_number, t

TASK_METRICS = ("overdue", "overdue_rate", "on_time_rate", "tasks_total")
TASKS_LOWER_IS_BETTER = {"overdue", "overdue_rate"}  # an indicator's direction is the catalogue's
RANKED_BARS_SHOWN = 40


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    decimals: int
    percent: bool


def metric(code: str, lang: str, per_capita: bool = False) -> Metric:
    if code in TASK_METRICS:
        percent = code.endswith("rate")
        return Metric(code, t(f"metric_{code}", lang), 1 if percent else 0, percent)
    indicator = cached.indicator_definitions()[code]
    if per_capita and indicator.rollup == "sum":
        label = t("metric_per_100k", lang, label=indicator.label(lang), people=format_number(100_000, lang))
        return Metric(code, label, 2, False)
    return Metric(code, indicator.label(lang), indicator.decimals, indicator.percent)


def child_metric_frame(unit: UnitInfo, day: dt.date, code: str, per_capita: bool = False) -> pd.DataFrame:
    """code, name, value for each unit below `unit` (the unit's own tasks are not a child)."""
    if code in TASK_METRICS:
        rows = [r for r in cached.task_status_by_child(unit.code, day) if not r["own"]]
        values = []
        for row in rows:
            total = row["total"]
            value = {
                "overdue": row["overdue"],
                "tasks_total": total,
                "overdue_rate": rules.overdue_rate(total, row["overdue"]),
                "on_time_rate": rules.on_time_rate(total, row["overdue"]),
            }[code]
            values.append({"code": row["code"], "name": row["name"], "value": value})
        return pd.DataFrame(values, columns=["code", "name", "value"])
    rows = cached.indicators_by_child(unit.code, day)
    per = per_capita and cached.indicator_definitions()[code].rollup == "sum"
    return pd.DataFrame([{"code": r["code"], "name": r["name"],
                          "value": per_inhabitants(r[code], r["population"]) if per else r[code]} for r in rows],
                        columns=["code", "name", "value"])


def _top_and_bottom(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """The units with a value, largest first: all of them, or the `count // 2` first and last. Units
    without one are left out (the on-time rate of Lâm Đồng's communes: 5 of 124 have tasks, and the
    top 20 were 5 bars over 15 empty rows)."""
    ordered = frame.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable")
    if len(ordered) <= count:
        return ordered
    return pd.concat([ordered.head(count // 2), ordered.tail(count // 2)]).drop_duplicates("code")


def ranking_section(unit: UnitInfo, day: dt.date, metric_codes: tuple[str, ...], lang: str, key: str,
                    per_capita_option: bool = False, show_map: bool = True) -> None:
    """A metric across the units below `unit`: a map (at least half the content width) beside the
    ranked bars. At the commune level, the commune within its province: the province's communes,
    this one outlined, and where it stands among them."""
    commune = unit if unit.level == "commune" else None
    if commune is not None:
        if not (show_map and unit.province_code):
            st.caption(tr("no_children"))
            return
        unit = cached.get_unit(unit.province_code)
    controls = st.columns([3, 1]) if len(metric_codes) > 1 or per_capita_option else None
    code = metric_codes[0] if controls is None else controls[0].selectbox(  # one metric: nothing to choose
        tr("metric"), metric_codes, key=f"{key}::metric::{lang}", format_func=lambda c: metric(c, lang).label)
    per_capita = per_capita_option and controls[1].toggle(tr("per_capita_toggle"), key=f"{key}::per_capita::{lang}")
    chosen = metric(code, lang, per_capita)
    frame = child_metric_frame(unit, day, code, per_capita)
    # Darker means more; a warm scheme for what is bad to have more of (overdue tasks, villages
    # without signal), a cool one for what is good. Ranked largest first: #1 is at the top.
    lower_is_better = (code in TASKS_LOWER_IS_BETTER if code in TASK_METRICS
                       else not cached.indicator_definitions()[code].higher_is_better)
    colours = {"higher_is_better": True, "scheme": "orangered" if lower_is_better else "yellowgreenblue"}
    if frame["value"].isna().all():
        st.info(tr("warnings_metric_no_data", metric=chosen.label, unit=unit.name))
        return
    if commune is not None:
        _commune_in_province(commune, unit, frame, chosen, lang)
    map_column, bars_column = st.columns([3, 2]) if show_map else (None, st.container())
    if show_map:
        with map_column:
            map_key = f"{key}::map::{unit.code}::{code}"
            # Built through show_chart_of: the spec kept per arguments and data version (building the map and
            # the bars with Altair was 0.3–0.4 s of every run of the leader's board)
            if unit.level == "national":
                builder, arguments = province_choropleth, (frame, "value", chosen.label, lang)
                options = {"decimals": chosen.decimals, "percent": chosen.percent, **colours}
            else:
                coordinates = cached.unit_coordinates(unit.code)
                points = frame.assign(lat=[coordinates.get(c, (None, None))[0] for c in frame["code"]],
                                      lon=[coordinates.get(c, (None, None))[1] for c in frame["code"]])
                builder, arguments = commune_points, (points, "value", chosen.label, lang)
                options = {"province_code": unit.code, "selected_code": commune.code if commune else None,
                           "decimals": chosen.decimals, "percent": chosen.percent, **colours}
            show_chart_of(builder, arguments, options, key=map_key, name=f"{tr('nav_map')} {chosen.label}",
                          on_select=lambda: on_chart_select(map_key), selection_mode="unit")
    with bars_column:
        shown = _top_and_bottom(frame, RANKED_BARS_SHOWN)
        if commune is not None and commune.code not in set(shown["code"]):
            shown = pd.concat([shown, frame[frame["code"] == commune.code]])
        valued = int(frame["value"].notna().sum())
        if len(shown) < valued:
            st.caption(tr("ranking_top_bottom", shown=RANKED_BARS_SHOWN // 2, total=valued))
        if valued < len(frame):
            st.caption(tr("ranking_without_value", missing=len(frame) - valued, total=len(frame),
                          metric=chosen.label))
        bars_key = f"{key}::bars::{unit.code}::{code}"
        show_chart_of(ranked_bars, (shown, "value", chosen.label, lang),
                      {"decimals": chosen.decimals, "percent": chosen.percent, "row_height": 24,
                       "selected_code": commune.code if commune else None,
                       "class_values": frame["value"], **colours},  # the map's colour classes: same unit, same colour
                      key=bars_key, name=f"{tr('ranking_heading')} {chosen.label}",
                      on_select=lambda: on_chart_select(bars_key), selection_mode="unit")
    st.caption(tr("click_to_drill"))


def _commune_in_province(commune: UnitInfo, province: UnitInfo, frame: pd.DataFrame, chosen: Metric,
                         lang: str) -> None:
    """Where the commune stands among its province's communes, in a sentence."""
    mine = frame[frame["code"] == commune.code]
    value = mine["value"].iloc[0] if len(mine) else None
    if value is None or pd.isna(value):
        st.info(tr("warnings_commune_no_value", commune=commune.name, metric=chosen.label, province=province.name))
        return
    valued = frame.dropna(subset=["value"])
    higher = int((valued["value"] > value).sum())
    st.markdown(tr("warnings_commune_place", commune=commune.name, metric=chosen.label,
                   value=format_value(value, lang, chosen.decimals, chosen.percent), place=higher + 1,
                   count=len(valued), province=province.name))
