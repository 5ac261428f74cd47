"""Reading the sheets staff keep: find the header row under any title rows, match headers loosely,
drop empty rows and a trailing total row, and parse Vietnamese dates and numbers.

Reading uses pandas' calamine engine (python-calamine): far faster than openpyxl, which is kept
for writing only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from .formats import SheetFormat, fold_header
from .text import fold, normalize

HEADER_SEARCH_ROWS = 30
_TOTAL_ROW_WORDS = ("tong cong", "tong so", "tong", "cong", "total", "grand total")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class UnreadableFile(Exception):
    """The file is not a spreadsheet we can read; `key` names the catalogue message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class SheetRows:
    sheet: str
    header_row: int  # 1-based, as Excel shows it
    headers: dict[str, str]  # column key -> the header text the user typed
    column_letters: dict[str, str]  # column key -> "A", "B", …
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # (Excel row, key -> raw)
    missing_required: list[str] = field(default_factory=list)


def sniff_format(content: bytes, file_name: str = "") -> str:
    """'xlsx' | 'ods' | 'xls' | 'csv' from the bytes themselves, not the name the user gave."""
    if content.startswith(b"PK\x03\x04"):
        return "ods" if b"application/vnd.oasis.opendocument" in content[:200] else "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    try:
        sample = content[:65536].decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        if error.start < len(content[:65536]) - 4:
            raise UnreadableFile("err_not_spreadsheet") from error
        sample = content[: error.start].decode("utf-8-sig")
    if "\x00" in sample or not sample.strip():
        raise UnreadableFile("err_not_spreadsheet")
    return "csv"


def read_raw_sheets(content: bytes, file_name: str = "") -> dict[str, pd.DataFrame]:
    """Every sheet as an all-object frame with no header interpretation."""
    kind = sniff_format(content, file_name)
    try:
        if kind == "csv":
            text = content.decode("utf-8-sig")
            delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
            frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, sep=delimiter,
                                keep_default_na=False, skip_blank_lines=False)
            return {file_name.rsplit("/", 1)[-1] or "CSV": frame}
        return pd.read_excel(io.BytesIO(content), sheet_name=None, header=None, engine="calamine", dtype=object)
    except UnreadableFile:
        raise
    except Exception as error:  # calamine and pandas raise many types for corrupt files
        raise UnreadableFile("err_unreadable", detail=str(error).splitlines()[0][:200]) from error


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def _match_header_row(frame: pd.DataFrame, sheet_format: SheetFormat) -> tuple[int, dict[int, str]] | None:
    lookup = {name: column.key for column in sheet_format.columns for name in column.folded_names()}
    best: tuple[int, dict[int, str]] | None = None
    for row_index in range(min(HEADER_SEARCH_ROWS, len(frame))):
        matched: dict[int, str] = {}
        for col_index, value in enumerate(frame.iloc[row_index].tolist()):
            if is_blank(value):
                continue
            key = lookup.get(fold_header(str(value)))
            if key and key not in matched.values():
                matched[col_index] = key
        if len(matched) >= 2 and (best is None or len(matched) > len(best[1])):
            best = (row_index, matched)
    return best


def _is_total_row(values: list[object]) -> bool:
    texts = [fold(v) for v in values if isinstance(v, str) and v.strip()]
    return any(text.rstrip(":") in _TOTAL_ROW_WORDS or text.startswith("tong cong") for text in texts)


def find_rows(sheets: dict[str, pd.DataFrame], sheet_format: SheetFormat) -> SheetRows | None:
    """The sheet whose header row matches the format best, with its data rows."""
    best: tuple[str, int, dict[int, str]] | None = None
    for name, frame in sheets.items():
        match = _match_header_row(frame, sheet_format)
        if match and (best is None or len(match[1]) > len(best[2])):
            best = (name, *match)
    if best is None:
        return None
    sheet_name, header_index, columns = best
    frame = sheets[sheet_name]
    header_values = frame.iloc[header_index].tolist()
    result = SheetRows(
        sheet=sheet_name,
        header_row=header_index + 1,
        headers={key: normalize(header_values[i]) for i, key in columns.items()},
        column_letters={key: _column_letter(i) for i, key in columns.items()},
    )
    present = set(columns.values())
    result.missing_required = [c.key for c in sheet_format.columns if c.required and c.key not in present]
    data = frame.iloc[header_index + 1:]
    raw_rows = [(header_index + 2 + offset, row) for offset, row in enumerate(data.itertuples(index=False, name=None))]
    # drop empty rows; drop total rows once only empty rows follow them
    kept: list[tuple[int, dict[str, object]]] = []
    trailing = True
    for excel_row, values in reversed(raw_rows):
        picked = {key: values[i] for i, key in columns.items() if i < len(values)}
        if all(is_blank(v) for v in picked.values()):
            continue
        if trailing and _is_total_row(list(values)):
            continue
        trailing = False
        kept.append((excel_row, picked))
    kept.reverse()
    result.rows = kept
    return result


# --- cell parsers: each returns the parsed value or raises ValueError


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize(value)


def parse_date(value: object) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial day numbers
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    raise ValueError(value)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(value: object) -> dt.date:
    """A month, as its last day: a date cell, "06/2025", "6-2025", "2025-06", "Tháng 6/2025", "T6/2025"."""
    if isinstance(value, (pd.Timestamp, dt.date)) or isinstance(value, (int, float)) and not isinstance(value, bool):
        day = parse_date(value)
        return month_end(day.year, day.month)
    text = fold(value).replace("thang", "").replace("t", "").strip()
    match = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{4})", text)
    if match:
        month, year = int(match.group(1)), int(match.group(2))
        return month_end(year, month)
    match = re.fullmatch(r"(\d{4})\s*[/.\-]\s*(\d{1,2})", text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        return month_end(year, month)
    day = parse_date(value)
    return month_end(day.year, day.month)


def parse_number(value: object) -> float:
    """Numbers as cells or as text in Vietnamese ("1.234,5", "12.106") or English ("1,234.5") style."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(value)
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?", text):  # 1.234.567,5
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):  # 1,234,567.5
        return float(text.replace(",", ""))
    if re.fullmatch(r"[-+]?\d+,\d+", text):  # 26,5
        return float(text.replace(",", "."))
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return float(text)
    raise ValueError(value)
