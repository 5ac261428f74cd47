"""The Approvals page under AppTest, in a database of its own: a province's approver sees the June
submissions of its communes, approves one (locked), unlocks it, returns it with a reason; the clerk sees
the reason on the reporting-status page, which shows the approval state per unit. "Approve all awaiting"
asks for a confirmation naming the units, approves each by its own audited step and lists the refused."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.identity import accounts, audit
from data_loaders.ingest import approvals
from data_loaders.ingest.importer import import_file
from data_loaders.store import engine as db
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import ACTOR, PASSWORD, sign_in
from tests.support.databases import TEMPLATES
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, communes, indicator_row, workbook_bytes
from tests.support.pages import open_page_as

XUAN, OTHER = communes("68", 2)
JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def database(tmp_path, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()  # components.cached.engine() must open this test's database
    st.cache_data.clear()
    url = TEMPLATES.copy("empty", "sqlite", "approvals", tmp_path)  # migrated, with the reference data
    monkeypatch.setenv("DATABASE_URL", url)
    engine = db.make_engine(url)
    clerk = accounts.create_account("xh.baocao", PASSWORD, "reporter", XUAN.code, actor=ACTOR, engine=engine)
    accounts.create_account("ld.duyet", PASSWORD, "approver", "68", actor=ACTOR, engine=engine)
    accounts.create_account("hn.duyet", PASSWORD, "approver", "01", actor=ACTOR, engine=engine)
    values = workbook_bytes([indicator_row("Lâm Đồng", None, XUAN.code, "06/2025", 10, 20.5)], INDICATOR_HEADERS)
    assert import_file(values, "xh-06.xlsx", engine=engine, account=clerk,
                       today=dt.date(2025, 7, 3)).status == "imported"
    yield engine
    engine.dispose()


def _page(page: str, user: str, lang: str | None = None, **params: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / f"{page}.py"), default_timeout=120)
    app.session_state["_nq57_inside_app_shell"] = True
    sign_in(app, user)
    if lang:
        app.session_state["lang"] = lang
    for key, value in {"province": "68", "as_of": "2025-06-30", **params}.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def _state(engine, code: str = XUAN.code) -> str:
    rows = approvals.submissions("68", JUNE, engine=engine)["children"]
    return {row["unit"]["code"]: row for row in rows}[code]["state"]


def _plain(markdown: str) -> str:
    """Shown text without markdown's escapes (names hold "\\-")."""
    return markdown.replace("\\", "")


def _other_commune_sends_june(engine) -> None:
    values = workbook_bytes([indicator_row("Lâm Đồng", None, OTHER.code, "06/2025", 4, 9.5)], INDICATOR_HEADERS)
    assert import_file(values, "bl-06.xlsx", engine=engine, today=dt.date(2025, 7, 4)).status == "imported"


def test_the_approver_approves_unlocks_and_returns_with_a_reason(database):
    app = _page("approvals", "ld.duyet")
    assert app.title[0].value == "Phê duyệt báo cáo"
    assert not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    assert list(table["unit"]) == [XUAN.name] and list(table["state"]) == ["Chờ phê duyệt"]
    assert [m.value for m in app.metric] == ["123", "1", "0", "0"]  # not submitted, submitted, returned, approved
    app.button(key="approval_approve").click().run()
    assert not app.exception and _state(database) == "approved"
    assert any("đã khóa" in s.value for s in app.success)
    assert list(app.dataframe[0].value["state"]) == ["Đã phê duyệt"]
    app.button(key="approval_unlock").click().run()
    assert _state(database) == "submitted"
    # returning needs a reason: without one, the page says so and nothing changes
    app.button(key="approval_return").click().run()
    assert app.error and "lý do" in app.error[0].value and _state(database) == "submitted"
    app.text_area(key="approval_reason").input("Thiếu dân số tháng 6").run()
    app.button(key="approval_return").click().run()
    assert _state(database) == "returned"
    assert list(app.dataframe[0].value["reason"]) == ["Thiếu dân số tháng 6"]
    # the clerk sees why, on the reporting status, with the state per unit
    clerk = _page("reporting_status", "xh.baocao", commune=XUAN.code)
    assert any("Thiếu dân số tháng 6" in w.value and "06/2025" in w.value for w in clerk.warning)
    # the state and, beside it, the reason: "Bị trả lại: Thiếu dân số tháng 6"
    assert "Bị trả lại: Thiếu dân số tháng 6" in list(clerk.dataframe[0].value["approval"])


def test_another_provinces_approver_sees_but_cannot_decide_and_english(database):
    app = _page("approvals", "hn.duyet", lang="en")
    assert app.title[0].value == "Approvals"
    assert not [b for b in app.button
                if b.key in ("approval_approve", "approval_return", "approval_unlock", "approval_all")]
    assert any("not decide it" in i.value for i in app.info)
    clerk_page = _page("approvals", "xh.baocao")  # a reporter has no Approvals page
    assert clerk_page.error and _state(database) == "submitted"


