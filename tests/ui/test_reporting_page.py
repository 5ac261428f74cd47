"""The reporting-status page at every level (its counts are the figure's), and the upload page's
preview listing old → new per row, in AppTest."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.figures import reporting
from data_loaders.i18n import format_number
from data_loaders.store.settings import get_settings
from tests.support.builder import AS_OF, Builder
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes
from tests.support.pages import LEVELS, render_page
from tests.ui.test_import_page import _page, database  # noqa: F401 - the upload page's harness and its database


@pytest.mark.usefixtures("app_database")
@pytest.mark.parametrize("level", list(LEVELS))
def test_reporting_page_renders_the_figure(level, seeded_engine):
    app = render_page("reporting_status", LEVELS[level])
    unit = LEVELS[level].get("commune") or LEVELS[level].get("province") or "VN"
    due_day = get_settings(seeded_engine)["report_due_day"]
    expected = reporting.reporting_status(unit, AS_OF.replace(day=1), due_day, dt.date.today(), engine=seeded_engine)
    shown = [m.value for m in app.metric][:4]
    assert shown == [format_number(expected["counts"][status], "vi") for status in reporting.STATUSES]
    assert app.title[0].value == "Tình hình báo cáo"
    table = app.dataframe[0].value
    assert list(table.iloc[:, 0]) == [child["unit"]["name"] for child in expected["children"]]
    assert "05/07/2025" in " ".join(c.value for c in app.caption)  # June is due on 5 July


@pytest.mark.usefixtures("app_database")
def test_reporting_page_in_english_and_another_month():
    app = render_page("reporting_status", LEVELS["province"], lang="en")

    assert [m.label for m in app.metric][:4] == ["On time", "Late", "Not submitted", "Not due yet"]
    app.selectbox(key="reporting_period").select(dt.date(2025, 5, 1)).run()
    assert not app.exception
    assert any("05/2025" in c.value and "5 Jun 2025" in c.value for c in app.caption)


def test_the_upload_preview_lists_old_and_new_per_row(database):  # noqa: F811 - the fixture imported above
    builder = Builder(database)
    builder.task("LD-01", dt.date(2025, 12, 31), [(dt.date(2025, 5, 31), "in_progress", 45)])
    builder.commit()
    row = task_row("LD-01", title="Task LD-01", commune="Phường Xuân Hương - Đà Lạt", report="30/06/2025",
                   status="Hoàn thành", progress=100, agency="Sở A", area="Nghiên cứu khoa học và công nghệ",
                   plan="01-KH/BCĐTW")  # the task as stored: only the report changes
    content = workbook_bytes([row], TASK_HEADERS)
    at = AppTest.from_function(_page, args=(content, "lam_dong_06.xlsx"), default_timeout=120).run()
    assert not at.exception, at.exception
    frames = [frame.value for frame in at.dataframe]
    changes = next(frame for frame in frames if "changes" in frame.columns)
    assert list(changes["subject"]) == ["LD-01"]
    assert changes["changes"][0] == ("Report date: 31 May 2025 → 30 Jun 2025 · Status: In progress → Completed · "
                                     "Progress (%): 45 → 100")
    assert any("1 row will change figures" in c.value for c in at.caption)
    assert not any("change nothing" in e.label for e in at.expander)  # nothing to fold away


@pytest.mark.usefixtures("app_database")
def test_the_page_is_in_the_apps_navigation():
    import os

    from tests.support.auth_helpers import sign_in_test_admin
    from tests.support.pages import APP

    app = AppTest.from_file(APP, default_timeout=120)
    sign_in_test_admin(app, os.environ["DATABASE_URL"])
    app.session_state["lang"] = "en"
    app.run()
    app.switch_page("pages/reporting_status.py").run()  # AppTest refuses a page the app did not register
    assert not app.exception, app.exception
    assert "Reporting status" in [title.value for title in app.title]


@pytest.mark.usefixtures("app_database")
def test_the_settings_page_offers_the_due_day():
    import os

    from tests.support.auth_helpers import sign_in_test_admin
    from tests.support.pages import APP

    app = AppTest.from_file(APP, default_timeout=120)
    sign_in_test_admin(app, os.environ["DATABASE_URL"])
    app.run()
    app.switch_page("pages/admin_settings.py").run()
    assert not app.exception, app.exception
    [due_day] = [widget for widget in app.number_input if widget.key == "setting::report_due_day"]
    assert due_day.value == 5 and due_day.label == "Hạn nộp báo cáo tháng (ngày của tháng sau)"
