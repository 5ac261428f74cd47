"""A task's assigning document (số và ngày văn bản giao nhiệm vụ, issue 16): two optional columns at
the end of the task template, validated like every cell (a bad or future date, a number too long: an
error naming its cell, nothing written), stored on the task, changed by a later file (previewed,
withdrawn exactly), and named wherever the task is: its detail, its warning, its directions and the
deck. Files without the columns import as before. Both backends."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from sqlalchemy import select

from data_loaders.figures import tasks as task_figures
from data_loaders.figures.early_warnings import warnings
from data_loaders.follow_up.directions import create_direction, list_directions
from data_loaders.i18n.message import render
from data_loaders.identity import accounts
from data_loaders.ingest.formats import TASKS
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.templates import PREFILLED_TASKS, template_bytes
from data_loaders.ingest.withdraw import withdraw_upload
from data_loaders.store.models import DOCUMENT_NUMBER_LENGTH, Task
from reports.slides import build_slides
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes

TODAY = dt.date(2025, 7, 15)
AS_OF = dt.date(2025, 6, 30)
DOCUMENT_HEADERS = [*TASK_HEADERS, "Số văn bản giao nhiệm vụ", "Ngày văn bản giao nhiệm vụ"]
PASSWORD = "mat-khau-thu-nghiem-57"


def run(engine, rows, headers=DOCUMENT_HEADERS, name="tasks.xlsx", **kwargs):
    return import_file(workbook_bytes(rows, headers), name, engine=engine, today=TODAY, lang="en", **kwargs)


def stored(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {row.code: (row.document_number, row.document_date)
                for row in conn.execute(select(Task.code, Task.document_number, Task.document_date))}


def test_the_template_keeps_its_columns_and_adds_the_document_at_the_end():
    keys = [column.key for column in TASKS.columns]
    assert keys[:15] == ["task_code", "title", "plan", "area", "lead_agency", "province_code", "province_name",
                         "commune_code", "commune_name", "responsible_official", "deadline", "report_date", "status",
                         "progress_pct", "note"]  # the columns and order every earlier file has
    assert keys[-2:] == ["document_number", "document_date"]
    assert not TASKS.column("document_number").required and not TASKS.column("document_date").required
    assert [c.key for c in PREFILLED_TASKS.columns][-2:] == ["document_number", "document_date"]
    sheet = openpyxl.load_workbook(io.BytesIO(template_bytes("tasks"))).worksheets[0]
    headers = [cell.value for cell in sheet[4] if cell.value]
    assert headers == [column.vi for column in TASKS.columns]
    assert headers[-2:] == ["Số văn bản giao nhiệm vụ", "Ngày văn bản giao nhiệm vụ"]


def test_a_file_without_the_columns_imports_as_before(empty_engine):
    result = run(empty_engine, [task_row("NV-1"), task_row("NV-2")], headers=TASK_HEADERS)
    assert result.status == "imported", [p.as_json() for p in result.errors]
    assert stored(empty_engine) == {"NV-1": (None, None), "NV-2": (None, None)}
    detail = task_figures.task_detail("NV-1", empty_engine)
    assert (detail["document_number"], detail["document_date"]) == (None, None)
    assert task_figures.document_message(None, None) is None


def test_the_document_is_stored_and_named_wherever_the_task_is(empty_engine):
    rows = [task_row("NV-1", deadline=dt.date(2025, 3, 31)) + ["1131/QĐ-TTg", "15/03/2025"],  # overdue at AS_OF
            task_row("NV-2") + [" 57-NQ/TW ", None],  # a number without a date
            task_row("NV-3") + [None, None]]
    result = run(empty_engine, rows)
    assert result.status == "imported", [p.as_json() for p in result.errors]
    assert stored(empty_engine) == {"NV-1": ("1131/QĐ-TTg", dt.date(2025, 3, 15)), "NV-2": ("57-NQ/TW", None),
                                    "NV-3": (None, None)}
    detail = task_figures.task_detail("NV-1", empty_engine)
    message = task_figures.document_message(detail["document_number"], detail["document_date"])
    assert render(message, "vi") == "Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025"
    assert render(message, "en") == "Assigned by document 1131/QĐ-TTg of 15 Mar 2025"
    assert render(task_figures.document_message("57-NQ/TW", None), "vi") == "Văn bản giao nhiệm vụ số 57-NQ/TW"

    found = {w["task"]: w for w in warnings("68", AS_OF, engine=empty_engine)["warnings"] if w.get("task")}
    assert found["NV-1"]["kind"] == "overdue"
    assert found["NV-1"]["document"] == {"number": "1131/QĐ-TTg", "date": "2025-03-15"}

    admin = accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    create_direction(admin, text="Đề nghị hoàn thành trong tháng", task_code="NV-1", engine=empty_engine,
                     now=dt.datetime(2025, 6, 20, 8, tzinfo=dt.timezone.utc))
    row = list_directions(admin, "68", TODAY, engine=empty_engine)[0]
    assert (row["task_document_number"], row["task_document_date"]) == ("1131/QĐ-TTg", dt.date(2025, 3, 15))

    deck = build_slides("68", AS_OF, lang="vi", engine=empty_engine, base_url="https://nq57.example.vn")
    bullets = {slide.kind: slide.bullets for slide in deck.slides}
    assert any("NV-1" in b and "Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025" in b
               for b in bullets["warnings"])
    assert any(b.count("1131/QĐ-TTg") == 1 and "NV-1" in b for b in bullets["directions"])


def test_a_bad_document_cell_is_an_error_naming_its_cell_and_nothing_is_written(empty_engine):
    long_number = "QĐ-" + "9" * DOCUMENT_NUMBER_LENGTH
    rows = [task_row("NV-1") + ["12/QĐ-UBND", "31/02/2025"],  # no such day
            task_row("NV-2") + ["12/QĐ-UBND", "ngày mai"],  # not a date
            task_row("NV-3") + [long_number, "01/03/2025"],  # longer than the column holds
            task_row("NV-4") + ["12/QĐ-UBND", "01/08/2025"]]  # after today
    result = run(empty_engine, rows)
    assert result.status == "rejected"
    problems = {(p.row, p.cell, p.key) for p in result.errors}
    assert problems == {(4, "O4", "err_bad_date"), (5, "O5", "err_bad_date"), (6, "N6", "bounds_err_too_long"),
                        (7, "O7", "err_future_date")}
    named = {p.cell: p.as_json("vi")["column"] for p in result.errors}
    assert named["O4"] == "Ngày văn bản giao nhiệm vụ" and named["N6"] == "Số văn bản giao nhiệm vụ"
    assert stored(empty_engine) == {}


def test_a_later_file_sets_the_document_previewed_and_withdrawn_exactly(empty_engine):
    admin = accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    assert run(empty_engine, [task_row("NV-1")], headers=TASK_HEADERS, account=admin).status == "imported"
    later = [task_row("NV-1", report="30/06/2025") + ["88/QĐ-UBND", dt.date(2025, 2, 1)]]
    preview = run(empty_engine, later, name="later.xlsx", account=admin, dry_run=True)
    assert preview.status == "preview", [p.as_json() for p in preview.errors]
    changes = {c.field: (c.old, c.new) for row in preview.preview.rows for c in row.changes}
    assert changes["document_number"] == (None, "88/QĐ-UBND")
    assert changes["document_date"] == (None, dt.date(2025, 2, 1))
    assert stored(empty_engine) == {"NV-1": (None, None)}
    result = run(empty_engine, later, name="later.xlsx", account=admin)
    assert result.status == "imported" and result.details["tasks_updated"] == 1
    assert stored(empty_engine) == {"NV-1": ("88/QĐ-UBND", dt.date(2025, 2, 1))}
    # a file that leaves the columns empty does not erase what is stored
    again = [task_row("NV-1", report="05/07/2025", progress=60) + [None, None]]
    assert run(empty_engine, again, name="again.xlsx", account=admin).status == "imported"
    assert stored(empty_engine) == {"NV-1": ("88/QĐ-UBND", dt.date(2025, 2, 1))}
    corrected = [task_row("NV-1", report="10/07/2025", progress=70) + ["89/QĐ-UBND", "03/02/2025"]]
    upload = run(empty_engine, corrected, name="corrected.xlsx", account=admin)
    assert upload.status == "imported"
    assert stored(empty_engine) == {"NV-1": ("89/QĐ-UBND", dt.date(2025, 2, 3))}
    withdraw_upload(upload.upload_id, actor="admin", engine=empty_engine)
    assert stored(empty_engine) == {"NV-1": ("88/QĐ-UBND", dt.date(2025, 2, 1))}


def test_the_prefilled_template_shows_the_document_and_reimports(empty_engine):
    rows = [task_row("NV-1") + ["1131/QĐ-TTg", "15/03/2025"], task_row("NV-2")]
    assert run(empty_engine, rows).status == "imported"
    content = template_bytes("tasks", "68", prefill=True, today=TODAY, engine=empty_engine)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[4] if cell.value}
    assert list(columns)[-2:] == ["Số văn bản giao nhiệm vụ", "Ngày văn bản giao nhiệm vụ"]
    by_code = {sheet.cell(row=r, column=1).value: r for r in (5, 6)}
    first = by_code["NV-1"]
    assert sheet.cell(row=first, column=columns["Số văn bản giao nhiệm vụ"]).value == "1131/QĐ-TTg"
    assert sheet.cell(row=first, column=columns["Ngày văn bản giao nhiệm vụ"]).value.date() == dt.date(2025, 3, 15)
    assert sheet.cell(row=first, column=columns["Số văn bản giao nhiệm vụ"]).protection.locked  # a task attribute
    # the clerk types a report on NV-2 only; NV-1 is skipped, its document kept
    second = by_code["NV-2"]
    for header, value in (("Ngày báo cáo", dt.date(2025, 7, 1)), ("Trạng thái", "Đã hoàn thành"),
                          ("Tiến độ (%)", 100)):
        sheet.cell(row=second, column=columns[header], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_file(buffer.getvalue(), "prefilled.xlsx", engine=empty_engine, today=TODAY)
    assert result.status == "imported", [p.as_json() for p in result.errors]
    assert result.skipped == 1 and result.created == 1
    assert stored(empty_engine) == {"NV-1": ("1131/QĐ-TTg", dt.date(2025, 3, 15)), "NV-2": (None, None)}
