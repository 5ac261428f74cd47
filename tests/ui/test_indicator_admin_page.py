"""The Indicators page in the app: a province's administrator adds their province's own indicator
through the form and cannot change a national one; the national administrator sees every indicator
and cannot delete one with data."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.identity import audit
from data_loaders.store.engine import make_engine
from data_loaders.store.indicator_catalogue import indicator_catalogue
from tests.support.auth_helpers import ensure_account
from tests.support.databases import BACKENDS
from tests.support.pages import open_page_as, own_app_database


def _administrators(engine) -> None:
    ensure_account(engine, "qt.lamdong.ui", role="admin", scope="68")
    ensure_account(engine, "qt.trunguong.ui", role="admin", scope="VN")


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """A migrated database of this module's own (these tests change the catalogue)."""
    with own_app_database(request.param, "indicators_ui", tmp_path_factory.mktemp("indicators_ui"),
                          _administrators, copy_of="empty") as url:
        yield url


def _page(username: str, lang: str = "vi") -> AppTest:
    return open_page_as(username, "admin_indicators", lang=lang)


def test_a_province_administrator_adds_its_own_indicator_in_the_app(app_database):
    app = _page("qt.lamdong.ui")
    assert any(title.value == "Chỉ tiêu" for title in app.title)
    assert "Chỉ tiêu riêng của Lâm Đồng." in [c.value for c in app.caption]
    # no choice of owner: their province
    assert not [s for s in app.selectbox if s.key and s.key.startswith("new_indicator_owner")]
    app.text_input(key="new_indicator_code").input("ld_ocop_digital")
    app.text_input(key="new_indicator_name_vi").input("Sản phẩm OCOP bán trên sàn số")
    app.text_input(key="new_indicator_name_en").input("OCOP products sold online")
    app.text_input(key="new_indicator_unit_vi").input("sản phẩm")
    app.text_input(key="new_indicator_unit_en").input("products")
    app.text_input(key="new_indicator_maximum").input("5.000")  # typed the Vietnamese way
    app.checkbox(key="new_indicator_integer").check()
    app.button(key="add_indicator_submit").click().run()
    assert not app.error, [e.value for e in app.error]
    assert [s.value for s in app.success] == ["Đã thêm chỉ tiêu ld_ocop_digital."]
    engine = make_engine(os.environ["DATABASE_URL"])
    added = next(i for i in indicator_catalogue(engine, scope="68") if i.code == "ld_ocop_digital")
    assert (added.owner_province_code, added.plausible.maximum, added.plausible.integer) == ("68", 5000.0, True)
    assert "ld_ocop_digital" not in {i.code for i in indicator_catalogue(engine, scope="VN")}
    assert audit.entries(action="indicator_added", engine=engine)[0]["actor"] == "qt.lamdong.ui"
    # the national ones are listed to read, not offered to change; their own is
    choice = app.selectbox(key="indicator_change_choice")
    assert choice.options == ["Sản phẩm OCOP bán trên sàn số (ld_ocop_digital)"]
    engine.dispose()


def test_a_bad_field_is_named_and_nothing_is_added(app_database):
    app = _page("qt.lamdong.ui", "en")
    app.text_input(key="new_indicator_code").input("Bad Code")
    app.button(key="add_indicator_submit").click().run()
    assert [e.value for e in app.error][0].startswith('The indicator code "Bad Code" is not valid')
    engine = make_engine(os.environ["DATABASE_URL"])
    assert "bad code" not in {i.code for i in indicator_catalogue(engine, include_retired=True)}
    engine.dispose()


def test_the_national_administrator_sees_every_indicator_and_may_retire_a_provinces(app_database):
    app = _page("qt.trunguong.ui")
    assert [s for s in app.selectbox if s.key and s.key.startswith("new_indicator_owner")]  # national or any province
    app.selectbox(key="indicator_change_choice").set_value("ld_ocop_digital").run()  # picking reruns, as a browser does
    app.button(key="indicator_retire").click().run()
    assert [s.value for s in app.success] == ["Đã ngừng theo dõi chỉ tiêu ld_ocop_digital."]
    engine = make_engine(os.environ["DATABASE_URL"])
    assert "ld_ocop_digital" not in {i.code for i in indicator_catalogue(engine, scope="68")}
    engine.dispose()
