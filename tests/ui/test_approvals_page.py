"""The Approvals page under AppTest, in a database of its own: a province's approver sees the June
submissions of its communes, approves one (locked), unlocks it, returns it with a reason; the clerk sees
the reason on the reporting-status page, which shows the approval state per unit."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.identity import accounts
from data_loaders.ingest import approvals
from data_loaders.ingest.importer import import_file
from data_loaders.seed import bootstrap
from data_loaders.store import engine as db
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import ACTOR, PASSWORD, sign_in
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, communes, indicator_row, workbook_bytes

XUAN = communes("68", 1)[0]
JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def database(tmp_path, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()  # components.cached.engine() must open this test's database
    st.cache_data.clear()
    url = f"sqlite:///{tmp_path / 'approvals.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = bootstrap.prepare(db.make_engine(url))
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


def _state(engine) -> str:
    rows = approvals.submissions("68", JUNE, engine=engine)["children"]
    return {row["unit"]["code"]: row for row in rows}[XUAN.code]["state"]


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
    assert "Bị trả lại" in list(clerk.dataframe[0].value["approval"])


def test_another_provinces_approver_sees_but_cannot_decide_and_english(database):
    app = _page("approvals", "hn.duyet", lang="en")
    assert app.title[0].value == "Approvals"
    assert not [b for b in app.button if b.key in ("approval_approve", "approval_return", "approval_unlock")]
    assert any("not decide it" in i.value for i in app.info)
    clerk_page = _page("approvals", "xh.baocao")  # a reporter has no Approvals page
    assert clerk_page.error and _state(database) == "submitted"
