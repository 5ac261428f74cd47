"""Downloads under every table (.xlsx, .csv) and every chart (.png, .svg).

The files are made only when someone clicks (Streamlit runs a callable `data` on click), so a page
with many tables does not pay for exports nobody asked for. Streamlit's own CSV button in the
table toolbar is switched off (`client.disableDataExport`), so every file leaves through
data_loaders.exports, which keeps text that looks like a formula from running in a spreadsheet,
and every download checks the sign-in again when it is clicked and writes an "export" entry in the
audit trail (who, which file, what it holds, which view), or a refused one (components.auth.audited_download).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from components import auth
from components.state import as_of, language, scope, tr
from components.tables import NumberFormat, localised, row_card
from reports import tables as exports


def show_table(frame: pd.DataFrame, *, name: str, key: str, number_formats: dict[str, NumberFormat] | None = None,
               lead: Sequence[str] = (), **dataframe_kwargs):
    """st.dataframe plus its downloads; `name` (the table's title in the user's language) names
    the file and the sheet. Numbers read the user's language's way (components.tables.localised;
    `number_formats` by column where the default, the digits a value has, is not wanted) and stay
    numbers, in the table and in the files. Returns what st.dataframe returns (the selection when
    on_select is set).

    `lead`: the columns a phone must show without scrolling sideways (the unit's name, its key figure).
    On a narrow screen (CSS, `PHONE_CSS`) the table is then drawn with only those, the rest of a row one
    tap away: tapping a row lists all its columns under the table."""
    dataframe_kwargs.setdefault("hide_index", True)
    dataframe_kwargs.setdefault("width", "stretch")
    data, dataframe_kwargs["column_config"] = localised(frame, language(), dataframe_kwargs.get("column_config"),
                                                        number_formats)
    if not lead:
        shown = st.dataframe(data, key=key, **dataframe_kwargs)
    else:
        shown = _wide_and_compact(frame, data, key, list(lead), number_formats or {}, dataframe_kwargs)
    table_downloads(as_shown(frame, dataframe_kwargs["column_config"]), name=name, key=key,
                    number_formats=number_formats)
    return shown


# Streamlit stacks columns below 640 px, and so does this: at most that wide, a table with `lead` columns is
# drawn compact. The classes are those st.container(key=…) gives its block.
PHONE_MAX_PX = 640
PHONE_CSS = f"""<style>
[class*="st-key-nq57-compact-"] {{display: none}}
@media (max-width: {PHONE_MAX_PX}px) {{
  [class*="st-key-nq57-wide-"] {{display: none}}
  [class*="st-key-nq57-compact-"] {{display: flex}}
}}
</style>"""
# A 390-px phone leaves the table 358 px, 36 of them for the row's check box: the lead columns share the rest.
COMPACT_TABLE_PX = 320
COMPACT_NAME_MIN_PX = 110  # the first lead column (a name) at least; cut with "…", whole in the row's card
_CHAR_PX, _CELL_PADDING_PX = 7.4, 30  # a character of the table's 14 px type; padding and the sort arrow


def compact_widths(frame: pd.DataFrame, labels: Mapping[str, str], lead: Sequence[str],
                   texts: Mapping[str, Sequence[str]] | None = None) -> dict[str, int]:
    """Pixel widths of the `lead` columns so that together they fit a phone (COMPACT_TABLE_PX): each column
    after the first as wide as its header or longest cell (`texts`: the cells as shown, where not the values
    themselves), the first (the name) what is left, at least COMPACT_NAME_MIN_PX; should the others still
    not fit, they share what the name leaves."""
    def wanted(column: str) -> int:
        cells = (texts or {}).get(column)
        if cells is None:
            cells = [str(value) for value in frame[column].head(500)]
        longest = max([len(labels.get(column, column)), *(len(cell) for cell in cells)])
        return round(longest * _CHAR_PX + _CELL_PADDING_PX)

    others = {column: wanted(column) for column in lead[1:]}
    room = COMPACT_TABLE_PX - COMPACT_NAME_MIN_PX
    if sum(others.values()) > room:
        others = {column: room * width // sum(others.values()) for column, width in others.items()}
    return {lead[0]: COMPACT_TABLE_PX - sum(others.values()), **others}


def _css_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _wide_and_compact(frame: pd.DataFrame, data: object, key: str, lead: list[str],
                      number_formats: Mapping[str, NumberFormat], kwargs: dict):
    """The table twice, one shown by the screen's width: whole, and compact (the `lead` columns, a row's
    other columns in a card under it when tapped). Both carry the caller's selection, so a page that
    opens a row's detail works on either; the one with a selection is returned."""
    config = kwargs["column_config"]
    with st.container(key=f"nq57-wide-{_css_key(key)}"):
        wide = st.dataframe(data, key=key, **kwargs)
    compact_config = dict(config)
    labels = {column: _label(config.get(column), column) for column in lead}
    shown = {column: [spec.write(value, language()) for value in frame[column].dropna().head(500)]
             for column, spec in number_formats.items() if column in lead}
    for column, width in compact_widths(frame, labels, lead, shown).items():
        own = config.get(column, column)
        compact_config[column] = ({**own, "width": width} if isinstance(own, Mapping)
                                  else st.column_config.Column(own if isinstance(own, str) else None, width=width))
    compact_kwargs = {**kwargs, "column_config": compact_config, "column_order": lead}
    if kwargs.get("on_select", "ignore") == "ignore":
        compact_kwargs.update(on_select="rerun", selection_mode="single-row")
    with st.container(key=f"nq57-compact-{_css_key(key)}"):
        st.html(PHONE_CSS)
        compact = st.dataframe(data, key=f"{key}::compact", **compact_kwargs)
        rows = compact.selection.rows if compact else []
        if rows and rows[0] < len(frame):
            row = frame.iloc[rows[0]]
            row_card(row, str(row[lead[0]]), config, number_formats, language())
        else:
            st.caption(tr("table_tap_for_row"))
    return compact if rows else wide


def _label(config: object, column: str) -> str:
    if isinstance(config, str):
        return config
    return (config.get("label") if isinstance(config, Mapping) else None) or column


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
    # a row of its own, also on a phone (columns would stack there, a button to a line)
    with st.container(horizontal=True, gap="small"):
        _download(tr("download_xlsx"), lambda: exports.frame_to_xlsx(frame, name, decimals=decimals), f"{stem}.xlsx",
                  exports.XLSX_MIME, f"{key}::xlsx", ":material/table_view:", kind="table", table=name,
                  rows=len(frame))
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

