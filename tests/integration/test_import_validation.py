"""Validating and committing uploads: every problem names its cell, a file with any error changes
nothing, an accepted file moves the figures by exactly what it changed, and every value keeps its
source upload and row. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_loaders import figures
from data_loaders.ingest import history as uploads
from data_loaders.ingest.error_workbook import error_workbook
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.problems import Problem, param, render, render_param
from data_loaders.store import engine as db
from data_loaders.store.models import IndicatorValue, Task, TaskReport, Upload
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    MESSY_TASK_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

TODAY = dt.date(2025, 7, 15)
AS_OF = dt.date(2025, 6, 30)
XUAN_HUONG = "24781"  # Phường Xuân Hương - Đà Lạt, Lâm Đồng


def run(engine, content: bytes, name: str = "upload.xlsx", **kwargs):
    return import_file(content, name, engine=engine, today=TODAY, lang="en", **kwargs)


def counts(engine) -> dict:
    with engine.connect() as conn:
        return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Task, TaskReport, IndicatorValue, Upload)}


def figures_of(engine) -> dict:
    return {code: figures.summary(code, AS_OF, engine) for code in ("VN", "68", XUAN_HUONG, "24")}


def base_data(engine) -> None:
    """Two tasks and two communes' indicators, so later uploads have something to change."""
    tasks = workbook_bytes([task_row("NV-1"), task_row("NV-2", status="Đã hoàn thành", progress=100)], TASK_HEADERS)
    assert run(engine, tasks, "base_tasks.xlsx").status == "imported"
    lam_dong = communes("68", 2)
    values = workbook_bytes([indicator_row("Lâm Đồng", None, c.code, "06/2025", 10, 20.5, 5000) for c in lam_dong],
                            INDICATOR_HEADERS)
    assert run(engine, values, "base_values.xlsx").status == "imported"


def test_messy_task_sheet_is_accepted_with_old_province_warning(empty_engine):
    bac_ninh = communes("24", 1)[0]
    rows = [
        task_row("NV-10", province="Lam Dong"),  # no diacritics
        task_row("NV-11", province="Đắk Nông"),  # pre-2025: now Lâm Đồng
        task_row("NV-12", province="Bắc Giang", commune=bac_ninh.name, status="dang thuc hien"),  # now Bắc Ninh
    ]
    result = run(empty_engine, workbook_bytes(rows, MESSY_TASK_HEADERS, title_rows=3, total_row=True))
    assert result.status == "imported", [p.as_json() for p in result.errors]
    assert result.created == 3 and result.rows == 3
    old = [w for w in result.warnings if "before 1 July 2025" in w.message("en")]
    assert {(w.row, w.value) for w in old} == {(6, "Đắk Nông"), (7, "Bắc Giang")}
    assert all(w.sheet == "Báo cáo" and w.column == "tinh/thanh pho" for w in old)
    assert figures.summary("68", AS_OF, empty_engine)["tasks"]["total"] == 2
    assert figures.summary(bac_ninh.code, AS_OF, empty_engine)["tasks"]["total"] == 1


def test_unknown_commune_is_an_error_with_suggestions(empty_engine):
    content = workbook_bytes([indicator_row("Lâm Đồng", "Phường Xuan Hong - Da Lat", None, "06/2025", 3, 10)],
                             INDICATOR_HEADERS)
    result = run(empty_engine, content)
    assert result.status == "rejected"
    [error] = result.errors
    assert (error.sheet, error.row, error.column, error.value) == ("Báo cáo", 4, "Xã/Phường",
                                                                   "Phường Xuan Hong - Da Lat")
    assert "Phường Xuân Hương - Đà Lạt" in error.message("en") and error.cell == "B4"


def test_commune_names_match_without_diacritics_or_type_word(empty_engine):
    content = workbook_bytes([indicator_row("lam dong", "Xuan Huong - Da Lat", None, "06/2025", 3, 10)],
                             INDICATOR_HEADERS)
    result = run(empty_engine, content)
    assert result.status == "imported", [p.as_json() for p in result.errors]
    assert figures.indicator_totals(XUAN_HUONG, AS_OF, empty_engine)["fiveg_stations"] == 3


