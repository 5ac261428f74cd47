"""The pre-filled task template (issue 13, item 1): every task of the uploader's scope (a ministry
reporter's agency) with its latest report, locked; a clerk types only the new report, and the rows
left as they came are skipped on import. Both backends."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Connection

from data_loaders.figures import tasks as task_figures
from data_loaders.ingest import importer
from data_loaders.ingest.templates import PREFILLED_TASKS, prefilled_tasks, template_bytes
from tests.support.auth_helpers import ensure_account
from tests.support.builder import COMMUNE, OTHER_COMMUNE, PROVINCE, Builder
from tests.support.cli import run_cli

D = dt.date
TODAY = D(2025, 7, 10)
MINISTRY = "Bộ Khoa học và Công nghệ"


def _tasks(engine) -> None:
    builder = Builder(engine)
    builder.task("LD-01", D(2025, 12, 31), [(D(2025, 4, 30), "in_progress", 20), (D(2025, 5, 31), "in_progress", 45)])
    builder.task("LD-02", D(2025, 9, 30), [(D(2025, 5, 31), "not_started", 0)], owner=OTHER_COMMUNE)
    builder.task("LD-03", D(2025, 8, 31), [(D(2025, 3, 31), "in_progress", 10)], owner=PROVINCE, agency=MINISTRY)
    builder.task("HN-01", D(2025, 12, 31), [(D(2025, 5, 31), "in_progress", 50)], owner="01", agency=MINISTRY)
    builder.task("FUTURE", D(2025, 12, 31), [(D(2025, 8, 1), "in_progress", 5)])  # not reported by TODAY
    builder.commit()


def _rows(content: bytes) -> tuple[openpyxl.Workbook, dict[str, int], list[dict]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[4] if cell.value}
    rows = []
    for row in sheet.iter_rows(min_row=5):
        if row[0].value is None:
            break
        rows.append({header: row[index - 1].value for header, index in columns.items()} | {"_row": row[0].row})
    return workbook, columns, rows


def test_the_template_lists_the_scopes_tasks_with_their_latest_report_locked(empty_engine):
    _tasks(empty_engine)
    workbook, columns, rows = _rows(template_bytes("tasks", PROVINCE, prefill=True, today=TODAY, engine=empty_engine))
    assert [row["Mã nhiệm vụ"] for row in rows] == ["LD-01", "LD-02", "LD-03"]  # not Hà Nội's, not a future one
    first = rows[0]
    assert (first["Mã tỉnh"], first["Mã xã"], first["Cơ quan chủ trì"], first["Người chịu trách nhiệm"]) == (
        PROVINCE, COMMUNE, "Sở A", "Nguyễn Văn A")
    assert first["Hạn hoàn thành"].date() == D(2025, 12, 31)
    assert (first["Ngày báo cáo gần nhất"].date(), first["Trạng thái gần nhất"], first["Tiến độ gần nhất (%)"]) == (
        D(2025, 5, 31), "Đang thực hiện", 45)
    assert all(row[key] is None for row in rows for key in ("Ngày báo cáo", "Trạng thái", "Tiến độ (%)", "Ghi chú"))
    sheet = workbook.worksheets[0]
    assert sheet.protection.sheet
    assert sheet.cell(row=5, column=columns["Mã nhiệm vụ"]).protection.locked
    assert sheet.cell(row=5, column=columns["Tiến độ gần nhất (%)"]).protection.locked
    assert not sheet.cell(row=5, column=columns["Tiến độ (%)"]).protection.locked  # the clerk types here
    assert not sheet.cell(row=9, column=columns["Mã nhiệm vụ"]).protection.locked  # and new tasks below
    assert [c.vi for c in PREFILLED_TASKS.columns] == list(columns)


def test_a_ministry_reporter_gets_its_agencys_tasks(empty_engine):
    _tasks(empty_engine)
    _, _, rows = _rows(template_bytes("tasks", "VN", prefill=True, agency="bộ khoa học và công nghệ", today=TODAY,
                                      engine=empty_engine))
    assert [row["Mã nhiệm vụ"] for row in rows] == ["HN-01", "LD-03"]


def test_a_ministrys_tasks_are_chosen_in_the_query_not_among_the_nations(empty_engine, monkeypatch):
    """Nationally 50,000 tasks: a ministry reporter's form and template read only its agency's rows from the
    database (every spelling of it that folds the same, as its uploads are matched), not every task's."""
    _tasks(empty_engine)
    builder = Builder(empty_engine)  # the same agency stored in capitals: matched, as its uploads are
    builder.task("HN-02", D(2025, 12, 31), [(D(2025, 5, 31), "in_progress", 30)], owner="01",
                 agency="BỘ KHOA HỌC VÀ CÔNG NGHỆ")
    builder.commit()
    read_codes: list[str] = []
    execute = Connection.execute

    def counting(conn, statement, *args, **kwargs):
        result = execute(conn, statement, *args, **kwargs)
        if not result.returns_rows or not {"code", "lead_agency"} <= set(result.keys()):
            return result
        frozen = result.freeze()  # the rows as the database handed them over, then given back unchanged
        read_codes.extend(row[list(result.keys()).index("code")] for row in frozen.data)
        return frozen()

    monkeypatch.setattr(Connection, "execute", counting)
    tasks = prefilled_tasks("VN", "bộ khoa học và công nghệ", TODAY, engine=empty_engine)
    assert [task["code"] for task in tasks] == ["HN-01", "HN-02", "LD-03"]
    assert sorted(read_codes) == ["HN-01", "HN-02", "LD-03"]  # not the other agencies' LD-01 and LD-02
    assert prefilled_tasks("VN", "Bộ Không Có", TODAY, engine=empty_engine) == []


