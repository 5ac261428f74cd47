"""The rejected file, marked up: the user's own workbook with every offending cell filled and
commented, plus a sheet listing every problem, so they fix it in place and upload it again.

An .xlsx is annotated as it is (openpyxl keeps its formatting); a .csv, .xls or .ods becomes a new
.xlsx holding its cells."""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from data_loaders.i18n import DEFAULT_LANGUAGE, t
from data_loaders.ingest.read import read_raw_sheets, sniff_format

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")


def _safe_title(name: str, taken: set[str]) -> str:
    title = _BAD_TITLE_CHARS.sub("_", name)[:31] or "Sheet"
    candidate, n = title, 1
    while candidate in taken:
        n += 1
        candidate = f"{title[:28]}~{n}"
    taken.add(candidate)
    return candidate


def _plain_value(value: object) -> object:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):
        try:
            return value.to_pydatetime()
        except ValueError:
            return str(value)
    if isinstance(value, (int, float, str)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def _as_workbook(content: bytes, file_name: str) -> tuple[Workbook, dict[str, str]]:
    """The workbook to annotate and a map from the sheet names problems use to its sheet titles."""
    if sniff_format(content, file_name) == "xlsx":
        workbook = load_workbook(io.BytesIO(content))
        return workbook, {name: name for name in workbook.sheetnames}
    sheets = read_raw_sheets(content, file_name)
    workbook = Workbook()
    workbook.remove(workbook.active)
    titles: dict[str, str] = {}
    taken: set[str] = set()
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(_safe_title(str(name), taken))
        titles[name] = sheet.title
        for values in frame.itertuples(index=False, name=None):
            sheet.append([_plain_value(v) for v in values])
    return workbook, titles


def error_workbook(content: bytes, file_name: str, errors: list, warnings: list | None = None,
                   lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The annotated .xlsx as bytes, every message in `lang` (the uploader's). `errors`/`warnings`
    are importer Problems (with .cell "C12")."""
    workbook, titles = _as_workbook(content, file_name)
    by_cell: dict[tuple[str, str], list[tuple[bool, str]]] = defaultdict(list)
    for is_error, problems in ((True, errors), (False, warnings or [])):
        for problem in problems:
            if problem.cell and problem.sheet in titles:
                by_cell[(titles[problem.sheet], problem.cell)].append((is_error, problem.message(lang)))
    for (title, ref), notes in by_cell.items():
        cell = workbook[title][ref]
        has_error = any(is_error for is_error, _ in notes)
        cell.fill = ERROR_FILL if has_error else WARNING_FILL
        text = "\n".join(dict.fromkeys(("✗ " if is_error else "⚠ ") + message for is_error, message in notes))
        cell.comment = Comment(text[:2000], "NQ57", width=320, height=120)
    _problem_sheet(workbook, errors, warnings or [], lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _problem_sheet(workbook: Workbook, errors: list, warnings: list, lang: str) -> None:
    title = t("error_workbook_sheet", lang)
    if title in workbook.sheetnames:
        del workbook[title]
    sheet = workbook.create_sheet(title, 0)
    headers = [t(k, lang) for k in ("col_sheet", "col_row", "col_column", "col_value", "col_message")]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for fill, problems in ((ERROR_FILL, errors), (WARNING_FILL, warnings)):
        for problem in problems:
            sheet.append([problem.sheet, problem.row, problem.column_label(lang), _plain_value(problem.value),
                          problem.message(lang)])
            sheet.cell(row=sheet.max_row, column=5).fill = fill
    for letter, width in zip("ABCDE", (24, 8, 28, 24, 90)):
        sheet.column_dimensions[letter].width = width
    workbook.active = 0