def test_approve_all_awaiting_after_a_confirmation_each_its_own_step(database):
    _other_commune_sends_june(database)
    app = _page("approvals", "ld.duyet")
    assert [m.value for m in app.metric] == ["122", "2", "0", "0"]
    app.button(key="approval_all").click().run()
    # the confirmation names both units; nothing is approved until it is confirmed; cancel goes back
    shown = [_plain(w.value) for w in app.warning]
    assert any(XUAN.name in text and OTHER.name in text and "06/2025" in text for text in shown), shown
    assert {_state(database, XUAN.code), _state(database, OTHER.code)} == {"submitted"}
    app.button(key="approval_all_cancel").click().run()
    assert not app.warning and not [b for b in app.button if b.key == "approval_all_confirm"]
    app.button(key="approval_all").click().run()
    app.button(key="approval_all_confirm").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert {_state(database, XUAN.code), _state(database, OTHER.code)} == {"approved"}
    assert any(XUAN.name in _plain(s.value) and OTHER.name in _plain(s.value) for s in app.success)
    assert [m.value for m in app.metric] == ["122", "0", "0", "2"]
    assert not [b for b in app.button if b.key == "approval_all"]  # nothing awaits any more
    # each unit its own step and audit entry, as one approval
    for code in (XUAN.code, OTHER.code):
        assert [(s["step"], s["actor"]) for s in approvals.steps(code, JUNE, database)] == [("approve", "ld.duyet")]
    entries = audit.entries(action="submission_approved", engine=database)
    assert sorted((e["target"], e["outcome"]) for e in entries) == sorted(
        [(f"{XUAN.code}/2025-06", "ok"), (f"{OTHER.code}/2025-06", "ok")])


def test_approve_all_reports_a_unit_decided_meanwhile(database):
    _other_commune_sends_june(database)
    app = _page("approvals", "ld.duyet")  # (in English AppTest's rerun formats the unit picker's choice in Vietnamese)
    app.button(key="approval_all").click().run()
    assert any("Phê duyệt và khóa báo cáo kỳ 06/2025 của 2 đơn vị" in _plain(w.value) for w in app.warning)
    # between the confirmation shown and the click, Xuân Hương is approved elsewhere (another tab)
    approver = accounts.get_account("ld.duyet", database)
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=approver, engine=database)
    app.button(key="approval_all_confirm").click().run()
    assert _state(database, OTHER.code) == "approved"
    assert any(OTHER.name in _plain(s.value) and XUAN.name not in _plain(s.value) for s in app.success)
    assert len(app.error) == 1 and "Không phê duyệt được báo cáo của 1 đơn vị" in app.error[0].value
    assert XUAN.name in _plain(app.error[0].value) and "đã được phê duyệt" in app.error[0].value
    assert [(s["step"], s["actor"]) for s in approvals.steps(XUAN.code, JUNE, database)] == [("approve", "ld.duyet")]


def test_the_unit_picker_says_the_new_state_right_after_a_decision(database):
    """Bug 3 of session 6: after approving, the picker still said "· Chờ phê duyệt" until the next click."""
    _other_commune_sends_june(database)
    app = _page("approvals", "ld.duyet")
    app.selectbox(key="approval_pick").set_value(XUAN.code).run()
    assert f"{XUAN.name} · Chờ phê duyệt" in app.selectbox(key="approval_pick").options
    app.button(key="approval_approve").click().run()
    assert not app.exception and _state(database) == "approved"
    picker = app.selectbox(key="approval_pick")
    assert f"{XUAN.name} · Đã phê duyệt" in picker.options and f"{OTHER.name} · Chờ phê duyệt" in picker.options
    # the browser shows the label it is sent with set_value, and otherwise the label it showed before
    assert picker.value == XUAN.code and picker.proto.set_value, "the browser keeps showing the old label"
    assert picker.proto.raw_value == f"{XUAN.name} · Đã phê duyệt"
    app.button(key="approval_unlock").click().run()
    picker = app.selectbox(key="approval_pick")
    assert picker.proto.set_value and picker.proto.raw_value == f"{XUAN.name} · Chờ phê duyệt"
    app.button(key="approval_all").click().run()
    app.button(key="approval_all_confirm").click().run()
    picker = app.selectbox(key="approval_pick")
    assert picker.proto.set_value and picker.proto.raw_value == f"{XUAN.name} · Đã phê duyệt"
    assert all(option.endswith("· Đã phê duyệt") for option in picker.options), picker.options


def test_a_leaders_counting_line_follows_a_decision_in_the_same_session(database):
    """A decision moves no figure in the default mode, only the counting line: the overview's line, read with
    the run's data version and latest approval step, says so on the next run of a session that already showed
    it (no upload in between)."""
    overview = open_page_as("ld.duyet", params={"province": "68", "as_of": "2025-06-30"})
    before = [c.value for c in overview.caption if "06/2025" in c.value]
    assert before and "1/1" in before[0], before
    approver = accounts.get_account("ld.duyet", engine=database)
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=approver, engine=database)
    overview.run()
    after = [c.value for c in overview.caption if "06/2025" in c.value]
    assert after and after != before and "1/1" not in after[0], after
