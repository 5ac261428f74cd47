"""Downloads under every table (.xlsx, .csv) and every chart (.png, .svg).

The files are made only when someone clicks (Streamlit runs a callable `data` on click), so a page
with many tables does not pay for exports nobody asked for. Streamlit's own CSV button in the
table toolbar is switched off (`client.disableDataExport`), so every file leaves through
data_loaders.exports, which keeps text that looks like a formula from running in a spreadsheet,
and every download checks the sign-in again when it is clicked and writes an "export" entry in the
audit trail (who, which file, what it holds, which view), or a refused one (components.auth.audited_download).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components import auth
from components.state import as_of, language, scope, tr
from components.tables import NumberFormat, localised
from reports import tables as exports


def show_table(frame: pd.DataFrame, *, name: str, key: str, number_formats: dict[str, NumberFormat] | None = None,
               **dataframe_kwargs):
    """st.dataframe plus its downloads; `name` (the table's title in the user's language) names
    the file and the sheet. Numbers read the user's language's way (components.tables.localised;
    `number_formats` by column where the default, the digits a value has, is not wanted) and stay
    numbers, in the table and in the files. Returns what st.dataframe returns (the selection when
    on_select is set)."""
    dataframe_kwargs.setdefault("hide_index", True)
    dataframe_kwargs.setdefault("width", "stretch")
    data, dataframe_kwargs["column_config"] = localised(frame, language(), dataframe_kwargs.get("column_config"),
                                                        number_formats)
    shown = st.dataframe(data, key=key, **dataframe_kwargs)
    table_downloads(as_shown(frame, dataframe_kwargs["column_config"]), name=name, key=key,
                    number_formats=number_formats)
    return shown


def as_shown(frame: pd.DataFrame, column_config: dict | None) -> pd.DataFrame:
    """The frame as the table shows it: hidden columns dropped, headers as labelled on screen."""
    hidden, labels = [], {}
    for column, config in (column_config or {}).items():
        if config is None:
            hidden.append(column)
        elif isinstance(config, str):
            labels[column] = config
        elif isinstance(config, dict) and config.get("label"):
            labels[column] = config["label"]
    return frame.drop(columns=hidden, errors="ignore").rename(columns=labels)


def table_downloads(frame: pd.DataFrame, *, name: str, key: str,
                    number_formats: dict[str, NumberFormat] | None = None) -> None:
    stem = _stem(name)
    # Excel shows a cell's number format in the reader's own locale: 26,5 on a Vietnamese system
    decimals = {column: spec.decimals for column, spec in (number_formats or {}).items() if spec.decimals is not None}
    xlsx_column, csv_column, _ = st.columns([1, 1, 6], gap="small")
    with xlsx_column:
        _download(tr("download_xlsx"), lambda: exports.frame_to_xlsx(frame, name, decimals=decimals), f"{stem}.xlsx",
                  exports.XLSX_MIME, f"{key}::xlsx", ":material/table_view:", kind="table", table=name,
                  rows=len(frame))
    with csv_column:
        _download(tr("download_csv"), lambda: exports.frame_to_csv(frame), f"{stem}.csv",
                  exports.CSV_MIME, f"{key}::csv", ":material/description:", kind="table", table=name,
                  rows=len(frame))


def chart_downloads(render: Callable[[str], bytes], *, name: str, key: str) -> None:
    """PNG and SVG of a chart; `render(fmt)` returns the image bytes for "png" or "svg"."""
    stem = _stem(name)
    with st.popover(tr("download_chart"), icon=":material/download:"):
        _download(tr("download_png"), lambda: render("png"), f"{stem}.png", "image/png", f"{key}::png",
                  ":material/image:", kind="chart", chart=name)
        _download(tr("download_svg"), lambda: render("svg"), f"{stem}.svg", "image/svg+xml", f"{key}::svg",
                  ":material/polyline:", kind="chart", chart=name)


def _stem(name: str) -> str:
    # The file says which view its figures belong to: nhiem-vu-qua-han_68_2025-06-30.xlsx
    return exports.file_stem(name, scope().code, as_of())


def audited(data: Callable[[], bytes], file_name: str, **what: object) -> Callable[[], bytes]:
    """`data` that, when someone downloads, checks the sign-in again and writes the audit entry:
    the file, the view it belongs to (unit, date), its format and `what` else the caller names
    (kind, table, upload id…). See auth.audited_download."""
    detail = {"unit": scope().code, "as_of": as_of().isoformat(), "format": file_name.rsplit(".", 1)[-1].lower(),
              **what}
    return auth.audited_download(data, file_name, detail)


def _download(label: str, data: Callable[[], bytes], file_name: str, mime: str, key: str, icon: str,
              **what: object) -> None:
    # on_click="ignore": a download must not rerun the page (nor reset a table's selection).
    st.download_button(label, data=audited(data, file_name, **what), file_name=file_name, mime=mime, key=key, icon=icon,
                       on_click="ignore", type="tertiary")

