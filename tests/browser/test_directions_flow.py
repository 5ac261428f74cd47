"""Issue 16's "Done when", end to end in a real browser, in Vietnamese: a national leader writes a
direction on the overdue Lâm Đồng task from its warning card; the Lâm Đồng reporter sees it in their
to-do list and answers with a PDF and 100% progress; the leader's digest, sent by the command line to
a real local SMTP server, reports the answer; the task shows as completed with its evidence.

One test in a database of its own (a copy of the sample): it writes. Every step waits for what it
expects on screen (no fixed sleeps). Screenshots of each step go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import socket

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_loaders.figures.early_warnings import warnings
from data_loaders.figures.scope import latest_data_date
from data_loaders.figures.tasks import task_detail
from data_loaders.identity.admin import change_setting
from data_loaders.ingest.importer import import_file
from data_loaders.store.engine import make_engine
from tests.support.browser_app import assert_no_error, full_page_shot, private_app, signed_in
from tests.support.browser_support import wait_until_run_finished
from tests.support.cli import run_cli
from tests.support.fixtures.workbooks import workbook_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),  # the app runs on SQLite here
]

LEADER, REPORTER = "lanh.dao.tw", "bao.cao.lamdong"
LEADER_MAIL = "lanhdao.tw@example.vn"
DOCUMENT = ("1131/QĐ-TTg", dt.date(2025, 3, 15))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DIRECTION = "Đề nghị xã hoàn thành ngay nhiệm vụ quá hạn, gửi biên bản nghiệm thu"
ANSWER = "Đã hoàn thành, gửi kèm biên bản nghiệm thu"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def _overdue_task_with_its_document(engine) -> dict:
    """The overdue Lâm Đồng task, its latest report restated with the assigning document (an upload)."""
    day = latest_data_date(engine)
    overdue = [w for w in warnings("68", day, engine=engine)["warnings"] if w["kind"] == "overdue"]
    assert overdue, "the sample has an overdue task in Lâm Đồng"
    task = task_detail(overdue[0]["task"], engine)
    latest = task["reports"][-1]
    restated = [[task["code"], latest["report_date"], "Đang thực hiện", latest["progress_pct"], latest["note"],
                 *DOCUMENT]]
    headers = ["Mã nhiệm vụ", "Ngày báo cáo", "Trạng thái", "Tiến độ (%)", "Ghi chú", "Số văn bản giao nhiệm vụ",
               "Ngày văn bản giao nhiệm vụ"]
    result = import_file(workbook_bytes(restated, headers), "van-ban-giao.xlsx", engine=engine)
    assert result.status == "imported", [p.as_json() for p in result.errors]
    return task


@pytest.fixture
def world(seeded_url, tmp_path, smtp):
    """The sample in a private copy: a national leader (with an e-mail), a Lâm Đồng reporter, the
    overdue Lâm Đồng task carrying its assigning document, and the local SMTP server as the settings'."""
    _, port = smtp
    found = {}

    def prepare(engine) -> None:
        found["task"] = _overdue_task_with_its_document(engine)
        for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", port), ("smtp_sender", "nq57@example.vn")):
            change_setting(key, value, engine, user="cli:pytest")

    accounts = [(LEADER, "viewer", "VN", {"email": LEADER_MAIL}),
                (REPORTER, "reporter", "68", {"email": "baocao.ld@example.vn"})]
    with private_app(seeded_url, tmp_path, "directions_flow", accounts, prepare) as (app_url, database_url):
        yield app_url, database_url, found["task"]


def _shot(page, name: str) -> None:
    full_page_shot(page, f"directions_flow_{name}.png")


