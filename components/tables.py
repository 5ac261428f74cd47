"""Tables of tasks, with column labels in the user's language and dates and numbers formatted."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders.i18n import format_date, t
from data_loaders.store.catalogue import AREAS, term_by_code

_AREAS = term_by_code(AREAS)


def task_frame(rows: list[dict], lang: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Task rows (from queries.task_list) as a display frame with translated headers."""
    labels = {
        "code": t("col_code", lang), "title": t("col_title", lang), "owner_name": t("col_owner", lang),
        "lead_agency": t("col_agency", lang), "responsible_official": t("col_official", lang),
        "deadline": t("col_deadline", lang), "days_overdue": t("col_days_overdue", lang),
        "progress_pct": t("col_progress", lang), "derived_status": t("col_status", lang),
        "last_report": t("col_last_report", lang), "area": t("filter_area", lang), "plan": t("filter_plan", lang),
    }
    frame = pd.DataFrame(rows, columns=list(columns))
    if "deadline" in frame:
        frame["deadline"] = [format_date(d, lang) for d in frame["deadline"]]
    if "last_report" in frame:
        frame["last_report"] = [format_date(d, lang) for d in frame["last_report"]]
    if "derived_status" in frame:
        frame["derived_status"] = [t(f"status_{s}", lang) for s in frame["derived_status"]]
    if "area" in frame:
        frame["area"] = [_AREAS[a].label(lang) if a in _AREAS else a for a in frame["area"]]
    return frame.rename(columns=labels)


def column_config(lang: str) -> dict:
    return {
        t("col_progress", lang): st.column_config.ProgressColumn(t("col_progress", lang), min_value=0, max_value=100,
                                                                 format="%d%%"),
        t("col_days_overdue", lang): st.column_config.NumberColumn(t("col_days_overdue", lang), format="%d"),
        t("col_title", lang): st.column_config.TextColumn(t("col_title", lang), width="large"),
    }


def report_history_frame(reports: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame([
        {
            t("col_report_date", lang): format_date(r["report_date"], lang),
            t("col_reported_status", lang): t(f"reported_{r['status']}", lang),
            t("col_progress", lang): r["progress_pct"],
            t("col_note", lang): r["note"] or "",
            t("col_source", lang): f"{r['file_name']}, {r['source_row']}" if r["file_name"] else "",
        }
        for r in reports
    ])
