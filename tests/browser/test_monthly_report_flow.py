"""Issue 13's "Done when", end to end in a real browser, in Vietnamese: a Lâm Đồng clerk downloads the
task template already listing their tasks, types June's progress in it (only the report columns, as a
clerk does in Excel), uploads it, sees old → new in the preview and commits; Lâm Đồng's approver sees
June's commune submissions and the province's own (waiting for the centre), approves the commune's
(the centre's approver the province's); the reporting-status page shows who is late.

One test in a database of its own (a copy of the sample): it writes. Every step waits for what it
expects on screen (no fixed sleeps). Screenshots of each step go to tests/artifacts/, named by backend."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest

from data_loaders.ingest import approvals
from data_loaders.store.engine import make_engine
from tests.support.browser_app import assert_no_error, full_page_shot, private_app, signed_in
from tests.support.browser_support import wait_until_run_finished

pytestmark = pytest.mark.browser  # on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (seeded_url)

CLERK, APPROVER, CENTRE = "vanthu.lamdong", "duyet.lamdong", "duyet.trunguong"
JUNE_END = dt.date(2025, 6, 30)
JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def world(seeded_url, tmp_path):
    """The sample in a private copy on the seeded database's backend, with Lâm Đồng's clerk and approver
    and the centre's approver."""
    backend = seeded_url.split(":", 1)[0].split("+", 1)[0]
    accounts = [(CLERK, "reporter", "68", {}), (APPROVER, "approver", "68", {}), (CENTRE, "approver", "VN", {})]
    with private_app(seeded_url, tmp_path, f"monthly_report_flow_{backend}", accounts) as (app_url, url):
        yield app_url, url, backend


def _shot(page, backend: str, name: str) -> None:
    full_page_shot(page, f"monthly_report_flow_{backend}_{name}.png")


def _preview_text(page) -> str:
    """The preview table's cells as the grid exposes them to assistive technology (its accessible table)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    return grid.evaluate("el => Array.from(el.querySelectorAll('td, th')).map(c => c.textContent).join(' | ')")


def _fill_june(content: bytes) -> tuple[bytes, dict[str, dict]]:
    """What the clerk does in Excel: on a commune's task and on one of the province's own, not yet
    completed and last reported by 30/06/2025, types June's report — date, status, progress — in the
    report columns only. Returns the workbook and the rows typed, by task code."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[4] if cell.value}
    typed: dict[str, dict] = {}
    for row in sheet.iter_rows(min_row=5):
        values = {header: row[index - 1].value for header, index in columns.items()}
        if not values["Mã nhiệm vụ"]:
            break
        last = values["Ngày báo cáo gần nhất"]
        if (values["Trạng thái gần nhất"] == "Đã hoàn thành" or last is None or last.date() > JUNE_END
                or (values["Tiến độ gần nhất (%)"] or 0) >= 90):
            continue
        kind = "commune" if values["Mã xã"] else "province"
        if any(found["kind"] == kind for found in typed.values()):
            continue
        progress = int(values["Tiến độ gần nhất (%)"] or 0) + 10
        excel_row = row[0].row
        sheet.cell(row=excel_row, column=columns["Ngày báo cáo"], value=JUNE_END)
        sheet.cell(row=excel_row, column=columns["Trạng thái"], value="Đang thực hiện")
        sheet.cell(row=excel_row, column=columns["Tiến độ (%)"], value=progress)
        typed[values["Mã nhiệm vụ"]] = {"kind": kind, "commune": values["Mã xã"], "old": values["Tiến độ gần nhất (%)"],
                                        "new": progress}
        if len(typed) == 2:
            break
    assert {found["kind"] for found in typed.values()} == {"commune", "province"}, typed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), typed


