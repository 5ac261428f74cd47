"""Tables in the user's language: task tables with translated headers and formatted dates, and the one
helper every table goes through (components.exports.show_table) to write its numbers the language's way.

Streamlit's own number formats (a column_config printf format such as "%.1f", or "localized", which follows
the browser and not the app) cannot write 26,5% for a Vietnamese reader. A pandas Styler can: st.dataframe
shows a Styler's display text in a number column that has no format of its own, while the cells stay
numbers, so a click on a header still sorts 9 before 10.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from data_loaders.i18n import DASH, format_date, format_number, format_percent, t
from data_loaders.store.catalogue import AREAS, term_by_code

_AREAS = term_by_code(AREAS)


def header_width(label: str, minimum: int = 56) -> int:
    """Pixels for a column whose widest text is its header (a count, a score): the grid cuts a header that
    does not fit with "…" and never wraps it."""
    return max(minimum, round(len(label) * 7.2 + 24))


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
    # Progress is a whole percent (68%), the same in both languages, so it keeps its bar; days overdue
    # are formatted by show_table like every number.
    return {
        t("col_progress", lang): st.column_config.ProgressColumn(t("col_progress", lang), min_value=0, max_value=100,
                                                                 format="%d%%"),
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


@dataclass(frozen=True)
class NumberFormat:
    """How a table column writes its numbers: `decimals` fixed (None: those the value has, up to three),
    `percent` for a value already in percent (26.5 -> "26,5%")."""
    decimals: int | None = None
    percent: bool = False

    def write(self, value: float, lang: str) -> str:
        if self.percent:
            return format_percent(value, lang, 1 if self.decimals is None else self.decimals)
        return format_number(value, lang, self.decimals)


def _own_format(config: object) -> bool:
    """True when the column's config already sets how its numbers read (a printf format, a progress bar)."""
    if not isinstance(config, Mapping):
        return False
    type_config = config.get("type_config") or {}
    return bool(type_config.get("format")) or type_config.get("type") not in (None, "number")


def _with_format(config: object, number_format: str) -> dict:
    """The column's config (a label, a NumberColumn, or nothing) with Streamlit's own number format."""
    if isinstance(config, Mapping):
        type_config = {**(config.get("type_config") or {"type": "number"}), "format": number_format}
        return {**config, "type_config": type_config}
    return st.column_config.NumberColumn(config if isinstance(config, str) else None, format=number_format)


def _whole_below_1000(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(((present % 1 == 0) & (present.abs() < 1000)).all())


def localised(frame: pd.DataFrame, lang: str, column_config: Mapping | None = None,
              formats: Mapping[str, NumberFormat] | None = None) -> tuple[pd.DataFrame | object, dict]:
    """(data, column_config) for st.dataframe with every number column written the language's way:
    12.106, 68,8 and 26,5% in Vietnamese. Columns listed in `formats` take that format; others write the
    digits their values have (18,71; 32 rather than 32.0). A column of whole numbers below 1,000 reads the
    same in both languages, so it only gets Streamlit's "%d" (a Styler costs time on long tables); a
    column whose config sets its own format (a progress bar, "%d") is left as configured."""
    config = dict(column_config or {})
    formats = formats or {}
    writers = {}
    for column in frame.columns:
        values = frame[column]
        if not is_numeric_dtype(values) or is_bool_dtype(values) or config.get(column, "") is None:
            continue  # text, a flag, or a hidden column
        if _own_format(config.get(column)):
            continue
        spec = formats.get(column)
        if spec is None and _whole_below_1000(values):
            config[column] = _with_format(config.get(column), "%d")
            continue
        spec = spec or NumberFormat()
        # each distinct value formatted once: Babel takes tens of microseconds a number
        texts = {value: spec.write(value, lang) for value in values.dropna().unique()}
        writers[column] = lambda value, texts=texts, spec=spec: texts.get(value) or spec.write(value, lang)
    if not writers:
        return frame, config
    # Only the columns with text of their own go through pandas' per-cell rendering (the slow part of a
    # Styler); Streamlit takes the others' values as they are (hiding here does not hide them on screen).
    others = [column for column in frame.columns if column not in writers]
    return frame.style.format(writers, na_rep=DASH).hide(others, axis="columns"), config


def cell_text(value: object, config: object, spec: NumberFormat | None, lang: str) -> str:
    """A cell as the table writes it: numbers the language's way (the column's NumberFormat, or its own
    printf format such as a progress bar's "%d%%"), an empty cell as a dash."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return DASH
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if spec is not None:
        return spec.write(value, lang)
    printf = ((config.get("type_config") or {}).get("format") if isinstance(config, Mapping) else None) or ""
    if "%" in printf and "{" not in printf:
        try:
            return printf % value
        except (TypeError, ValueError):
            pass
    return format_number(value, lang)


def row_card(row: pd.Series, title: str, column_config: Mapping, formats: Mapping[str, NumberFormat],
             lang: str) -> None:
    """One row of a table as a column of "label | value" (a phone's compact table shows a tapped row this
    way): every column the table shows, under the headers it shows them with (a header shortened to fit, its
    full name in its tooltip, by that full name: the card has the room); text stays text."""
    labels, texts = [], []
    for column, value in row.items():
        config = column_config.get(column, column)
        if config is None:
            continue  # a hidden column
        labels.append(config if isinstance(config, str) else (config.get("help") or config.get("label") or column))
        texts.append(cell_text(value, config, formats.get(column), lang))
    st.table(pd.DataFrame({title: texts}, index=labels))
