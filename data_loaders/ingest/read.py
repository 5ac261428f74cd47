"""Reading the sheets staff keep: find the header row under any title rows, match headers loosely,
drop empty rows and a trailing total row, and parse Vietnamese dates and numbers.

Reading uses python-calamine: far faster than openpyxl, which is kept for writing only. The limits
(limits.py) are checked on the file's bytes first; then only the first rows of each sheet are turned
into Python values to find the header, and the chosen sheet's rows are streamed through calamine's
row iterator keeping only the format's columns — no sheet is ever held whole as Python objects.

Macro-enabled workbooks (.xlsm) are read like any .xlsx: the cells' values are imported, the macros
are never run and never kept in what the app writes (the marked error workbook is a plain .xlsx).
A formula linking to another workbook imports the value Excel saved with it; the link is not
followed. `file_notes` names both, for a warning the uploader sees.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Iterator

import pandas as pd
import python_calamine

from data_loaders.i18n.text import fold, normalize
from data_loaders.ingest.formats import FORMATS, SheetFormat, fold_header
from data_loaders.ingest.limits import (
    LimitExceeded,
    Limits,
    SheetScan,
    check_archive,
    check_cells,
    check_rows,
    check_size,
    column_letters,
    current_limits,
    verify_and_scan_xlsx,
    verify_archive,
)

HEADER_SEARCH_ROWS = 30
_TOTAL_ROW_WORDS = ("tong cong", "tong so", "tong", "cong", "total", "grand total")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TRAILING_TOTALS = 20  # total rows at the end of a sheet, dropped


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
            rows = None
            if kind == "xlsx":  # the archive verified, and rows holding values, cells spanned, text: streamed
                verify_and_scan_xlsx(content, limits)
            else:
                verify_archive(content, limits)
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


def file_notes(content: bytes) -> list[str]:
    """Catalogue keys of what an .xlsx carries that is not imported: macros, links to other files."""
    if not content.startswith(b"PK\x03\x04"):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [name.lower() for name in archive.namelist()]
    except (zipfile.BadZipFile, ValueError, OSError):
        return []
    notes = []
    if any(name.endswith("vbaproject.bin") for name in names):
        notes.append("ingest_macros_dropped")
    if any(name.startswith("xl/externallinks/") for name in names):
        notes.append("ingest_external_links_values")
    return notes


class RawSheet:
    """One sheet's cells, rows as lists of values from row 1 and column A (Excel's numbering), empty
    cells "". `head` holds the first rows (where the header is looked for); `rows()` streams them
    all again, converting one row at a time."""

    def __init__(self, name: str, rows: Iterator[list] | list[list], reader=None) -> None:  # noqa: ANN001
        self.name = name
        self._list = rows if isinstance(rows, list) else None
        self._reader = reader
        self.head = self._list[:HEADER_SEARCH_ROWS] if self._list is not None else _take(rows, HEADER_SEARCH_ROWS)

    def rows(self) -> Iterator[list]:
        if self._list is not None:
            return iter(self._list)
        return self._reader()

    def __len__(self) -> int:  # rows as far as the last one holding a value
        return len(self._list) if self._list is not None else sum(1 for _ in self.rows())


def _take(rows: Iterator[list], count: int) -> list[list]:
    taken = []
    for row in rows:
        taken.append(row)
        if len(taken) >= count:
            break
    return taken


def _csv_rows(content: bytes, limits: Limits, sheet: str) -> list[list]:
    text = content.decode("utf-8-sig")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    sample = "\n".join(lines)
    counts = {sep: sample.count(sep) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=lambda sep: (counts[sep], sep == ","))
    csv.field_size_limit(max(limits.max_cell_chars * 4 + 16, 131_072))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if len(value) > limits.max_cell_chars:
                raise UnreadableFile("ingest_cell_too_long", sheet=sheet, cell=f"{column_letters(index + 1)}{number}",
                                     chars=len(value), max_chars=limits.max_cell_chars)
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _sheet_rows(sheet: python_calamine.CalamineSheet) -> Iterator[list]:
    """The sheet's rows through calamine's row iterator, padded to start at column A (rows already
    start at row 1)."""
    pad = [""] * sheet.start[1] if sheet.start else []
    for row in sheet.iter_rows():
        yield pad + row if pad else row


def _calamine_sheets(content: bytes, kind: str, limits: Limits) -> dict[str, RawSheet]:
    """Every sheet through python-calamine, each loaded once; its Rust side converts the cells row
    by row as they are asked for. The extent calamine found (to the last cell holding a value) is
    checked against the limits too: for .ods and .xls it is the first measure taken."""
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    loaded = {name: workbook.get_sheet_by_name(name) for name in workbook.sheet_names}
    if kind != "xlsx":  # an .xlsx was measured on its XML, before calamine
        scans = [SheetScan(name, name, rows=sheet.height, last_row=sheet.end[0] + 1 if sheet.end else 0,
                           last_column=sheet.end[1] + 1 if sheet.end else 0) for name, sheet in loaded.items()]
        check_rows(max((scan.rows for scan in scans), default=0), limits)
        check_cells(scans, limits)
    return {name: RawSheet(name, _sheet_rows(sheet), reader=lambda sheet=sheet: _sheet_rows(sheet))
            for name, sheet in loaded.items()}


def _calamine_frames(content: bytes) -> dict[str, list[list]]:
    """Every sheet converted whole by calamine, no checks: benchmarks/bench_import.py's baseline of
    what a raw read costs. The importer never calls it."""
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    try:
        return {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in workbook.sheet_names}
    finally:
        workbook.close()


def read_raw_sheets(content: bytes, file_name: str = "", limits: Limits | None = None) -> dict[str, RawSheet]:
    """Every sheet, read lazily, with no header interpretation. The limits are checked first."""
    limits = limits or current_limits()
    kind = check_before_parsing(content, limits)
    try:
        if kind == "csv":
            name = file_name.rsplit("/", 1)[-1] or "CSV"
            sheets = {name: RawSheet(name, _csv_rows(content, limits, name))}
        else:
            sheets = _calamine_sheets(content, kind, limits)
    except UnreadableFile:
        raise
    except LimitExceeded as error:
        raise UnreadableFile(error.key, **error.params) from None
    except UnicodeDecodeError as error:
        raise UnreadableFile("err_not_spreadsheet") from error
    except Exception as error:  # calamine raises many types for corrupt files
        raise UnreadableFile("err_unreadable",
                             detail=(str(error).splitlines() or [type(error).__name__])[0][:200]) from error
    return sheets


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_NAT = pd.NaT


def is_blank(value: object) -> bool:
    kind = value.__class__
    if kind is str:  # the common cells first
        return not value.strip()
    if kind is float:
        return value != value  # NaN
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is _NAT:
        return True
    return isinstance(value, str) and not value.strip()


def _match_header_row(sheet: RawSheet, sheet_format: SheetFormat) -> tuple[int, dict[int, str]] | None:
    lookup = {name: column.key for column in sheet_format.columns for name in column.folded_names()}
    best: tuple[int, dict[int, str]] | None = None
    for row_index, values in enumerate(sheet.head):
        matched: dict[int, str] = {}
        for col_index, value in enumerate(values):
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


def locate_header(sheets: dict[str, RawSheet], sheet_format: SheetFormat) -> tuple[str, int, dict[int, str]] | None:
    """(sheet, 0-based header row, column index -> key) of the sheet matching the format best."""
    best: tuple[str, int, dict[int, str]] | None = None
    for name, sheet in sheets.items():
        match = _match_header_row(sheet, sheet_format)
        if match and (best is None or len(match[1]) > len(best[2])):
            best = (name, *match)
    return best


def find_rows(sheets: dict[str, RawSheet], sheet_format: SheetFormat,
              located: tuple[str, int, dict[int, str]] | None = None) -> SheetRows | None:
    """The sheet whose header row matches the format best, with its data rows: streamed, each row
    kept as its format columns only; empty rows dropped, and total rows once only empty rows follow."""
    best = located or locate_header(sheets, sheet_format)
    if best is None:
        return None
    sheet_name, header_index, columns = best
    sheet = sheets[sheet_name]
    header_values = sheet.head[header_index]
    result = SheetRows(
        sheet=sheet_name,
        header_row=header_index + 1,
        headers={key: normalize(header_values[i]) for i, key in columns.items()},
        column_letters={key: _column_letter(i) for i, key in columns.items()},
    )
    present = set(columns.values())
    result.missing_required = [c.key for c in sheet_format.columns if c.required and c.key not in present]
    kept: list[tuple[int, dict[str, object]]] = []
    last_rows: deque[list] = deque(maxlen=_TRAILING_TOTALS)  # whole rows, for the total-row test
    picks = list(columns.items())
    seen: dict[object, object] = {}  # one object per distinct text: a column repeats its plan, area, status…
    reach = max(columns) + 1 if columns else 0
    for offset, values in enumerate(islice(sheet.rows(), header_index + 1, None), start=header_index + 1):
        if len(values) >= reach:  # every column there (calamine and CSV rows are as wide as the sheet)
            picked = {key: seen.setdefault(values[i], values[i]) if isinstance(values[i], str) else values[i]
                      for i, key in picks}
        else:
            width = len(values)
            picked = {key: seen.setdefault(values[i], values[i]) if isinstance(values[i], str) else values[i]
                      for i, key in picks if i < width}
        for value in picked.values():  # blank unless a value is not (the first, usually)
            if not is_blank(value):
                break
        else:
            continue
        kept.append((offset + 1, picked))
        last_rows.append(values)
    while kept and last_rows and _is_total_row(list(last_rows.pop())):
        kept.pop()
    result.rows = kept
    return result


def detect_format(sheets: dict[str, RawSheet], formats: dict[str, SheetFormat] | None = None
                  ) -> tuple[SheetFormat, SheetRows] | None:
    """The format whose header row the file matches best (all required columns first), with its
    rows; `formats` as formats.formats_for(catalogue) gives them (default: the seeded catalogue's)."""
    best = None
    for sheet_format in (formats or FORMATS).values():
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