def test_each_bad_cell_is_reported_with_sheet_row_column_and_value(empty_engine):
    rows = [
        task_row("NV-1", report="31/02/2025"),  # row 4: impossible date
        task_row("NV-2", status="Sắp xong"),  # row 5: not a status
        task_row("NV-3", progress=150),  # row 6
        task_row("NV-4", report="01/01/2026"),  # row 7: future (today is 15/07/2025)
        task_row("NV-5", progress=None),  # row 8: required
        task_row("NV-6", province="Atlantis"),  # row 9
        task_row("NV-7", area="Vũ trụ"),  # row 10
    ]
    result = run(empty_engine, workbook_bytes(rows, TASK_HEADERS))
    assert result.status == "rejected"
    found = {(e.row, e.column, e.value) for e in result.errors}
    assert found == {
        (4, "Ngày báo cáo", "31/02/2025"), (5, "Trạng thái", "Sắp xong"), (6, "Tiến độ (%)", 150),
        (7, "Ngày báo cáo", "01/01/2026"), (8, "Tiến độ (%)", None), (9, "Tỉnh/Thành phố", "Atlantis"),
        (10, "Lĩnh vực", "Vũ trụ"),
    }
    assert all(e.sheet == "Báo cáo" and e.message("en") for e in result.errors)
    by_row = {e.row: e for e in result.errors}
    assert "between 0 and 100" in by_row[6].message("en") and "future" in by_row[7].message("en")
    assert by_row[6].cell == "L6"


def test_missing_required_column_is_rejected(empty_engine):
    headers = [h for h in TASK_HEADERS if h != "Trạng thái"]
    rows = [[v for i, v in enumerate(task_row("NV-1")) if TASK_HEADERS[i] != "Trạng thái"]]
    result = run(empty_engine, workbook_bytes(rows, headers))
    assert result.status == "rejected"
    assert [e.column_label("en") for e in result.errors] == ["Status"] and result.errors[0].row == 3


def test_duplicates_same_is_warning_conflicting_is_error(empty_engine):
    same = run(empty_engine, workbook_bytes([task_row("NV-1"), task_row("NV-1")], TASK_HEADERS))
    assert same.status == "imported"
    assert [(w.row, w.value) for w in same.warnings] == [(5, "NV-1")]
    with db.session_factory(empty_engine)() as session:
        assert session.scalar(select(func.count()).select_from(TaskReport)) == 1
    conflict = run(empty_engine, workbook_bytes([task_row("NV-2", progress=40), task_row("NV-2", progress=60)],
                                                TASK_HEADERS))
    assert conflict.status == "rejected"
    assert [(e.row, "row 4" in e.message("en")) for e in conflict.errors] == [(5, True)]
    values = workbook_bytes([indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 3, 10),
                             indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 4, 10)], INDICATOR_HEADERS)
    result = run(empty_engine, values)
    assert result.status == "rejected" and [(e.row, e.column, e.value) for e in result.errors] == [(5, "Số trạm 5G", 4)]


def test_completed_with_progress_below_100_is_a_warning(empty_engine):
    result = run(empty_engine, workbook_bytes([task_row("NV-1", status="Đã hoàn thành", progress=90)], TASK_HEADERS))
    assert result.status == "imported"
    assert [(w.row, w.column, w.value) for w in result.warnings] == [(4, "Tiến độ (%)", 90)]


def test_new_task_needs_its_attributes_and_nothing_is_kept(empty_engine):
    before = counts(empty_engine)
    rows = [task_row("NV-1"), task_row("NV-2", title=None)]
    result = run(empty_engine, workbook_bytes(rows, TASK_HEADERS))
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(5, "Tên nhiệm vụ")]
    after = counts(empty_engine)
    assert {k: after[k] for k in ("task", "task_report", "indicator_value")} == \
        {k: before[k] for k in ("task", "task_report", "indicator_value")}
    assert after["upload"] == before["upload"] + 1  # the attempt is in the history


def test_dry_run_changes_nothing(empty_engine):
    base_data(empty_engine)
    before_counts, before_figures = counts(empty_engine), figures_of(empty_engine)
    content = workbook_bytes([task_row("NV-3"), task_row("NV-1", progress=55, report="20/06/2025")], TASK_HEADERS)
    result = run(empty_engine, content, dry_run=True)
    # created / updated / unchanged count task reports: one new task, one report for it and one for NV-1
    assert result.status == "preview" and result.created == 2 and result.upload_id is None
    assert result.details["reports_created"] == 2 and result.details["tasks_created"] == 1
    assert counts(empty_engine) == before_counts and figures_of(empty_engine) == before_figures
    # and the same bytes can still be imported for real afterwards
    assert run(empty_engine, content).status == "imported"


