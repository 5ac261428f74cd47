"""The preview shows the change (issue 13, item 3): each row that changes something with its old →
new values, the rows that change nothing only counted; and a file's errors all at once — format,
rule and scope — each naming its cell. Both backends."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from data_loaders.ingest import importer
from data_loaders.ingest.formats import INDICATOR_VALUES, TASKS
from data_loaders.ingest.preview import FieldChange
from tests.support.auth_helpers import ensure_account
from tests.support.builder import COMMUNE, OTHER_COMMUNE, PROVINCE, Builder

D = dt.date
TODAY = D(2025, 7, 10)


def _workbook(sheet_format, rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([column.vi for column in sheet_format.columns])
    keys = [column.key for column in sheet_format.columns]
    for row in rows:
        values = dict(row)
        sheet.append([values.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _task_row(code: str, day, status: str, progress, **extra) -> list[tuple]:
    return [("task_code", code), ("report_date", day), ("status", status), ("progress_pct", progress),
            *extra.items()]


def test_task_rows_show_old_and_new_status_and_progress(empty_engine):
    builder = Builder(empty_engine)
    builder.task("LD-01", D(2025, 12, 31), [(D(2025, 5, 31), "in_progress", 45)])
    builder.task("LD-02", D(2025, 12, 31), [(D(2025, 5, 31), "in_progress", 30)])
    builder.task("LD-03", D(2025, 9, 30), [(D(2025, 5, 31), "in_progress", 80)])
    builder.task("LD-04", D(2025, 9, 30), [(D(2025, 5, 31), "in_progress", 50)])
    builder.commit()
    content = _workbook(TASKS, [
        _task_row("LD-01", D(2025, 6, 30), "Đã hoàn thành", 100),  # row 2: a new report
        _task_row("LD-02", D(2025, 5, 31), "Đang thực hiện", 30),  # row 3: the stored report again
        _task_row("LD-03", D(2025, 5, 31), "Đang thực hiện", 85, deadline=D(2025, 10, 31)),  # row 4: corrects both
        _task_row("LD-04", D(2025, 6, 30), "Đang thực hiện", 50),  # row 5: June's report, no progress
    ])
    result = importer.import_file(content, "06.xlsx", dry_run=True, engine=empty_engine, today=TODAY)
    assert result.status == "preview", [p.message("en") for p in result.errors]
    preview = result.preview
    assert (preview.changed_rows, preview.unchanged_rows) == (3, 1)
    first, third, fifth = preview.rows
    assert (first.row, first.subject, first.unit_code, first.date, first.new) == (2, "LD-01", COMMUNE,
                                                                                  D(2025, 6, 30), True)
    assert first.changes == (FieldChange("report_date", D(2025, 5, 31), D(2025, 6, 30)),
                             FieldChange("status", "in_progress", "completed"), FieldChange("progress_pct", 45, 100))
    assert (third.row, third.new) == (4, False)
    assert third.changes == (FieldChange("progress_pct", 80, 85),
                             FieldChange("deadline", D(2025, 9, 30), D(2025, 10, 31)))
    assert fifth.changes == (FieldChange("report_date", D(2025, 5, 31), D(2025, 6, 30)),)  # the rest folded away
    payload = result.as_json("en")["preview"]
    assert payload["changes"][0]["changes"][1] == {"field": "status", "old": "in_progress", "new": "completed"}
    assert payload["changes"][1]["changes"][1] == {"field": "deadline", "old": "2025-09-30", "new": "2025-10-31"}
    committed = importer.import_file(content, "06.xlsx", engine=empty_engine, today=TODAY)
    assert committed.status == "imported" and committed.preview is None  # a commit carries no preview


def test_indicator_rows_show_old_and_new_values(empty_engine):
    builder = Builder(empty_engine)
    builder.value(COMMUNE, D(2025, 6, 30), "fiveg_stations", 12)
    builder.value(COMMUNE, D(2025, 6, 30), "ai_experts", 3)
    builder.value(OTHER_COMMUNE, D(2025, 6, 30), "fiveg_stations", 4)
    builder.commit()
    unit = [("province_code", PROVINCE), ("period", "06/2025")]
    content = _workbook(INDICATOR_VALUES, [
        [("commune_code", COMMUNE), *unit, ("fiveg_stations", 17), ("ai_experts", 3)],  # one value changes
        [("commune_code", OTHER_COMMUNE), *unit, ("fiveg_stations", 4)],  # nothing changes
        [("commune_code", "24829"), *unit, ("fiveg_stations", 2)],  # new
    ])
    result = importer.import_file(content, "chi_tieu.xlsx", dry_run=True, engine=empty_engine, today=TODAY)
    assert result.status == "preview", [p.message("en") for p in result.errors]
    preview = result.preview
    assert (preview.changed_rows, preview.unchanged_rows) == (2, 1)
    changed, new = preview.rows
    assert (changed.row, changed.subject, changed.date, changed.new) == (2, COMMUNE, D(2025, 6, 30), False)
    assert changed.changes == (FieldChange("fiveg_stations", 12, 17),)  # ai_experts, unchanged, folded away
    assert (new.row, new.new, new.changes) == (4, True, (FieldChange("fiveg_stations", None, 2),))


def test_format_rule_and_scope_errors_come_at_once_each_naming_its_cell(empty_engine):
    clerk = ensure_account(empty_engine, "vanthu.xuanhuong", "reporter", COMMUNE)
    unit = [("province_code", PROVINCE), ("period", "06/2025")]
    content = _workbook(INDICATOR_VALUES, [
        [("commune_code", COMMUNE), *unit, ("fiveg_stations", "mười hai")],  # row 2: format
        [("commune_code", COMMUNE), *unit, ("fiveg_coverage_pct", 130)],  # row 3: rule (a percent over 100)
        [("commune_code", OTHER_COMMUNE), *unit, ("fiveg_stations", 4)],  # row 4: outside the clerk's commune
        [("province_code", "01"), ("commune_name", "Phường Ba Đình"), ("period", "06/2025"),
         ("fiveg_stations", 9)],  # row 5: another province
    ])
    result = importer.import_file(content, "x.xlsx", account=clerk, dry_run=True, engine=empty_engine, today=TODAY)
    assert result.status == "rejected"
    found = [(p.row, p.cell, p.key) for p in result.errors]
    assert [row for row, _, _ in found] == [2, 3, 4, 5]  # in row order, all four at once
    by_row = {row: (cell, key) for row, cell, key in found}
    assert by_row[2][0].endswith("2") and by_row[3][0].endswith("3")
    assert by_row[4] == ("C4", "scope_unit_outside")
    assert by_row[5][1] == "scope_unit_outside" and by_row[5][0].endswith("5")
    without_scope = importer.import_file(content, "x.xlsx", dry_run=True, engine=empty_engine, today=TODAY)
    assert [p.row for p in without_scope.errors] == [2, 3]  # an administrator's upload has no scope to break


def test_a_large_file_lists_the_first_rows_and_counts_them_all(empty_engine, monkeypatch):
    from data_loaders.ingest import preview

    monkeypatch.setattr(preview, "MAX_LISTED", 2)
    unit = [("province_code", PROVINCE), ("period", "06/2025")]
    content = _workbook(INDICATOR_VALUES, [[("commune_code", code), *unit, ("fiveg_stations", n)]
                                           for n, code in enumerate((COMMUNE, OTHER_COMMUNE, "24829"), start=1)])
    result = importer.import_file(content, "x.xlsx", dry_run=True, engine=empty_engine, today=TODAY)
    assert (result.preview.changed_rows, [row.row for row in result.preview.rows]) == (3, [2, 3])
