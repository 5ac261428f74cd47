"""Issue 15's "Done when", end to end in a real browser, in Vietnamese: Lâm Đồng's administrator (role
admin, scope 68) adds the province's own indicator on the Indicators page, sets its target on the
Targets page, adds the province's own programme on the Plans page and gives it two tasks by uploading
a task workbook on the upload page, then builds the province's leader's page from blocks (KPI cards
with the new indicator and its target, the programme's task status, the top warnings) and saves it; a
leader (viewer) of Lâm Đồng opens it by link and sees those blocks. The national views do not change:
the national overview's KPI cards (task totals included: the programme is not a national plan) and Lâm
Đồng's task cards read the same before and after, the tasks page filtered on the programme counts its
two tasks, and Hà Nội's plans and leader's page show nothing of Lâm Đồng's.

One test in a database of its own (a copy of the sample): it writes. Every step waits for what it
expects on screen (no fixed sleeps). Screenshots of each step go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.browser_app import assert_no_error, full_page_shot, private_app, signed_in
from tests.support.browser_support import wait_until_run_finished
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),  # the app runs on SQLite here
]

ADMIN, LEADER, NATIONAL_LEADER, OTHER = "quan.tri.lamdong", "lanh.dao.lamdong", "lanh.dao.tw", "lanh.dao.hanoi"
INDICATOR = ("ld_hstt", "Tỷ lệ hồ sơ trực tuyến toàn trình", "Share of records handled fully online")
PROGRAMME = ("CT-CĐS-68", "Chương trình chuyển đổi số tỉnh 2025", "Provincial digital transformation programme 2025")
TASKS = ("LD-CT-01", "LD-CT-02")
TASK_CARDS = ("Tổng số nhiệm vụ", "Đã hoàn thành", "Đang thực hiện theo lộ trình", "Quá hạn")


@pytest.fixture
def world(seeded_url, tmp_path):
    """The sample in a private copy, with Lâm Đồng's administrator and leader, a national leader and a
    Hà Nội leader."""
    accounts = [(ADMIN, "admin", "68", {}), (LEADER, "viewer", "68", {}), (NATIONAL_LEADER, "viewer", "VN", {}),
                (OTHER, "viewer", "01", {})]
    with private_app(seeded_url, tmp_path, "province_dashboard_flow", accounts) as (app_url, _):
        yield app_url


def _open(page, url: str) -> None:
    page.goto(url)
    wait_until_run_finished(page)


def _shot(page, name: str) -> None:
    full_page_shot(page, f"province_flow_{name}.png")


def _not_clipped(locator) -> None:
    """The element's words are shown whole (not cut to "Xác nhận ghi số…")."""
    clipped = locator.evaluate("e => [e, ...e.querySelectorAll('*')].some(n => n.scrollWidth > n.clientWidth + 1)")
    assert not clipped, locator.inner_text()


def _main(page):
    return page.locator('[data-testid="stMain"]')


def _kpi_cards(page) -> dict[str, str]:
    """The overview's KPI cards, label → figure, in their order (once the page has drawn them: a page
    just opened may look idle before its first run has started)."""
    cards = page.locator('[data-testid="stMain"] [data-testid="stMetric"]')
    cards.first.wait_for()
    wait_until_run_finished(page)
    return dict(tuple(part.strip() for part in card.inner_text().split("\n", 1)) for card in cards.all())


def _choose(page, container, label: str, option: str) -> None:
    """Pick `option` in the select box or multiselect labelled `label` inside `container`."""
    box = container.get_by_role("combobox", name=label).first
    box.click()
    box.press_sequentially(option)  # typing opens the list, cut to the option (a click alone may not)
    page.get_by_role("option", name=option, exact=True).click()
    box.press("Escape")  # a multiselect's list stays open (and hides the rest of the page) until closed
    wait_until_run_finished(page)


