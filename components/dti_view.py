"""The provincial DTI beside NQ57 task progress (figures/dti.py): nationally, the 34 provinces ranked by
the overall DTI with their on-time task rate and rank, as a table and ranked bars; at a province, its
own indices and places. Values that came from the bundled sample are said to be sample data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from charts.maps import ranked_bars
from components import cached
from components.display import show_chart
from components.exports import show_table
from components.kpi import Kpi, kpi_row
from components.state import tr
from components.tables import NumberFormat, header_width
from data_loaders.figures.dti import DtiRow
from data_loaders.figures.indicators import display
from data_loaders.figures.scope import UnitInfo
from data_loaders.i18n import format_date, format_number, format_percent
from data_loaders.store.dti import GROUP, OVERALL


def _sample_caption(unit: UnitInfo, rows: list[DtiRow], lang: str) -> None:
    sample = sum(1 for row in rows if row["sample"])
    if sample and unit.level == "province":
        st.caption(":orange[" + tr("dti_sample_caption_province") + "]")
    elif sample:
        st.caption(":orange[" + tr("dti_sample_caption", count=format_number(sample, lang)) + "]")


# The table's column beside the chart (3/5 of a projector's 1280 px beside the sidebar) is about 480 px: on screen
# the DTI rank, the province, its DTI and its on-time rate; the DTI's year, the task rank and count and the data's
# source are in the downloads and a tapped row's card (the caption above says when the DTI is sample data).
TABLE_PX = 480
SHOWN = ("col_dti_rank", "unit_name", "col_dti_overall", "col_on_time_rate")


def dti_columns() -> tuple[dict, list[str]]:
    """(column_config, column_order) of the table: each figure as wide as its header, the name the rest."""
    widths = {key: header_width(tr(key)) for key in SHOWN if key != "unit_name"}
    widths["unit_name"] = TABLE_PX - sum(widths.values())
    config: dict = {"code": None, **{tr(key): st.column_config.Column(tr(key), width=widths[key]) for key in SHOWN}}
    return config, [tr(key) for key in SHOWN]


def dti_frame(rows: list[DtiRow], lang: str) -> pd.DataFrame:
    """One row per province: DTI rank, name, overall DTI, its year, on-time rate, task rank, tasks, source."""
    return pd.DataFrame([{
        "code": row["code"], tr("col_dti_rank"): row["dti_rank"], tr("unit_name"): row["name"],
        tr("col_dti_overall"): row["indices"].get(OVERALL),
        tr("col_dti_year"): None if row["year"] is None else str(row["year"]),
        tr("col_on_time_rate"): row["on_time_rate"], tr("col_task_rank"): row["task_rank"],
        tr("col_total"): row["tasks"],
        tr("col_dti_source"): tr("dti_source_sample" if row["sample"] else "dti_source_uploaded")
        if row["year"] is not None else None,
    } for row in rows])


def dti_section(unit: UnitInfo, day: dt.date, plan: str | None, lang: str) -> None:
    """The DTI section of the accountability page (nothing at a commune)."""
    if unit.level == "commune":
        return
    rows = cached.dti_ranking(unit.code, day, plan)
    st.subheader(tr("dti_heading"))
    if not any(row["year"] is not None for row in rows):
        st.info(tr("dti_no_values", date=format_date(day, lang)))
        return
    _sample_caption(unit, rows, lang)
    if unit.level == "province":
        _province_cards(rows, lang)
        return
    st.caption(tr("dti_help", date=format_date(day, lang)))
    frame = dti_frame(rows, lang)
    table, chart = st.columns([3, 2])
    with table:
        formats = {tr("col_dti_overall"): NumberFormat(4), tr("col_on_time_rate"): NumberFormat(1, percent=True)}
        config, order = dti_columns()
        show_table(frame, name=tr("dti_heading"), key=f"dti::{unit.code}::{day}" + (f"::{plan}" if plan else ""),
                   column_config=config, column_order=order, number_formats=formats,
                   lead=(tr("unit_name"), tr("col_dti_overall"), tr("col_on_time_rate")))
    with chart:
        bars = pd.DataFrame({"code": [r["code"] for r in rows], "name": [r["name"] for r in rows],
                             "value": [r["indices"].get(OVERALL) for r in rows]}).dropna(subset=["value"])
        title = tr("col_dti_overall")
        show_chart(ranked_bars(bars, "value", title, lang, decimals=4, percent=False, row_height=22),
                   name=tr("dti_heading"))


def _province_cards(rows: list[DtiRow], lang: str) -> None:
    """A province's own indices (the catalogue's DTI entries), its DTI place and its on-time task place."""
    if not rows:
        return
    row = rows[0]
    st.caption(tr("dti_province_help", year=str(row["year"]) if row["year"] else "–"))
    indices = [i for i in cached.indicator_catalogue("VN") if i.group == GROUP]
    kpi_row(per_row=3, kpis=[
        Kpi(tr("col_dti_rank"), f"{format_number(row['dti_rank'], lang)}/{format_number(row['ranked'], lang)}"
            if row["dti_rank"] else "–", tr("col_on_time_rate") + ": " + format_percent(row["on_time_rate"], lang)),
        *(Kpi(tr("col_dti_overall") if i.code == OVERALL else i.label(lang),
              display(i, row["indices"].get(i.code), lang)) for i in indices)])