def test_a_leader_directs_an_overdue_task_and_the_reporter_completes_it(world, chromium, smtp, tmp_path):
    app_url, database_url, task = world
    code = task["code"]
    mailbox, _ = smtp

    # 1. the national leader, on Lâm Đồng's warnings: the overdue task's card names its document; "Chỉ đạo"
    leader_context, leader = signed_in(chromium, app_url, LEADER, "warnings?province=68")
    # the card: the warning card's own container (components/warning_list: key nq57-warning-…) naming the task
    card = leader.locator('[class*="st-key-nq57-warning-"]').filter(has_text=code).filter(
        has=leader.get_by_role("button", name="Chỉ đạo")).last
    card.get_by_text("Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025").wait_for()
    _shot(leader, "1_warning_card")
    card.get_by_role("button", name="Chỉ đạo").click()
    leader.get_by_role("heading", name="Ý kiến chỉ đạo và trả lời").wait_for()
    wait_until_run_finished(leader)
    assert "province=68" in leader.url and "commune=" in leader.url  # at the task's commune
    text_area = leader.locator(".st-key-direction_new_text textarea")
    text_area.wait_for()  # the form is open, on the task
    assert leader.locator(".st-key-direction_new_task input").input_value().startswith(code)
    text_area.fill(DIRECTION)
    leader.get_by_role("button", name="Gửi chỉ đạo").click()
    leader.get_by_text("Đã gửi ý kiến chỉ đạo.").wait_for()
    wait_until_run_finished(leader)
    _shot(leader, "2_direction_sent")
    assert_no_error(leader, "the leader's directions page")

    # 2. the Lâm Đồng reporter: the direction in their to-do list, answered with a PDF, completed at 100%
    reporter_context, reporter = signed_in(chromium, app_url, REPORTER, "inbox")
    reporter.get_by_role("heading", name=re.compile(r"^Chỉ đạo cần trả lời \(1\)")).wait_for()
    reporter.get_by_text(DIRECTION).first.click()  # open it
    form = reporter.locator('[data-testid="stForm"]').filter(has=reporter.get_by_role("button", name="Gửi trả lời"))
    form.wait_for()
    opened = reporter.locator('[data-testid="stExpander"]').filter(has_text=DIRECTION)
    opened.get_by_text("Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025").wait_for()  # the task's document
    form.locator("textarea").fill(ANSWER)
    # the select box's own "Open" button shows its list (a click on the box may only focus it); the
    # keyboard's arrow opens it should that not
    status = form.locator('[data-testid="stSelectbox"]')
    completed = reporter.get_by_role("option", name="Đã hoàn thành", exact=True)
    status.locator('button[aria-label="Open"]').click()
    try:
        completed.wait_for(timeout=5_000)
    except PlaywrightTimeout:
        status.locator("input").press("ArrowDown")
    completed.click()
    form.locator('[data-testid="stNumberInput"] input').fill("100")
    pdf = tmp_path / "bien-ban-nghiem-thu.pdf"
    pdf.write_bytes(PDF)
    form.locator('input[type="file"]').set_input_files(str(pdf))
    form.get_by_text(re.compile(r"\.pdf$")).wait_for()
    _shot(reporter, "3_answer_form")
    form.get_by_role("button", name="Gửi trả lời").click()
    reporter.get_by_text("Đã gửi câu trả lời.").wait_for()
    wait_until_run_finished(reporter)
    assert_no_error(reporter, "the reporter's to-do list")
    reporter.get_by_role("heading", name=re.compile(r"^Chỉ đạo cần trả lời \(0\)")).wait_for()  # answered
    _shot(reporter, "4_answered")
    reporter_context.close()

    # 3. the leader's digest: the cron job's command sends it to the SMTP server; it reports the answer
    done = run_cli(database_url, "digest", "--send", "--account", LEADER, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["digests"][0]["sent"] is True
    (mail,) = [m for m in mailbox.messages if m["To"] == LEADER_MAIL]
    body = mail.get_content()
    assert "Chỉ đạo của bạn đã được trả lời (1):" in body, body
    assert code in body and DIRECTION in body and "[Đã trả lời]" in body, body

    # 4. the task, at its commune: completed (the answer's report), with the answer and its PDF
    commune = leader.url.split("commune=")[1].split("&")[0]
    leader.goto(f"{app_url}/tasks?province=68&commune={commune}")
    wait_until_run_finished(leader)
    table = leader.locator('[data-testid="stDataFrame"]:visible').last  # the task list (the phone copy hidden)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    leader.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection marker
    leader.get_by_text(f"Chi tiết nhiệm vụ {code}").first.wait_for()
    wait_until_run_finished(leader)
    detail = leader.locator('[data-testid="stMain"]')
    detail.get_by_text("Văn bản giao nhiệm vụ số 1131/QĐ-TTg ngày 15/03/2025").first.wait_for()
    assert "Đã hoàn thành" in detail.inner_text()
    leader.get_by_text(DIRECTION).first.click()
    evidence = leader.get_by_role("button", name=re.compile("bien-ban-nghiem-thu.pdf"))
    evidence.wait_for()
    leader.get_by_text(re.compile(r"Trạng thái, tiến độ mới đã được ghi nhận")).first.wait_for()
    _shot(leader, "5_task_completed")
    with leader.expect_download() as download:
        evidence.click()
    assert open(download.value.path(), "rb").read() == PDF
    assert_no_error(leader, "the task's detail")
    engine = make_engine(database_url)
    try:
        reports = task_detail(code, engine)["reports"]
    finally:
        engine.dispose()
    assert (reports[-1]["status"], reports[-1]["progress_pct"]) == ("completed", 100.0)
    assert reports[-1]["file_name"].startswith("chi-dao-")
    leader_context.close()