def test_a_clerk_fills_only_the_report_columns_and_untouched_rows_are_skipped(empty_engine):
    _tasks(empty_engine)
    clerk = ensure_account(empty_engine, "vanthu.lamdong", "reporter", PROVINCE)
    workbook, columns, rows = _rows(template_bytes("tasks", PROVINCE, prefill=True, today=TODAY, engine=empty_engine))
    sheet = workbook.worksheets[0]
    row = next(r["_row"] for r in rows if r["Mã nhiệm vụ"] == "LD-01")
    sheet.cell(row=row, column=columns["Ngày báo cáo"], value=D(2025, 6, 30))
    sheet.cell(row=row, column=columns["Trạng thái"], value="Đang thực hiện")
    sheet.cell(row=row, column=columns["Tiến độ (%)"], value=70)
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()

    preview = importer.import_file(content, "lam_dong_06.xlsx", account=clerk, dry_run=True, engine=empty_engine,
                                   today=TODAY)
    assert preview.status == "preview", [p.message("en") for p in preview.errors]
    assert (preview.rows, preview.skipped) == (1, 2)
    assert preview.preview.skipped_rows == 2 and preview.as_json()["rows_skipped"] == 2
    result = importer.import_file(content, "lam_dong_06.xlsx", account=clerk, engine=empty_engine, today=TODAY)
    assert result.status == "imported" and (result.created, result.updated) == (1, 0)
    assert result.details["tasks_unchanged"] == 1  # the locked attributes read back exactly as stored
    listed = {t["code"]: t for t in task_figures.task_list(PROVINCE, D(2025, 6, 30), engine=empty_engine)}
    assert listed["LD-01"]["progress_pct"] == 70 and listed["LD-02"]["progress_pct"] == 0


def test_a_task_row_with_a_report_but_no_date_is_still_an_error(empty_engine):
    _tasks(empty_engine)
    workbook, columns, rows = _rows(template_bytes("tasks", PROVINCE, prefill=True, today=TODAY, engine=empty_engine))
    workbook.worksheets[0].cell(row=rows[0]["_row"], column=columns["Tiến độ (%)"], value=60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importer.import_file(buffer.getvalue(), "x.xlsx", engine=empty_engine, today=TODAY)
    assert result.status == "rejected"
    assert {(p.row, p.column) for p in result.errors} == {(5, "Ngày báo cáo"), (5, "Trạng thái")}


def test_the_command_line_writes_the_prefilled_template(empty_engine, tmp_path):
    _tasks(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "bo_khcn.xlsx"
    done = run_cli(url, "template", "tasks", "--scope", "VN", "--agency", "Bộ Khoa học và Công nghệ", "--prefill",
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    codes = [row["Mã nhiệm vụ"] for row in _rows(out.read_bytes())[2]]
    assert codes == ["HN-01", "LD-03"]
    done = run_cli(url, "template", "tasks", "--scope", PROVINCE, "--prefill", "--out", str(out))
    assert done.returncode == 0 and [r["Mã nhiệm vụ"] for r in _rows(out.read_bytes())[2]][:3] == [
        "FUTURE", "LD-01", "LD-02"]  # as of today, the task reported in August exists too


@pytest.mark.parametrize("args", [("--agency", "Bộ Khoa học và Công nghệ"),  # --agency without --prefill
                                  ("--agency", "Bộ Không Có", "--prefill")])  # no such agency
def test_bad_template_arguments_are_usage_errors(empty_engine, tmp_path, args):
    _tasks(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "template", "tasks", *args, "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2 and done.stderr.startswith("error:") and not (tmp_path / "x.xlsx").exists()
