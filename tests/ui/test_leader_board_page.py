"""The leader's page in the app: the default layout renders; a province administrator edits its page
(removes, orders, adds and sets blocks) and saves it; a leader of the province opens it by link and
lands on it when opening the app; another province's administrator cannot change it."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import figures
from data_loaders.figures import early_warnings
from data_loaders.figures.scope import latest_data_date
from data_loaders.follow_up import leader_board as boards
from data_loaders.i18n import format_number, format_percent
from data_loaders.identity import audit
from data_loaders.identity.accounts import get_account
from data_loaders.store.engine import make_engine
from data_loaders.store.settings import get_settings
from tests.support.auth_helpers import ensure_account
from tests.support.databases import BACKENDS
from tests.support.pages import open_page_as, own_app_database, rendered_text


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """The sample in a database of this module's own: these tests save layouts."""

    def fill(engine):
        for name, role, scope in (("qt.lamdong", "admin", "68"), ("ld.lamdong", "viewer", "68"),
                                  ("qt.hanoi", "admin", "01"), ("board-admin", "admin", "VN")):
            ensure_account(engine, name, role=role, scope=scope)

    with own_app_database(request.param, "board_ui", tmp_path_factory.mktemp("board"), fill,
                          copy_of="sample") as url:
        yield url


def _open(username: str, params: dict, lang: str = "vi", page: str | None = "leader_board") -> AppTest:
    app = open_page_as(username, page, params, lang=lang, timeout=180)  # page None: the page the app opens on
    assert not app.error, [e.value for e in app.error]
    return app


def _headings(app: AppTest) -> list[str]:
    return [m.value.removeprefix("#### ").replace("\\", "") for m in app.markdown if m.value.startswith("#### ")]


def test_the_default_layout_renders_with_the_units_figures(app_database):
    app = _open("board-admin", {"province": "68"})
    assert _headings(app) == ["Chỉ số chính", "Tình hình thực hiện nhiệm vụ", "3 cảnh báo cần xử lý trước",
                              "Xếp hạng đơn vị trực thuộc: Tỷ lệ nhiệm vụ đúng hạn",
                              "Bản đồ: Tỷ lệ dân số được phủ sóng 5G"]
    summary = figures.summary("68", engine=make_engine(os.environ["DATABASE_URL"]))
    metrics = [m.value for m in app.metric]
    assert format_number(summary["tasks"]["total"], "vi") in metrics
    assert format_number(summary["tasks"]["overdue"], "vi") in metrics
    assert format_percent(summary["indicators"]["fiveg_coverage_pct"], "vi") in metrics
    text = rendered_text(app)
    assert "Bố cục mặc định: Lâm Đồng" in text and "Chưa đạt" in text and "Mục tiêu 90% đến 31/12/2025" in text
    national = _open("board-admin", {}, lang="en")
    assert "Key figures" in _headings(national)
    assert "802" in [m.value for m in national.metric]


def test_a_province_administrator_designs_the_page_and_a_leader_opens_it(app_database):
    admin = _open("qt.lamdong", {"province": "68"})
    admin.button(key="board_edit").click().run()
    draft = admin.session_state["_nq57_board_draft::68"]
    # drop the ranking and the map, move the warnings first, show 5, and add a trend of 5G stations
    for kind in ("map", "ranking"):
        index = [b["kind"] for b in draft].index(kind)
        admin.button(key=f"board_remove::{draft[index]['id']}").click().run()
        draft = admin.session_state["_nq57_board_draft::68"]
    warnings = next(b for b in draft if b["kind"] == "warnings")
    admin.button(key=f"board_up::{warnings['id']}").click().run()
    admin.button(key=f"board_up::{warnings['id']}").click().run()
    admin.number_input(key=f"board_option::68::{warnings['id']}::vi").set_value(5).run()
    admin.selectbox(key="board_add_kind::68::vi").set_value("trend").run()
    admin.button(key="board_add").click().run()
    trend = admin.session_state["_nq57_board_draft::68"][-1]
    admin.selectbox(key=f"board_option::68::{trend['id']}::vi").set_value("fiveg_stations").run()
    assert not admin.exception, admin.exception
    admin.button(key="board_save").click().run()
    assert not admin.error, [e.value for e in admin.error]
    assert [s.value for s in admin.success] == ["Đã lưu bảng điều hành của Lâm Đồng."]

    engine = make_engine(os.environ["DATABASE_URL"])
    # the heading counts the warnings shown: 5 asked for, fewer when the province has fewer (it said "5" over 4)
    present = len(early_warnings.warnings("68", latest_data_date(engine), get_settings(engine), engine)["warnings"])
    shown = min(5, present)
    assert shown >= 2  # the sample's Lâm Đồng has several (a plural in English)
    expected = [f"{shown} cảnh báo cần xử lý trước", "Chỉ số chính", "Tình hình thực hiện nhiệm vụ",
                "Diễn biến theo tháng: Số trạm 5G"]
    assert [b["kind"] for b in boards.board("68", engine=engine)["blocks"]] == ["warnings", "kpis", "task_status",
                                                                                  "trend"]
    entry = audit.entries(action="leader_board_changed", engine=engine)[0]
    assert (entry["actor"], entry["target"], entry["outcome"]) == ("qt.lamdong", "board:68", "ok")

    leader = _open("ld.lamdong", {"province": "68"})  # the shared link: /leader?province=68
    assert _headings(leader) == expected
    assert "board_edit" not in [b.key for b in leader.button]  # a viewer reads it, nothing more
    assert "qt.lamdong" in rendered_text(leader)
    english = _open("ld.lamdong", {"province": "68"}, lang="en")
    assert _headings(english) == [f"{shown} warnings to act on first", "Key figures", "Task status",
                                  "Monthly trend: 5G stations"]

    landing = _open("ld.lamdong", {}, page=None)  # opening the app bare: the province's own page
    assert _headings(landing) == expected
    landing = _open("ld.lamdong", {"province": "68"}, page=None)  # its own unit named (a reload): the same
    assert _headings(landing) == expected
    view = _open("ld.lamdong", {"province": "68", "as_of": "2025-03-31"}, page=None)  # a shared view opens as it is
    assert "Chỉ số chính" not in _headings(view) and "Cảnh báo cần xử lý trước" in _headings(view)
    national = _open("board-admin", {}, page=None)  # the nation designed none: the overview
    assert "Chỉ số chính" not in _headings(national)


def test_another_provinces_administrator_cannot_change_it(app_database):
    other = _open("qt.hanoi", {"province": "68"})  # its scope keeps it in Hà Nội
    assert "Thành phố Hà Nội" in rendered_text(other)
    assert "board_edit" in [b.key for b in other.button]  # its own page
    other.button(key="board_edit").click().run()
    other.button(key="board_save").click().run()
    engine = make_engine(os.environ["DATABASE_URL"])
    assert boards.board("01", engine=engine)["custom"]
    national = _open("board-admin", {"province": "68"})  # a national administrator may edit every unit's page
    assert "board_edit" in [b.key for b in national.button]
    assert not boards.may_edit_board(get_account("qt.hanoi", engine), "68")
    assert [e["target"] for e in audit.entries(action="leader_board_changed", actor="qt.hanoi", engine=engine)] == \
        ["board:01"]