def test_a_clerk_reports_june_the_approver_approves_and_reporting_status_shows_who_is_late(world, chromium, tmp_path):
    app_url, database_url, backend = world

    # 1. the clerk downloads the task template: it lists Lâm Đồng's tasks with their latest report
    clerk_context, clerk = signed_in(chromium, app_url, CLERK, "upload")
    with clerk.expect_download() as download:
        clerk.get_by_role("button", name="Biểu mẫu tiến độ nhiệm vụ (.xlsx)").click()
    template = open(download.value.path(), "rb").read()
    content, typed = _fill_june(template)
    filled = tmp_path / "tien-do-lam-dong-06-2025.xlsx"
    filled.write_bytes(content)

    # 2. uploads it: the preview shows old → new for the two rows typed, nothing else changes
    clerk.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
    clerk.get_by_text("2 dòng sẽ thay đổi số liệu:").wait_for()
    wait_until_run_finished(clerk)
    shown = _preview_text(clerk)
    for code, found in typed.items():
        assert code in shown, (code, shown)
        # the changes column: "Tiến độ (%): 40 → 50"
        assert re.search(rf"{found['old']:g}\D{{0,3}}→\s*{found['new']}\b", shown), (code, found, shown)
    _shot(clerk, backend, "1_preview")
    assert_no_error(clerk, "the preview")
    clerk.get_by_role("button", name="Xác nhận ghi số liệu").click()
    clerk.get_by_text(re.compile(r"Đã ghi báo cáo tiến độ: (1 mới, 1 cập nhật|2 mới, 0 cập nhật|0 mới, 2 cập nhật)"))\
        .wait_for()
    wait_until_run_finished(clerk)
    _shot(clerk, backend, "2_committed")
    assert_no_error(clerk, "the commit")
    clerk_context.close()

    commune = next(found["commune"] for found in typed.values() if found["kind"] == "commune")
    # 3. Lâm Đồng's approver: June's submissions of the communes, and the province's own waiting for the centre
    approver_context, approver = signed_in(chromium, app_url, APPROVER, "approvals?province=68&as_of=2025-06-30")
    approver.get_by_role("heading", name="Phê duyệt báo cáo").wait_for()
    approver.get_by_text("Báo cáo kỳ 06/2025 của Lâm Đồng chưa được trung ương phê duyệt.").wait_for()
    picker = approver.locator('[data-testid="stSelectbox"]').filter(has_text="Báo cáo của đơn vị")
    engine = make_engine(database_url)
    try:
        name = approvals.submission(commune, JUNE, engine=engine)["unit"]["name"]
    finally:
        engine.dispose()
    picker.click()
    approver.keyboard.type(name)  # the list is long: typed, it shows that commune
    approver.get_by_role("option", name=re.compile(rf"^{re.escape(name)} · Chờ phê duyệt")).click()
    wait_until_run_finished(approver)
    _shot(approver, backend, "3_submission")
    approver.get_by_role("button", name="Phê duyệt và khóa").click()
    approver.get_by_text(re.compile(rf"Đã phê duyệt báo cáo kỳ 06/2025 của {re.escape(name)}")).wait_for()
    wait_until_run_finished(approver)
    assert_no_error(approver, "the approval")
    _shot(approver, backend, "4_approved")

    # the centre's approver approves Lâm Đồng's own June (the province's task report)
    centre_context, centre = signed_in(chromium, app_url, CENTRE, "approvals?as_of=2025-06-30")
    picker = centre.locator('[data-testid="stSelectbox"]').filter(has_text="Báo cáo của đơn vị")
    picker.click()
    centre.keyboard.type("Lâm Đồng")
    centre.get_by_role("option", name=re.compile(r"^Lâm Đồng · Chờ phê duyệt")).click()
    wait_until_run_finished(centre)
    centre.get_by_role("button", name="Phê duyệt và khóa").click()
    centre.get_by_text(re.compile(r"Đã phê duyệt báo cáo kỳ 06/2025 của Lâm Đồng")).wait_for()
    wait_until_run_finished(centre)
    assert_no_error(centre, "the centre's approval")
    centre_context.close()

    # 4. the reporting status of June at Lâm Đồng: who is late, and what is approved
    approver.goto(f"{app_url}/reporting-status?province=68&as_of=2025-06-30")
    wait_until_run_finished(approver)
    main = approver.locator('[data-testid="stMain"]')
    main.get_by_text("Trễ hạn").first.wait_for()
    _shot(approver, backend, "5_reporting_status")
    assert_no_error(approver, "the reporting status")
    engine = make_engine(database_url)
    try:
        listed = approvals.submissions("68", JUNE, engine=engine)
    finally:
        engine.dispose()
    states = {row["unit"]["code"]: row for row in listed["children"]}
    assert states[commune]["state"] == "approved" and listed["own"]["state"] == "approved"
    assert listed["counts"]["approved"] >= 1 and any(row["reporting"] == "late" for row in listed["children"])
    approver_context.close()