def test_a_province_administrator_builds_the_province_dashboard(world, chromium, tmp_path):
    app_url = world
    code, name_vi, name_en = INDICATOR
    plan, plan_vi, plan_en = PROGRAMME

    # 0. the national overview and Lâm Đồng's as a national leader sees them, before anything changes
    national_context, national = signed_in(chromium, app_url, NATIONAL_LEADER, "")
    national_before = _kpi_cards(national)
    assert national_before, "the national overview shows KPI cards"
    assert set(TASK_CARDS) <= set(national_before), national_before
    _open(national, f"{app_url}/?province=68")
    _main(national).get_by_text("Lâm Đồng ·", exact=False).first.wait_for()
    province_before = {label: figure for label, figure in _kpi_cards(national).items() if label in TASK_CARDS}
    assert list(province_before) == list(TASK_CARDS), province_before

    # 1. Lâm Đồng's administrator adds the province's own indicator
    context, admin = signed_in(chromium, app_url, ADMIN, "indicators")
    form = admin.locator('[data-testid="stForm"]')
    form.get_by_role("textbox", name="Mã chỉ tiêu").fill(code)
    form.get_by_role("textbox", name="Tên tiếng Việt").fill(name_vi)
    form.get_by_role("textbox", name="Tên tiếng Anh").fill(name_en)
    form.get_by_role("textbox", name="Đơn vị tính (tiếng Việt)").fill("%")
    form.get_by_role("textbox", name="Đơn vị tính (tiếng Anh)").fill("%")
    form.get_by_role("textbox", name="Giá trị lớn nhất").fill("100")
    _choose(admin, form, "Cách tổng hợp", "Bình quân")
    assert "Lâm Đồng" in form.inner_text()  # whose it is: the administrator's province, not a choice
    _shot(admin, "1_indicator_form")
    form.get_by_role("button", name="Thêm chỉ tiêu").click()
    admin.get_by_text(f"Đã thêm chỉ tiêu {code}.").wait_for()
    wait_until_run_finished(admin)
    assert_no_error(admin, "the indicators page")
    _shot(admin, "1_indicator_added")
    # the new indicator is the one its administrator may now retire or delete (the table is a canvas)
    assert admin.get_by_role("combobox", name="Chỉ tiêu").last.input_value() == f"{name_vi} ({code})"

    # 2. its target on the Targets page: 80% by the end of the year for Lâm Đồng
    _open(admin, f"{app_url}/targets?province=68")
    form = admin.locator('[data-testid="stForm"]')
    _choose(admin, form, "Chỉ tiêu", name_vi)
    form.get_by_role("textbox", name="Giá trị mục tiêu").fill("80")
    deadline = dt.date(dt.date.today().year, 12, 31)  # the form's default date: the end of this year
    assert form.locator('[data-testid="stDateInput"] input[type="date"]').first.input_value() == deadline.isoformat()
    form.get_by_role("button", name="Đặt mục tiêu").click()
    admin.get_by_text(f"Đã đặt mục tiêu {name_vi} cho Lâm Đồng.").wait_for()
    wait_until_run_finished(admin)
    assert_no_error(admin, "the targets page")
    _shot(admin, "2_target_set")
    assert f"Mục tiêu 80% đến {deadline:%d/%m/%Y}" in _main(admin).inner_text()  # its card

    # 3. the province's own programme on the Plans page, and its two tasks by a task workbook upload
    _open(admin, f"{app_url}/plans")
    admin.get_by_role("textbox", name="Mã", exact=True).fill(plan)
    admin.get_by_role("textbox", name="Tên (tiếng Việt)").fill(plan_vi)
    admin.get_by_role("textbox", name="Tên (tiếng Anh)").fill(plan_en)
    admin.get_by_role("button", name="Thêm", exact=True).click()
    admin.get_by_text(f"Đã thêm {plan}.", exact=False).first.wait_for()
    wait_until_run_finished(admin)
    assert_no_error(admin, "the plans page")
    _shot(admin, "3_programme_added")

    commune = communes("68", 1)[0]
    workbook = tmp_path / "nhiem-vu-chuong-trinh.xlsx"
    workbook.write_bytes(workbook_bytes([
        task_row(TASKS[0], title="Số hoá hồ sơ một cửa cấp tỉnh", plan=plan, report="15/06/2025", progress=40),
        task_row(TASKS[1], title="Phủ sóng 5G các thôn vùng sâu", plan=plan, commune=commune.name,
                 deadline=dt.date(2025, 6, 1), report="15/06/2025", progress=20),
    ], TASK_HEADERS))
    _open(admin, f"{app_url}/upload")
    admin.locator('input[type="file"]').set_input_files(str(workbook))
    admin.get_by_role("button", name="Xác nhận ghi số liệu").wait_for()
    wait_until_run_finished(admin)
    _shot(admin, "3_tasks_preview")
    _not_clipped(admin.get_by_role("button", name="Xác nhận ghi số liệu"))
    admin.get_by_role("button", name="Xác nhận ghi số liệu").click()
    admin.get_by_text(re.compile(r"nhiệm vụ: 2 mới")).wait_for()
    wait_until_run_finished(admin)
    assert_no_error(admin, "the upload page")

    # 4. the leader's page from blocks: KPI cards with the new indicator, the programme's task
    # status, the top warnings; the ranking and the map of the default layout removed
    _open(admin, f"{app_url}/leader?province=68")
    admin.get_by_role("button", name="Chỉnh sửa bố cục").click()
    admin.get_by_role("button", name="Lưu bố cục").wait_for()
    wait_until_run_finished(admin)
    editor = _main(admin)
    removals = editor.get_by_role("button", name="Bỏ")
    assert removals.count() == 5  # the default layout: KPIs, task status, warnings, ranking, map
    for left in (4, 3):  # the map, then the ranking: the last block each time
        removals.last.click()
        admin.wait_for_function(
            "n => [...document.querySelectorAll('[data-testid=stMain] button')]"
            ".filter(b => b.innerText.trim().endsWith('Bỏ')).length === n", arg=left)
        wait_until_run_finished(admin)
    _choose(admin, editor, "Chỉ số hiển thị", name_vi)  # block 1, KPI cards: the new indicator too
    _choose(admin, editor, "Kế hoạch", plan_vi)  # block 2, task status: the programme
    _shot(admin, "4_board_editing")
    admin.get_by_role("button", name="Lưu bố cục").click()
    admin.get_by_text("Đã lưu bảng điều hành của Lâm Đồng.").wait_for()
    wait_until_run_finished(admin)
    assert_no_error(admin, "the leader's page after saving")
    _shot(admin, "4_board_saved")
    context.close()

    # 5. Lâm Đồng's leader opens the page by link and sees the blocks
    leader_context, leader = signed_in(chromium, app_url, LEADER, "leader?province=68")
    main = _main(leader)
    main.get_by_text(name_vi).first.wait_for()
    text = main.inner_text()
    assert f"Mục tiêu 80% đến {deadline:%d/%m/%Y}" in text, text
    assert "Tình hình thực hiện nhiệm vụ" in text and plan_vi in text, text
    assert "3 cảnh báo cần xử lý trước" in text, text
    assert f"Bảng điều hành do {ADMIN}" in text or ADMIN in text, text
    assert_no_error(leader, "the leader's page")
    _shot(leader, "5_leader_sees_board")
    leader_context.close()

    # 6. the national views are unchanged; Hà Nội sees nothing of Lâm Đồng's
    _open(national, f"{app_url}/")
    national_after = _kpi_cards(national)
    assert list(national_after) == list(national_before)  # the same cards: no Lâm Đồng indicator
    # every card as before, the task totals too: without a plan filter the task figures count the
    # national plans only (README, "What a task figure counts"), so 802 tasks stay 802, not 804
    for label, figure in national_before.items():
        assert national_after[label] == figure, (label, figure, national_after[label])
    assert name_vi not in _main(national).inner_text()
    _open(national, f"{app_url}/?province=68")  # Lâm Đồng's own task headline is unchanged too
    _main(national).get_by_text("Lâm Đồng ·", exact=False).first.wait_for()
    assert_no_error(national, "Lâm Đồng's overview")
    _shot(national, "6_province_overview_after")
    province_after = {label: figure for label, figure in _kpi_cards(national).items() if label in TASK_CARDS}
    assert province_after == province_before
    _open(national, f"{app_url}/tasks?province=68&plan={plan}")  # its two tasks, where the programme is chosen
    programme = _kpi_cards(national)
    _shot(national, "6_programme_tasks")
    assert (programme["Tổng số nhiệm vụ"].split()[0], programme["Quá hạn"].split()[0]) == ("2", "1"), programme
    assert_no_error(national, "the tasks page filtered on the programme")
    national_context.close()
    other_context, other = signed_in(chromium, app_url, OTHER, "plans")
    assert plan not in _main(other).inner_text()
    _open(other, f"{app_url}/leader?province=01")
    assert name_vi not in _main(other).inner_text() and plan not in _main(other).inner_text()
    assert_no_error(other, "Hà Nội's leader's page")
    other_context.close()
