"""The online report form's task table (components/report_form.py): the reporter's tasks a page at a time, a
search box (with or without diacritics), what was typed kept across pages and checked together, and in a
large nation a search or a unit chosen in the sidebar before any table (a nation holds 50,000 tasks)."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import report_form
from components.report_form import PAGE_ROWS
from data_loaders.ingest.importer import import_file
from tests.support.auth_helpers import ensure_account, sign_in
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes
from tests.support.pages import APP

TASKS = PAGE_ROWS + 7  # two pages
TYPED_KEY = "_nq57_web_form_typed_tasks"


@pytest.fixture
def app_db(empty_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    admin = ensure_account(empty_engine)
    rows = [task_row(f"LD-{n:03d}", title="Phủ sóng 5G thôn Đạ Sar" if n == 5 else "Xây dựng nền tảng")
            for n in range(1, TASKS + 1)]
    assert import_file(workbook_bytes(rows, TASK_HEADERS), "base.xlsx", engine=empty_engine, account=admin,
                       today=dt.date(2025, 6, 20)).status == "imported"
    ensure_account(empty_engine, "ld.baocao", role="reporter", scope="68")
    yield empty_engine
    st.cache_data.clear()
    st.cache_resource.clear()


def _form(username: str, **params: str) -> AppTest:
    app = sign_in(AppTest.from_file(APP, default_timeout=120), username)
    app.query_params.update(params)
    app.run()
    app.switch_page("pages/report_online.py").run()
    assert not app.exception, app.exception
    return app


def _shown_codes(app: AppTest) -> list[str]:
    """The task codes of the table on screen (the first data editor: the tasks tab's)."""
    table = app.dataframe[0].value
    return list(table["code"])


def test_a_province_reporter_pages_through_their_tasks_and_finds_one_without_diacritics(app_db):
    app = _form("ld.baocao")
    assert _shown_codes(app) == [f"LD-{n:03d}" for n in range(1, PAGE_ROWS + 1)]
    assert any(f"1–{PAGE_ROWS} trên {TASKS}" in caption.value for caption in app.caption)
    app.number_input(key="web_form_task_page::68::::2").set_value(2).run()
    assert _shown_codes(app) == [f"LD-{n:03d}" for n in range(PAGE_ROWS + 1, TASKS + 1)]
    app.text_input(key="web_form_task_search::68").input("da sar").run()  # without diacritics
    assert _shown_codes(app) == ["LD-005"]
    app.text_input(key="web_form_task_search::68").input("không có").run()
    assert len(app.dataframe) == 1 and any("Không có nhiệm vụ nào khớp" in i.value for i in app.info)


def test_what_was_typed_on_another_page_is_checked_with_the_rest(app_db):
    app = _form("ld.baocao")
    app.session_state[TYPED_KEY] = {"LD-001": {"status": "completed", "progress": 100.0, "note": None},
                                    "LD-056": {"status": None, "progress": 250.0, "note": None}}
    app.number_input(key="web_form_task_page::68::::2").set_value(2).run()  # LD-001 is on page 1, not shown
    assert any(caption.value == "2 nhiệm vụ có báo cáo mới." for caption in app.caption)
    app.button(key="web_form_tasks_check").click().run()
    assert not app.exception, app.exception
    assert app.error, "a progress of 250 % is refused, naming its task"
    # the form is paged: the error names the task typed on page 2, not "row 2" of the typed reports
    errors = next(frame.value for frame in app.dataframe if "Lỗi" in frame.value.columns)
    assert list(errors.columns) == ["Mã nhiệm vụ", "Cột", "Lỗi"]
    assert list(errors["Mã nhiệm vụ"]) == ["LD-056"] and list(errors["Cột"]) == ["Tiến độ (%)"]
    app.session_state[TYPED_KEY] = {"LD-001": {"status": "completed", "progress": 100.0, "note": None}}
    app.run()
    app.button(key="web_form_tasks_check").click().run()
    assert not app.error, [frame.value.to_dict("records") for frame in app.dataframe[1:]]
    assert any(i.value.startswith("Hợp lệ. Khi gửi sẽ thêm 1,") for i in app.info)


def test_a_large_nation_asks_for_a_search_or_a_unit_before_listing_tasks(app_db, monkeypatch):
    everything = _form("pytest-admin")  # a nation of a few tasks is listed as a province is
    assert _shown_codes(everything) == [f"LD-{n:03d}" for n in range(1, PAGE_ROWS + 1)]
    monkeypatch.setattr(report_form, "SEARCH_FIRST_ABOVE", TASKS - 1)
    app = _form("pytest-admin")
    assert not app.dataframe
    assert any(i.value.startswith(f"Cả nước có {TASKS} nhiệm vụ: chọn tỉnh hoặc xã") for i in app.info)
    app.text_input(key="web_form_task_search::VN").input("LD-00").run()
    assert _shown_codes(app) == [f"LD-{n:03d}" for n in range(1, 10)]
    lam_dong = _form("pytest-admin", province="68")
    assert len(_shown_codes(lam_dong)) == PAGE_ROWS
