"""Tables as files people open in a spreadsheet: .xlsx (openpyxl) and .csv.

Text that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which some spreadsheets
strip before reading a formula) would run as a formula when the file is opened. Task titles, notes
and official names come from uploads, so an exported file must never execute them:
- in .xlsx the cell is written as text with Excel's own "quote prefix" flag, so it shows exactly what
  was typed and stays text even when someone edits the cell;
- in .csv, which has no types, the text gets a leading apostrophe (the OWASP recommendation).
Numbers, including negative ones, stay numbers.

Numbers in the two files: in .xlsx they are numbers, shown by the spreadsheet in its reader's own locale
(26,5 on a Vietnamese system), with the table's decimals as the cell format. In .csv they are written in
machine form whatever the page language (26.5, comma-separated; a whole number as 32, not 32.0): how a
spreadsheet reads a CSV depends on the separators set on the reader's computer, which the app cannot know,
and a file that changed form with the language of whoever clicked would break the scripts and imports that
read it. People who want the numbers in their own format open the .xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise(value: object) -> object:
    """The value as CSV text safe to open in a spreadsheet (see the module docstring)."""
    return f"'{value}" if is_formula_like(value) else value


def _cell_value(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, dt.date)):
        return value.item()  # numpy scalar -> Python number
    return value


def frame_to_xlsx(frame: pd.DataFrame, sheet_name: str = "Data", decimals: dict[str, int] | None = None) -> bytes:
    """One sheet: a bold header row, the values, columns sized to their text, the header frozen.
    `decimals` by column: the number format of its cells (1 -> #,##0.0, which Excel shows localised)."""
    number_formats = {index: "#,##0" + ("." + "0" * places if places else "")
                      for index, column in enumerate(frame.columns, start=1)
                      for name, places in (decimals or {}).items() if column == name}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = safe_sheet_name(sheet_name)
    sheet.append([str(column) for column in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(column)) for column in frame.columns]
    for row_number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column_number, raw in enumerate(row, start=1):
            value = _cell_value(raw)
            cell = sheet.cell(row=row_number, column=column_number)
            cell.value = value
            if isinstance(value, (int, float)) and column_number in number_formats:
                cell.number_format = number_formats[column_number]
            if isinstance(value, str):
                # openpyxl stores a string starting with "=" as a formula unless told it is text.
                cell.data_type = TYPE_STRING
                if is_formula_like(value):
                    cell.quotePrefix = True
            widths[column_number - 1] = max(widths[column_number - 1], len(str(value)) if value is not None else 0)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Vietnamese letters correctly; numbers in machine form
    (see the module docstring)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
        elif pd.api.types.is_float_dtype(safe[column]):
            # a column of counts is float only because one is missing: 32, not 32.0
            safe[column] = pd.Series([_whole_as_int(v) for v in safe[column]], index=safe.index, dtype=object)
    return safe.to_csv(index=False).encode("utf-8-sig")


def _whole_as_int(value: float) -> object:
    return int(value) if value == value and float(value).is_integer() else value


def safe_sheet_name(name: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub(" ", name).strip() or "Data"
    return cleaned[:31]


def file_stem(*parts: object) -> str:
    """An ASCII file name from words in any language: ("Nhiệm vụ", "68", 2025-06-30) -> nhiem-vu_68_2025-06-30."""
    words = []
    for part in parts:
        if part is None or part == "":
            continue
        text = part.isoformat() if isinstance(part, dt.date) else str(part)
        text = text.replace("đ", "d").replace("Đ", "D")
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()
        if text:
            words.append(text)
    return "_".join(words)[:120] or "export"
