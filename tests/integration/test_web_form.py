"""Reporting in the browser (data_loaders/ingest/web_form.py): what is typed in the page's tables goes
through the importer as the reporter — validation, scope, all-or-nothing commit, provenance — and each
problem names its table row. Both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_loaders.identity import accounts
from data_loaders.ingest import web_form
from data_loaders.ingest.importer import import_file
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import IndicatorValue, Task, TaskReport, Upload
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes

PASSWORD = "a long enough password"
LD = communes("68", 2)
TODAY = dt.date(2025, 7, 3)


def _world(engine):
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    rows = [task_row("XA-1", province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã"),
            task_row("XB-1", province="Lâm Đồng", commune=LD[1].name, agency="Ủy ban nhân dân xã")]
    assert import_file(workbook_bytes(rows, TASK_HEADERS), "base.xlsx", engine=engine, account=admin,
                       today=dt.date(2025, 6, 20)).status == "imported"
    return accounts.create_account("xa.a", PASSWORD, "reporter", LD[0].code, actor="cli:test", engine=engine)


def test_typed_task_reports_commit_like_an_upload_and_errors_name_the_table_row(empty_engine):
    clerk = _world(empty_engine)
    good = {"task_code": "XA-1", "report_date": dt.date(2025, 7, 1), "status": "in_progress", "progress_pct": 70,
            "note": "Đã lắp đặt thiết bị"}
    bad = [good, {**good, "progress_pct": 250}, {**good, "task_code": "XB-1"}]  # row 2: >100; row 3: not its own
    rejected = web_form.submit(clerk, "tasks", web_form.task_report_workbook(bad), dry_run=True,
                               engine=empty_engine, today=TODAY)
    assert rejected.status == "rejected"
    assert {web_form.table_row(problem.row) for problem in rejected.errors} == {2, 3}  # format and scope at once
    preview = web_form.submit(clerk, "tasks", web_form.task_report_workbook([good]), dry_run=True,
                              engine=empty_engine, today=TODAY)
    assert (preview.status, preview.created) == ("preview", 1)
    with empty_engine.connect() as conn:
        assert conn.execute(select(TaskReport.id).where(TaskReport.report_date == dt.date(2025, 7, 1))).first() is None
    done = web_form.submit(clerk, "tasks", web_form.task_report_workbook([good]), dry_run=False,
                           engine=empty_engine, today=TODAY)
    assert done.status == "imported" and done.created == 1
    with empty_engine.connect() as conn:
        report = conn.execute(select(TaskReport.progress_pct, Upload.file_name, Upload.uploaded_by)
                              .join(Task, Task.id == TaskReport.task_id).join(Upload, Upload.id == TaskReport.upload_id)
                              .where(Task.code == "XA-1", TaskReport.report_date == dt.date(2025, 7, 1))).one()
    assert report.progress_pct == 70 and report.uploaded_by == "xa.a"
    assert report.file_name.startswith(f"{web_form.WEB_FORM_PREFIX}-tasks-xa.a-")


def test_typed_indicator_values_commit_for_the_period(empty_engine):
    clerk = _world(empty_engine)
    content = web_form.indicator_workbook(dt.date(2025, 6, 15), [{"commune_code": LD[0].code, "fiveg_stations": 12,
                                                                   "population": 25_000}],
                                          indicator_catalogue(empty_engine))
    done = web_form.submit(clerk, "indicators", content, dry_run=False, engine=empty_engine, today=TODAY)
    assert done.status == "imported" and done.created == 2, [p.message("en") for p in done.errors]
    with empty_engine.connect() as conn:
        stored = dict(conn.execute(select(IndicatorValue.indicator_code, IndicatorValue.value)
                                   .where(IndicatorValue.unit_code == LD[0].code,
                                          IndicatorValue.period == dt.date(2025, 6, 30))).all())
    assert stored == {"fiveg_stations": 12, "population": 25_000}
    other = web_form.indicator_workbook(dt.date(2025, 6, 15), [{"commune_code": LD[1].code, "fiveg_stations": 3}],
                                         indicator_catalogue(empty_engine))
    refused = web_form.submit(clerk, "indicators", other, dry_run=False, engine=empty_engine, today=TODAY)
    assert refused.status == "rejected" and web_form.table_row(refused.errors[0].row) == 1


def test_errors_name_the_column_as_the_form_heads_it_in_the_readers_language(empty_engine):
    """The workbook the form writes has Vietnamese headers; the form's table is headed in the reader's language,
    and so is the column an error names."""
    clerk = _world(empty_engine)
    catalogue = indicator_catalogue(empty_engine)
    typed = [{"task_code": "XA-1", "report_date": dt.date(2025, 7, 1), "status": "in_progress", "progress_pct": 250}]
    rejected = web_form.submit(clerk, "tasks", web_form.task_report_workbook(typed), dry_run=True,
                               engine=empty_engine, today=TODAY)
    [problem] = rejected.errors
    assert web_form.column_label("tasks", problem.column_label("en"), "en") == "Progress (%)"
    assert web_form.column_label("tasks", problem.column_label("vi"), "vi") == "Tiến độ (%)"
    content = web_form.indicator_workbook(dt.date(2025, 6, 15), [{"commune_code": LD[0].code,
                                                                   "fiveg_coverage_pct": 250}], catalogue)
    rejected = web_form.submit(clerk, "indicators", content, dry_run=True, engine=empty_engine, today=TODAY)
    [problem] = rejected.errors
    coverage = next(indicator for indicator in catalogue if indicator.code == "fiveg_coverage_pct")
    assert web_form.column_label("indicators", problem.column_label("en"), "en", catalogue) == \
        f"{coverage.en} ({coverage.unit_en})"
    assert web_form.column_label("indicators", problem.column_label("vi"), "vi", catalogue) == \
        f"{coverage.vi} ({coverage.unit_vi})"
