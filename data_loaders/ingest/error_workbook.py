"""The rejected file, marked up: the user's own workbook with every offending cell filled and
commented, plus a sheet listing the problems, so they fix it in place and upload it again.

An .xlsx of modest size is annotated as it is (openpyxl keeps its formatting). A larger one (its
sheets' XML over 8 MB), and any .csv, .xls or .ods, becomes a new .xlsx holding its cells, written
row by row (openpyxl's write-only mode, the rows streamed from calamine), so time and memory stay
bounded: no workbook is ever held whole. Only the first 1,000 errors (and the first 1,000 warnings)
are marked and listed; the problem sheet says so on its first row when there are more. A macro-enabled
workbook comes back as a plain .xlsx: its macros are not kept."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from data_loaders.i18n import DEFAULT_LANGUAGE, t
from data_loaders.ingest.problems import render
from data_loaders.ingest.read import read_raw_sheets, sniff_format

MAX_MARKED = 1_000  # errors (and warnings) marked and listed
IN_PLACE_XML = 8 * 1024 * 1024  # sheets' XML up to this size: annotated in place by openpyxl

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


def _sheets_xml_size(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(info.file_size for info in archive.infolist() if info.filename.startswith("xl/worksheets/"))


def _column_index(ref: str) -> tuple[int, int]:
    """"C12" -> (12, 2): the row, and the column counted from 0."""
    letters = re.match(r"[A-Z]+", ref).group(0)
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters):]), column - 1


def _notes_by_cell(titles: dict[str, str], errors: list, warnings: list,
                   lang: str) -> dict[tuple[str, str], list[tuple[bool, str]]]:
    by_cell: dict[tuple[str, str], list[tuple[bool, str]]] = defaultdict(list)
    for is_error, problems in ((True, errors), (False, warnings)):
        for problem in problems:
            if problem.cell and problem.sheet in titles:
                by_cell[(titles[problem.sheet], problem.cell)].append((is_error, problem.message(lang)))
    return by_cell


def _comment(notes: list[tuple[bool, str]]) -> tuple[PatternFill, Comment]:
    has_error = any(is_error for is_error, _ in notes)
    text = "\n".join(dict.fromkeys(("✗ " if is_error else "⚠ ") + message for is_error, message in notes))
    return ERROR_FILL if has_error else WARNING_FILL, Comment(text[:2000], "NQ57", width=320, height=120)


def _truncation_notes(errors: list, warnings: list, lang: str) -> list[str]:
    notes = []
    if len(errors) > MAX_MARKED:
        notes.append(render("ingest_error_workbook_first_errors", {"marked": MAX_MARKED, "total": len(errors)}, lang))
    if len(warnings) > MAX_MARKED:
        notes.append(render("ingest_error_workbook_first_warnings", {"marked": MAX_MARKED, "total": len(warnings)},
                            lang))
    return notes


def error_workbook(content: bytes, file_name: str, errors: list, warnings: list | None = None,
                   lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The annotated .xlsx as bytes, every message in `lang` (the uploader's). `errors`/`warnings`
    are importer Problems (with .cell "C12"); the first MAX_MARKED of each are marked."""
    warnings = warnings or []
    notes = _truncation_notes(errors, warnings, lang)
    errors, warnings = errors[:MAX_MARKED], warnings[:MAX_MARKED]
    if sniff_format(content, file_name) == "xlsx" and _sheets_xml_size(content) <= IN_PLACE_XML:
        return _annotated_in_place(content, errors, warnings, notes, lang)
    return _streamed_copy(content, file_name, errors, warnings, notes, lang)


def _annotated_in_place(content: bytes, errors: list, warnings: list, notes: list[str], lang: str) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    titles = {name: name for name in workbook.sheetnames}
    for (title, ref), cell_notes in _notes_by_cell(titles, errors, warnings, lang).items():
        cell = workbook[title][ref]
        cell.fill, cell.comment = _comment(cell_notes)
    _problem_sheet(workbook, errors, warnings, notes, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _streamed_copy(content: bytes, file_name: str, errors: list, warnings: list, notes: list[str],
                   lang: str) -> bytes:
    """A new workbook: the problem sheet, then every sheet's values row by row, the marked cells
    filled and commented."""
    sheets = read_raw_sheets(content, file_name)
    workbook = Workbook(write_only=True)
    taken: set[str] = {t("error_workbook_sheet", lang)}
    titles = {name: _safe_title(str(name), taken) for name in sheets}
    marks: dict[str, dict[int, dict[int, list[tuple[bool, str]]]]] = defaultdict(lambda: defaultdict(dict))
    for (title, ref), cell_notes in _notes_by_cell(titles, errors, warnings, lang).items():
        row, column = _column_index(ref)
        marks[title][row][column] = cell_notes
    listing = workbook.create_sheet(t("error_workbook_sheet", lang))
    for letter, width in zip("ABCDE", _WIDTHS):
        listing.column_dimensions[letter].width = width
    for note in notes:
        cell = WriteOnlyCell(listing, note)
        cell.font = Font(bold=True, color="9C0006")
        listing.append([cell])
    listing.append([_bold(listing, t(k, lang)) for k in _HEADER_KEYS])
    for fill, problems in ((ERROR_FILL, errors), (WARNING_FILL, warnings)):
        for problem in problems:
            message = WriteOnlyCell(listing, problem.message(lang))
            message.fill = fill
            listing.append([problem.sheet, problem.row, problem.column_label(lang), _plain_value(problem.value),
                            message])
    for name, raw in sheets.items():
        sheet = workbook.create_sheet(titles[name])
        sheet_marks = marks.get(titles[name], {})
        for number, values in enumerate(raw.rows(), start=1):
            row = [_plain_value(v) for v in values]
            for column, cell_notes in sheet_marks.get(number, {}).items():
                row.extend([None] * (column + 1 - len(row)))
                cell = WriteOnlyCell(sheet, row[column])
                cell.fill, cell.comment = _comment(cell_notes)
                row[column] = cell
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_HEADER_KEYS = ("col_sheet", "col_row", "col_column", "col_value", "col_message")
_WIDTHS = (24, 8, 28, 24, 90)


def _bold(sheet, value: str) -> WriteOnlyCell:  # noqa: ANN001
    cell = WriteOnlyCell(sheet, value)
    cell.font = Font(bold=True)
    return cell


def _problem_sheet(workbook: Workbook, errors: list, warnings: list, notes: list[str], lang: str) -> None:
    title = t("error_workbook_sheet", lang)
    if title in workbook.sheetnames:
        del workbook[title]
    sheet = workbook.create_sheet(title, 0)
    for note in notes:
        sheet.append([note])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, color="9C0006")
    sheet.append([t(k, lang) for k in _HEADER_KEYS])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for fill, problems in ((ERROR_FILL, errors), (WARNING_FILL, warnings)):
        for problem in problems:
            sheet.append([problem.sheet, problem.row, problem.column_label(lang), _plain_value(problem.value),
                          problem.message(lang)])
            sheet.cell(row=sheet.max_row, column=5).fill = fill
    for letter, width in zip("ABCDE", _WIDTHS):
        sheet.column_dimensions[letter].width = width
    workbook.active = 0