def test_same_file_twice_is_already_imported(empty_engine):
    content = workbook_bytes([task_row("NV-1")], TASK_HEADERS)
    first = run(empty_engine, content)
    before = counts(empty_engine)
    second = run(empty_engine, content, "renamed.xlsx")
    assert second.status == "already_imported" and second.upload_id == first.upload_id
    assert second.created == 0 and second.kind == "tasks"
    assert counts(empty_engine) == before


def test_rejected_upload_leaves_every_figure_unchanged(empty_engine):
    base_data(empty_engine)
    before_counts, before_figures = counts(empty_engine), figures_of(empty_engine)
    version = db.data_version(empty_engine)
    rows = [indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 99, 50),  # fine on its own
            indicator_row("Lâm Đồng", None, "99999", "06/2025", 1, 1)]  # unknown commune
    result = run(empty_engine, workbook_bytes(rows, INDICATOR_HEADERS))
    assert result.status == "rejected" and len(result.errors) == 1
    assert figures_of(empty_engine) == before_figures
    after = counts(empty_engine)
    assert after["indicator_value"] == before_counts["indicator_value"]
    assert after["upload"] == before_counts["upload"] + 1
    history = uploads.list_uploads(engine=empty_engine)
    assert history[0]["status"] == "rejected" and history[0]["errors"] == 1
    assert db.data_version(empty_engine) >= version


def test_accepted_upload_moves_figures_by_exactly_what_it_changed(empty_engine):
    base_data(empty_engine)
    before = figures_of(empty_engine)
    lam_dong = communes("68", 2)
    values = workbook_bytes([indicator_row("Lâm Đồng", None, lam_dong[0].code, "06/2025", 15, 20.5, 5000)],
                            INDICATOR_HEADERS)
    result = run(empty_engine, values)
    assert result.status == "imported" and (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert result.details["biggest_changes"][0] == {"indicator": "fiveg_stations", "unit": lam_dong[0].code,
                                                    "period": "2025-06-30", "old": 10.0, "new": 15.0}
    tasks = workbook_bytes([task_row("NV-9", report="20/06/2025")], TASK_HEADERS)
    assert run(empty_engine, tasks).status == "imported"
    after = figures_of(empty_engine)
    for code in ("VN", "68"):
        assert after[code]["indicators"]["fiveg_stations"] == before[code]["indicators"]["fiveg_stations"] + 5
        assert after[code]["indicators"]["population"] == before[code]["indicators"]["population"]
        assert after[code]["tasks"]["total"] == before[code]["tasks"]["total"] + 1
        assert after[code]["tasks"]["on_schedule"] == before[code]["tasks"]["on_schedule"] + 1
        assert after[code]["tasks"]["completed"] == before[code]["tasks"]["completed"]
    assert after["24"] == before["24"]


def test_excel_percent_fractions_are_scaled_with_a_warning(empty_engine):
    lam_dong = communes("68", 2)
    rows = [indicator_row("Lâm Đồng", None, lam_dong[0].code, "06/2025", 1, 0.265),
            indicator_row("Lâm Đồng", None, lam_dong[1].code, "06/2025", 1, 1)]
    result = run(empty_engine, workbook_bytes(rows, INDICATOR_HEADERS))
    assert result.status == "imported"
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (4, "Tỷ lệ dân số được phủ sóng 5G (%)", 0.265)
    with empty_engine.connect() as conn:
        stored = dict(conn.execute(select(IndicatorValue.unit_code, IndicatorValue.value)
                                   .where(IndicatorValue.indicator_code == "fiveg_coverage_pct")).all())
    assert stored == {lam_dong[0].code: pytest.approx(26.5), lam_dong[1].code: pytest.approx(100.0)}


def test_progress_is_reported_by_stage(empty_engine):
    stages = []
    run(empty_engine, workbook_bytes([task_row("NV-1")], TASK_HEADERS), progress=lambda s, f: stages.append((s, f)))
    assert [s for s, _ in stages] == ["read", "validate", "commit", "done"]
    assert [f for _, f in stages] == sorted(f for _, f in stages)


def test_every_value_traces_back_to_its_upload_and_row(empty_engine):
    base_data(empty_engine)
    lam_dong = communes("68", 2)
    trace = uploads.trace_indicator("fiveg_stations", lam_dong[1].code, dt.date(2025, 6, 1), engine=empty_engine)
    assert trace["value"] == 10 and trace["source"]["row"] == 5 and trace["source"]["file_name"] == "base_values.xlsx"
    task = uploads.trace_task("NV-2", engine=empty_engine)
    assert task["source"]["row"] == 5 and task["source"]["file_name"] == "base_tasks.xlsx"
    assert task["reports"][0]["source"]["row"] == 5
    assert uploads.trace_task("NOPE", engine=empty_engine) is None
    history = uploads.list_uploads(engine=empty_engine)
    assert [(h["file_name"], h["kind"], h["status"], h["rows"], h["created"]) for h in history] == [
        ("base_values.xlsx", "indicators", "imported", 2, 6), ("base_tasks.xlsx", "tasks", "imported", 2, 2)]
    name, content = uploads.upload_content(history[1]["id"], engine=empty_engine)
    assert name == "base_tasks.xlsx" and content[:2] == b"PK"


def test_error_workbook_marks_the_users_cells(empty_engine):
    content = workbook_bytes([task_row("NV-1"), task_row("NV-2", progress=150, status="???")], TASK_HEADERS)
    result = run(empty_engine, content)
    marked = load_workbook(io.BytesIO(error_workbook(content, "x.xlsx", result.errors, result.warnings, "en")))
    sheet = marked["Báo cáo"]
    for ref in ("L5", "K5"):
        assert sheet[ref].fill.fgColor.rgb.endswith("FFC7CE") and sheet[ref].comment is not None
    assert "between 0 and 100" in sheet["L5"].comment.text
    assert sheet["L4"].comment is None and sheet["A1"].value.startswith("BIỂU MẪU")  # the rest is untouched
    listing = marked["Errors"]
    assert listing.max_row == 1 + len(result.errors)


def test_error_workbook_from_csv_is_a_new_xlsx(empty_engine):
    csv = ("Tỉnh/Thành phố;Mã xã;Kỳ báo cáo;Số trạm 5G\nLâm Đồng;24781;06/2025;abc\n").encode()
    result = run(empty_engine, csv, "values.csv")
    assert result.status == "rejected" and result.errors[0].cell == "D2"
    marked = load_workbook(io.BytesIO(error_workbook(csv, "values.csv", result.errors, lang="vi")))
    sheet = marked["values.csv"]
    assert sheet["D2"].value == "abc" and sheet["D2"].comment is not None


def test_two_uploads_at_once_both_land_whole(empty_engine):
    files = [workbook_bytes([task_row(f"NV-{n}-{i}") for i in range(200)], TASK_HEADERS) for n in range(2)]
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(run(empty_engine, c))) for c in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == ["imported", "imported"]
    assert counts(empty_engine)["task"] == 400
    with empty_engine.connect() as conn:
        per_upload = dict(conn.execute(select(Task.upload_id, func.count()).group_by(Task.upload_id)).all())
    assert sorted(per_upload.values()) == [200, 200]


