"""The targets page in the app: a province's administrator sees the province measured against the
national 5G target (not met), sets the province's own, and the cards, the overview's KPI caption and
the warnings follow; another province is not offered; a viewer sees the cards and no form."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from data_loaders.figures.targets import target_for
from data_loaders.identity.accounts import get_account
from data_loaders.store.engine import make_engine
from data_loaders.store.models import Account as AccountRow
from tests.support.auth_helpers import ensure_account
from tests.support.databases import BACKENDS
from tests.support.pages import open_page_as, own_app_database


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """The sample in a database of this module's own: these tests set targets, which the session's
    shared read-only database must never see."""
    with own_app_database(request.param, "targets_ui", tmp_path_factory.mktemp("targets"),
                          copy_of="sample") as url:
        yield url


def _page(username: str, page: str = "targets", lang: str = "vi") -> AppTest:
    return open_page_as(username, page, {"province": "68"}, lang)


def _captions(app: AppTest) -> str:
    return "\n".join(c.value for c in app.caption)


def test_a_province_administrator_sets_the_provinces_target(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    # a province's administrator: role admin, scope Lâm Đồng (made in the database: accounts on this
    # branch still make every administrator national)
    ensure_account(engine, "ld.quantri.ui", role="viewer", scope="68")
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.username == "ld.quantri.ui").values(role="admin"))
    assert get_account("ld.quantri.ui", engine).role == "admin"

    app = _page("ld.quantri.ui")
    coverage = next(m for m in app.metric if m.label == "Tỷ lệ dân số được phủ sóng 5G")
    assert coverage.value == "18,7%"
    assert "Chưa đạt mục tiêu 90% đến 31/12/2025" in _captions(app)
    assert "mục tiêu chung của Toàn quốc" in _captions(app)
    units = app.selectbox(key="target::unit")
    assert units.value == "68" and "01" not in units.options and all(
        "Lâm Đồng" in option for option in units.options)  # the province and its communes only

    app.text_input(key="target::value").input("18")
    app.date_input(key="target::date").set_value(dt.date(2025, 12, 31))
    app.text_input(key="target::baseline_value").input("15,5")
    app.date_input(key="target::baseline_date").set_value(dt.date(2025, 1, 31))
    app.button(key="targets_submit").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [s.value for s in app.success] == ["Đã đặt mục tiêu Tỷ lệ dân số được phủ sóng 5G cho Lâm Đồng."]
    target = target_for("fiveg_coverage_pct", "68", engine)
    assert (target["unit_code"], target["value"], target["baseline_value"]) == ("68", 18, 15.5)
    assert target["set_by"] == "ld.quantri.ui"
    assert "Đạt mục tiêu 18% đến 31/12/2025" in _captions(app)

    overview = _page("ld.quantri.ui", "overview")
    assert "Đạt mục tiêu 18% đến 31/12/2025" in _captions(overview)

    # a value outside the indicator's range is refused with a sentence, and nothing changes
    app.text_input(key="target::value").input("120")
    app.button(key="targets_submit").click().run()
    assert [e.value for e in app.error] == [
        "Giá trị 120 nằm ngoài khoảng hợp lý của chỉ tiêu cho đơn vị này (0 – 100)."]
    assert target_for("fiveg_coverage_pct", "68", engine)["value"] == 18

    # removed: the national target applies again
    app.button(key="targets_remove_button").click().run()
    assert not app.error and target_for("fiveg_coverage_pct", "68", engine)["unit_code"] == "VN"
    engine.dispose()


def test_a_viewer_sees_the_targets_and_no_form(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    ensure_account(engine, "ld.lanhdao.targets", role="viewer", scope="68")
    engine.dispose()
    app = _page("ld.lanhdao.targets", lang="en")
    assert "Target 90% by 31 Dec 2025: not met" in _captions(app)
    assert not [s for s in app.selectbox if s.key == "target::unit"]
    assert not [b for b in app.button if b.key == "targets_submit"]
