"""Reporting in the browser: what a reporter types in the page's tables becomes a workbook in the
importer's own format and goes through `import_file` — the same reading, validation, scope check,
all-or-nothing commit, provenance and audit as an uploaded file. The upload history names it
"bieu-mau-web-…" (the web form) with the user and time, and every problem names what was typed on its row
(`typed_row`: a task code, a commune): row 1 of what was typed is row 2 of the workbook (row 1 holds the
headers)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TypeVar

from openpyxl import Workbook
from sqlalchemy import Engine

from data_loaders.identity.accounts import Account
from data_loaders.ingest.formats import TASKS, indicator_format
from data_loaders.ingest.importer import ImportResult, import_file
from data_loaders.store.catalogue import REPORT_STATUSES, IndicatorDef
from data_loaders.units.divisions import all_units

WEB_FORM_PREFIX = "bieu-mau-web"
TASK_REPORT_COLUMNS = ("task_code", "report_date", "status", "progress_pct", "note")
HEADER_ROWS = 1  # a problem's Excel row minus this is its table row
Typed = TypeVar("Typed")


def _workbook(sheet_name: str, headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def task_report_workbook(reports: list[dict]) -> bytes:
    """Task reports ({task_code, report_date, status: completed | in_progress | not_started | None,
    progress_pct, note}) as a task-progress workbook; an unknown status is written as given, so the
    validator names it."""
    labels = {term.code: term.vi for term in REPORT_STATUSES}
    rows = [[report.get("task_code"), report.get("report_date"),
             labels.get(report.get("status"), report.get("status")), report.get("progress_pct"),
             report.get("note")] for report in reports]
    return _workbook(TASKS.sheet_vi, [TASKS.column(key).vi for key in TASK_REPORT_COLUMNS], rows)


def column_label(kind: str, header: str | None, lang: str, indicators: tuple[IndicatorDef, ...] = ()) -> str | None:
    """The column a problem names — the workbook's Vietnamese header, as the form wrote it — in `lang`, as the
    form's table heads it (`kind`: "tasks" or "indicators", with the catalogue's `indicators`)."""
    sheet_format = TASKS if kind == "tasks" else indicator_format(indicators)
    return next((column.header(lang) for column in sheet_format.columns if column.vi == header), header)


def indicator_workbook(period: dt.date, values: list[dict], indicators: tuple[IndicatorDef, ...]) -> bytes:
    """Indicator values ({commune_code, <indicator code>: value, …}) of one period as an indicator
    workbook with the columns of `indicators` (the catalogue the form showed)."""
    sheet_format = indicator_format(indicators)
    codes = [indicator.code for indicator in indicators]
    province_of = {unit.code: unit.province_code for unit in all_units() if unit.level == "commune"}
    headers = [sheet_format.column("province_code").vi, sheet_format.column("commune_code").vi,
               sheet_format.column("period").vi, *(sheet_format.column(code).vi for code in codes)]
    rows = [[province_of.get(row.get("commune_code")), row.get("commune_code"), f"{period:%m/%Y}",
             *(row.get(code) for code in codes)] for row in values]
    return _workbook(sheet_format.sheet_vi, headers, rows)


def submit(account: Account, kind: str, content: bytes, *, dry_run: bool, source: str = "",
           engine: Engine | None = None, today: dt.date | None = None,
           now: dt.datetime | None = None) -> ImportResult:
    """The typed report through the importer as `account` (a preview with `dry_run`)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    name = f"{WEB_FORM_PREFIX}-{source or kind}-{account.username}-{now:%Y%m%d-%H%M%S}.xlsx"
    return import_file(content, name, account=account, dry_run=dry_run, engine=engine, today=today,
                       record_rejection=not dry_run)


def table_row(excel_row: int | None) -> int | None:
    """The table's row number (from 1) of a problem's workbook row."""
    return None if excel_row is None else excel_row - HEADER_ROWS


def typed_row(excel_row: int | None, rows: Sequence[Typed]) -> Typed | None:
    """The item of `rows` — what the form sent, in the order task_report_workbook or indicator_workbook
    wrote it (a task code, a commune) — that a problem's workbook row came from; None for a problem of no
    row or of a row the form did not write. The form is paged and searched, so its errors name the task, not
    a row number of the typed reports no page shows."""
    row = table_row(excel_row)
    return rows[row - 1] if row is not None and 1 <= row <= len(rows) else None