def test_xls_ods_and_csv_import_end_to_end(empty_engine, tmp_path):
    from pathlib import Path

    import pandas as pd

    xls = (Path(__file__).resolve().parents[1] / "support" / "fixtures" / "tasks.xls").read_bytes()
    result = run(empty_engine, xls, "tasks.xls")
    assert result.status == "imported" and result.created == 2, [p.as_json() for p in result.errors]
    assert [(w.row, w.value) for w in result.warnings] == [(5, "Đắk Nông")]

    lam_dong = communes("68", 2)
    frame = pd.DataFrame([["Biểu số liệu", None, None, None],
                          ["tinh", "ma xa", "ky bao cao", "so tram 5g"],
                          ["Lâm Đồng", lam_dong[0].code, "06/2025", 4]])
    path = tmp_path / "values.ods"
    frame.to_excel(path, engine="odf", header=False, index=False)
    result = run(empty_engine, path.read_bytes(), "values.ods")
    assert result.status == "imported" and result.created == 1, [p.as_json() for p in result.errors]

    csv = ("Tỉnh/Thành phố;Mã xã;Kỳ báo cáo;Số trạm 5G;Dân số (người)\n"
           f"Lâm Đồng;{lam_dong[1].code};06/2025;5;1.234\n").encode("utf-8")
    result = run(empty_engine, csv, "values.csv")
    assert result.status == "imported" and result.created == 2
    assert figures.indicator_totals("68", AS_OF, empty_engine)["fiveg_stations"] == 9
    assert figures.indicator_totals(lam_dong[1].code, AS_OF, empty_engine)["population"] == 1234


