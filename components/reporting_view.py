"""UI pieces of the reporting-status page: the period picker, the counts per status and the table of
the units below the chosen one (when and by whom each submitted). The figure is
data_loaders/figures/reporting.py, read through components/cached.read."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import cached
from components.exports import show_table
from components.kpi import Kpi, kpi_row
from components.state import language, tr
from components.tables import header_width
from data_loaders.figures import reporting
from data_loaders.i18n import format_datetime, format_number, with_zone

_MONTHS_BACK = 24  # periods offered in the picker, newest first


def periods(earliest: dt.date | None, today: dt.date) -> list[dt.date]:
    """The months from the first data (at most _MONTHS_BACK back) to this month, newest first."""
    months, year, month = [], today.year, today.month
    first = (earliest or today).replace(day=1)
    while len(months) < _MONTHS_BACK and dt.date(year, month, 1) >= first:
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months or [today.replace(day=1)]


def period_picker(as_of: dt.date, today: dt.date) -> dt.date:
    """A month, by default the month of the page's as-of date."""
    options = periods(cached.earliest_data_date(), today)
    default = as_of.replace(day=1)
    if default not in options:
        options = sorted({*options, default}, reverse=True)
    return st.selectbox(tr("reporting_period"), options, index=options.index(default), key="reporting_period",
                        format_func=lambda month: f"{month:%m/%Y}")


def status_of(unit_code: str, period: dt.date, due_day: int, today: dt.date) -> reporting.ReportingStatus:
    return cached.read(reporting.reporting_status, unit_code, period, due_day, today)


def counts_row(result: reporting.ReportingStatus) -> None:
    lang = language()
    total = len(result["children"])
    kpi_row([Kpi(tr(f"reporting_status_{status}"), format_number(result["counts"][status], lang),
                 tr("reporting_of_units", total=format_number(total, lang)))
             for status in reporting.STATUSES])


def _moment(value: dt.datetime | None, by: str | None = None) -> str:
    """An upload time in Vietnam time, and who sent it: "06/12/2026 15:53 · sample", under a header naming the
    zone (with_zone)."""
    if value is None:
        return ""
    return format_datetime(value, language(), zone=False) + (f" · {by}" if by else "")


def status_table(result: reporting.ReportingStatus, approval: dict[str, dict] | None = None) -> None:
    """`approval`: each unit's approval state (data_loaders/ingest/approvals.states_for), shown beside."""
    lang = language()
    approval = approval or {}
    frame = pd.DataFrame([{
        "unit": child["unit"]["name"],
        "status": tr(f"reporting_status_{child['status']}"),
        # a returned submission's reason beside its state: what the clerk must correct
        "approval": _approval_text(approval.get(child["unit"]["code"])),
        "reason": (approval.get(child["unit"]["code"]) or {}).get("reason") or "",
        "first_at": _moment(child["first_submitted_at"], child["first_submitted_by"]),
        "first_by": child["first_submitted_by"] or "",
        "last_at": _moment(child["last_submitted_at"], child["last_submitted_by"]),
        "last_by": child["last_submitted_by"] or "",
        "communes": f"{format_number(child['communes_reported'], lang)} / {format_number(child['communes'], lang)}",
        "task_reports": child["task_reports"],
        "indicator_values": child["indicator_values"],
    } for child in result["children"]], columns=["unit", "status", "approval", "first_at", "first_by", "last_at",
                                                 "last_by", "communes", "task_reports", "indicator_values", "reason"])
    show_table(frame, name=tr("reporting_title"), key="reporting_table", lead=("unit", "status"), column_config={
        "unit": st.column_config.TextColumn(tr("col_unit"), width=140),
        "status": st.column_config.TextColumn(tr("reporting_col_status"), width=85),
        "approval": st.column_config.TextColumn(tr("approval_col_state"), width=115),
        "first_at": st.column_config.TextColumn(with_zone(tr("reporting_col_first_at")), width=170),
        "first_by": st.column_config.TextColumn(tr("reporting_col_first_by")),
        "last_at": st.column_config.TextColumn(with_zone(tr("reporting_col_last_at")), width=170),
        "last_by": st.column_config.TextColumn(tr("reporting_col_last_by")),
        "communes": st.column_config.TextColumn(tr("reporting_col_communes_short"), help=tr("reporting_col_communes"),
                                                width=header_width(tr("reporting_col_communes_short"))),
        "task_reports": st.column_config.NumberColumn(tr("reporting_col_task_reports")),  # 12.106: show_table
        "indicator_values": st.column_config.NumberColumn(tr("reporting_col_indicator_values")),
        "reason": st.column_config.TextColumn(tr("approval_col_reason"), width="large"),
    # on screen: who sent what, when (each time with its sender), and the communes reporting; the counts of
    # reports and values, and the reason alone, are in the downloads (the reason also beside the state)
    }, column_order=("unit", "status", "approval", "first_at", "last_at", "communes"))


def _approval_text(state: dict | None) -> str:
    if not state:
        return ""
    label = tr(f"approval_state_{state['state']}")
    return f"{label}: {state['reason']}" if state.get("reason") else label
