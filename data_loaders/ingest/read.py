"""Reading the sheets staff keep: find the header row under any title rows, match headers loosely,
drop empty rows and a trailing total row, and parse Vietnamese dates and numbers.

Reading uses pandas' calamine engine (python-calamine): far faster than openpyxl, which is kept
for writing only.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import python_calamine

from data_loaders.i18n.text import fold, normalize
from data_loaders.ingest.formats import FORMATS, SheetFormat, fold_header
from data_loaders.ingest.limits import (
    LimitExceeded,
    Limits,
    check_archive,
    check_rows,
    check_size,
    current_limits,
    verify_archive,
)

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
        if b"application/vnd.oasis.opendocument.spreadsheet" in content[:200]:
            return "ods"
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if content.startswith(b"PK") or content.startswith(b"%PDF") or content.startswith(b"\x89PNG"):
        raise UnreadableFile("err_not_spreadsheet")
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


def check_before_parsing(content: bytes, limits: Limits | None = None) -> str:
    """Size, archive inflation and (where it is cheap to know) row count, before any parsing.
    Returns the sniffed format; raises UnreadableFile with the catalogue key of the message."""
    limits = limits or current_limits()
    try:
        check_size(content, limits)
        kind = sniff_format(content)
        if kind in ("xlsx", "ods"):
            check_archive(content, limits)
            _check_members(content, kind)
            verify_archive(content, limits)
            rows = _declared_xlsx_rows(content) if kind == "xlsx" else None
        elif kind == "csv":
            rows = content.count(b"\n") + 1
        else:
            rows = None
        if rows is not None:
            check_rows(rows, limits)
    except LimitExceeded as error:
        raise UnreadableFile(error.key, **error.params) from None
    return kind


def _check_members(content: bytes, kind: str) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
    needed = "xl/workbook.xml" if kind == "xlsx" else "content.xml"
    if needed not in names:  # a .docx, .pptx or any other zip
        raise UnreadableFile("err_not_spreadsheet")


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"')


def _declared_xlsx_rows(content: bytes) -> int | None:
    """Rows the worksheets declare in their <dimension>, read from each sheet's first bytes only."""
    most = 0
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with archive.open(info) as handle:
                head = handle.read(4096)
            match = _DIMENSION.search(head)
            if match and match.group(1):
                most = max(most, int(match.group(1)))
    return most or None


def _csv_frame(content: bytes) -> pd.DataFrame:
    text = content.decode("utf-8-sig")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    sample = "\n".join(lines)
    counts = {sep: sample.count(sep) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=lambda sep: (counts[sep], sep == ","))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    width = max((len(row) for row in rows), default=0)
    return pd.DataFrame([row + [None] * (width - len(row)) for row in rows], dtype=object)


def _calamine_frames(content: bytes) -> dict[str, pd.DataFrame]:
    """Every sheet through python-calamine directly: its Rust side converts the cells, about 2.5×
    faster than pandas.read_excel(engine="calamine"), which converts each cell in Python. Rows
    start at A1 (skip_empty_area=False) so row numbers are the ones Excel shows; empty cells are ""."""
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    try:
        return {name: pd.DataFrame(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False), dtype=object)
                for name in workbook.sheet_names}
    finally:
        workbook.close()


def read_raw_sheets(content: bytes, file_name: str = "", limits: Limits | None = None) -> dict[str, pd.DataFrame]:
    """Every sheet as an all-object frame with no header interpretation. The limits are checked first."""
    limits = limits or current_limits()
    kind = check_before_parsing(content, limits)
    try:
        if kind == "csv":
            sheets = {(file_name.rsplit("/", 1)[-1] or "CSV"): _csv_frame(content)}
        else:
            sheets = _calamine_frames(content)
    except UnreadableFile:
        raise
    except UnicodeDecodeError as error:
        raise UnreadableFile("err_not_spreadsheet") from error
    except Exception as error:  # calamine and pandas raise many types for corrupt files
        raise UnreadableFile("err_unreadable",
                             detail=(str(error).splitlines() or [type(error).__name__])[0][:200]) from error
    try:
        check_rows(max((len(frame) for frame in sheets.values()), default=0), limits)
    except LimitExceeded as error:
        raise UnreadableFile(error.key, **error.params) from None
    return sheets


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


def locate_header(sheets: dict[str, pd.DataFrame], sheet_format: SheetFormat) -> tuple[str, int, dict[int, str]] | None:
    """(sheet, 0-based header row, column index -> key) of the sheet matching the format best."""
    best: tuple[str, int, dict[int, str]] | None = None
    for name, frame in sheets.items():
        match = _match_header_row(frame, sheet_format)
        if match and (best is None or len(match[1]) > len(best[2])):
            best = (name, *match)
    return best


def find_rows(sheets: dict[str, pd.DataFrame], sheet_format: SheetFormat,
              located: tuple[str, int, dict[int, str]] | None = None) -> SheetRows | None:
    """The sheet whose header row matches the format best, with its data rows."""
    best = located or locate_header(sheets, sheet_format)
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


def detect_format(sheets: dict[str, pd.DataFrame]) -> tuple[SheetFormat, SheetRows] | None:
    """The format whose header row the file matches best (all required columns first), with its rows."""
    best = None
    for sheet_format in FORMATS.values():
        located = locate_header(sheets, sheet_format)
        if located is None:
            continue
        keys = set(located[2].values())
        complete = all(c.key in keys for c in sheet_format.columns if c.required)
        score = (complete, len(keys))
        if best is None or score > best[0]:
            best = (score, sheet_format, located)
    if best is None:
        return None
    return best[1], find_rows(sheets, best[1], best[2])

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
    match = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
                         text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year + 2000 if year < 100 else year, month, day)
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


def fraction_percent_columns(rows: SheetRows, keys: list[str]) -> dict[str, tuple[int, object]]:
    """Percent columns typed as Excel percentages: the cell shows 26.5% but holds 0.265. A column
    is read that way when every number in it lies in 0..1 and at least one is a fraction.
    Returns key -> (Excel row, value) of the first such cell, for the warning."""
    found = {}
    for key in keys:
        first = None
        fraction = False
        for excel_row, raw in rows.rows:
            value = raw.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                if isinstance(value, str) and value.strip() and not value.strip().endswith("%"):
                    try:
                        value = parse_number(value)
                    except ValueError:
                        continue
                else:
                    continue
            if not 0 <= value <= 1:
                first = None
                break
            if 0 < value < 1:
                fraction = True
                if first is None:
                    first = (excel_row, raw.get(key))
        if fraction and first is not None:
            found[key] = first
    return found