def test_text_with_tabs_newlines_and_backslashes_is_stored_exactly(empty_engine):
    note = "Giai đoạn 1:\tđã xong\nGiai đoạn 2: C:\\du_an\\nq57 \\N"
    result = run(empty_engine, workbook_bytes([task_row("NV-1", note=note)], TASK_HEADERS))
    assert result.status == "imported"
    with empty_engine.connect() as conn:
        # notes are stored with single spaces; backslashes and a literal \N survive COPY as typed
        note = conn.execute(select(TaskReport.note)).scalar_one()
        assert note == "Giai đoạn 1: đã xong Giai đoạn 2: C:\\du_an\\nq57 \\N"


def _three_counts(result_or_row) -> tuple[int, int, int]:
    get = result_or_row.get if isinstance(result_or_row, dict) else lambda name: getattr(result_or_row, name)
    return get("created"), get("updated"), get("unchanged")


@pytest.mark.parametrize("upload", ["report_updated_only", "new_and_updated_report", "indicator_values"])
def test_preview_commit_and_history_count_the_same(empty_engine, upload):
    """Task reports (or indicator values) created / updated / unchanged: the preview, the committed
    result and the history row agree, and the figures really moved."""
    base_data(empty_engine)
    lam_dong = communes("68", 2)
    content, expected, details = {
        # a clerk changes the progress of a report already stored (same task, same date)
        "report_updated_only": (
            [task_row("NV-1", progress=65)], (0, 1, 0),
            {"reports_created": 0, "reports_updated": 1, "reports_unchanged": 0, "tasks_updated": 0}),
        # the case of the issue: one report changed, one new, the tasks themselves unchanged
        "new_and_updated_report": (
            [task_row("NV-1", progress=65), task_row("NV-2", status="Đã hoàn thành", progress=100,
                                                     report="30/06/2025")],
            (1, 1, 0), {"reports_created": 1, "reports_updated": 1, "tasks_created": 0, "tasks_updated": 0}),
        "indicator_values": (
            [indicator_row("Lâm Đồng", None, lam_dong[0].code, "06/2025", 12, 20.5, 5000),
             indicator_row("Lâm Đồng", None, lam_dong[0].code, "05/2025", 8, 19, 5000)],
            (3, 1, 2), {"values_created": 3, "values_updated": 1, "values_unchanged": 2}),
    }[upload]
    headers = INDICATOR_HEADERS if upload == "indicator_values" else TASK_HEADERS
    content = workbook_bytes(content, headers)
    before = figures_of(empty_engine)
    preview = run(empty_engine, content, dry_run=True)
    assert preview.status == "preview" and _three_counts(preview) == expected
    assert figures_of(empty_engine) == before
    committed = run(empty_engine, content, "clerk.xlsx")
    assert committed.status == "imported" and _three_counts(committed) == expected
    assert {k: committed.details[k] for k in details} == details == {k: preview.details[k] for k in details}
    [row] = uploads.list_uploads(limit=1, engine=empty_engine)
    assert row["file_name"] == "clerk.xlsx" and _three_counts(row) == expected
    # the database did change
    if upload == "indicator_values":
        assert figures.indicator_totals(lam_dong[0].code, AS_OF, empty_engine)["fiveg_stations"] == 12
    else:
        [nv1] = [r for r in figures.task_list("68", AS_OF, engine=empty_engine) if r["code"] == "NV-1"]
        assert nv1["progress_pct"] == 65


def test_problem_parameters_are_written_in_the_readers_language():
    fraction = Problem("S", 4, "Tiến độ (%)", 0.265, "warn_percent_fraction", {"example": 0.265, "scaled": 26.5})
    assert "(0,265); đã hiểu là 26,5%" in fraction.message("vi")
    assert "(0.265); read as 26.5%" in fraction.message("en")
    assert render("err_duplicate_conflict", {"other_row": 12106}, "vi") == "Trùng với dòng 12.106 nhưng khác giá trị."
    assert render("err_file_too_large", {"size_mb": 21.5, "max_mb": 20}, "vi") == "Tệp quá lớn (21,5 MB); tối đa 20 MB."
    assert render_param(param(dt.date(2025, 6, 30)), "vi") == "30/06/2025"
    assert render_param(param(dt.date(2025, 6, 30)), "en") == "30 Jun 2025"
    missing = Problem("S", 3, {"header": ["tasks", "status"]}, None, "err_missing_column",
                      {"column": {"header": ["tasks", "status"]}})
    assert missing.as_json("vi") == {"sheet": "S", "row": 3, "column": "Trạng thái", "value": None,
                                     "message": "Thiếu cột bắt buộc \"Trạng thái\"."}
    assert Problem.from_stored(missing.stored()).as_json("en")["column"] == "Status"
