"""The early-warnings page at every level, in English with "show more", and its Open button."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.figures.early_warnings import warnings
from data_loaders.i18n.message import render
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import sign_in_test_admin
from tests.support.builder import AS_OF, PROVINCE
from tests.support.pages import LEVELS, render_page


@pytest.mark.parametrize("level", list(LEVELS))
def test_warnings_page_renders(app_database, seeded_engine, level):
    params = LEVELS[level]
    app = render_page("warnings", params)
    code = params.get("commune") or params.get("province") or "VN"
    expected = warnings(code, AS_OF, engine=seeded_engine)
    counts = [m.value for m in app.metric]
    assert counts[0] == str(sum(1 for w in expected["warnings"] if w["kind"] == "overdue"))
    if expected["warnings"]:
        first = render(expected["warnings"][0]["message"])
        assert any(first in m.value.replace("\\", "") for m in app.markdown)
        assert any(b.label == "Mở" for b in app.button)


def test_warnings_page_in_english_and_show_more(app_database):
    app = render_page("warnings", {}, lang="en")
    assert any("Early warnings" in t.value for t in app.title)
    opens = [b for b in app.button if b.label == "Open"]
    assert len(opens) == 30
    more = next(b for b in app.button if b.label == "Show more")
    more.click().run()
    assert len([b for b in app.button if b.label == "Open"]) == 60


def test_choosing_kinds_lists_those_only(app_database, seeded_engine):
    """The kinds' pills: the cards of the chosen kinds only, in the order of urgency, counted in the caption;
    the cards come from summaries of those kinds (never the full list)."""
    from data_loaders.figures import early_warnings

    app = render_page("warnings", {}, lang="en")
    expected = warnings("VN", AS_OF, engine=seeded_engine)["warnings"]
    pills = app.get("button_group")[0]
    chosen = [kind for kind in early_warnings.KINDS if kind in ("off_target", "not_reporting")]
    pills.set_value(chosen).run()
    assert not app.exception, app.exception
    of_kinds = [w for w in expected if w["kind"] in chosen]
    cards = [m.value.replace("\\", "") for m in app.markdown]
    firsts = [render(w["message"], "en") for w in of_kinds[:3]]
    assert all(any(first in card for card in cards) for first in firsts)
    assert not any(render(w["message"], "en") in card for w in expected if w["kind"] not in chosen
                   for card in cards)
    assert len([b for b in app.button if b.label == "Open"]) == min(30, len(of_kinds))


@pytest.fixture
def app_with_warnings_page(app_database):
    """app.py, or (until the lead registers the page there) a temporary copy that registers it."""
    app = PROJECT_DIR / "app.py"
    if "pages/warnings.py" in app.read_text(encoding="utf-8"):
        yield app
        return
    anchor = '        st.Page("pages/map.py", title=tr("nav_map"), icon=":material/map:", url_path="map"),\n'
    source = app.read_text(encoding="utf-8")
    assert anchor in source
    copy = PROJECT_DIR / f"_test_app_warnings_{os.getpid()}.py"
    copy.write_text(source.replace(anchor,
                                   anchor + '        st.Page("pages/warnings.py", title="W", url_path="warnings"),\n'),
                    encoding="utf-8")
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def test_open_button_drills_to_the_task_list(app_with_warnings_page, seeded_engine):
    app = AppTest.from_file(str(app_with_warnings_page), default_timeout=120)
    sign_in_test_admin(app, os.environ["DATABASE_URL"])  # app.py requires a signed-in person (issue 7)
    app.query_params["province"] = PROVINCE
    app.switch_page("pages/warnings.py")
    app.run()
    first = warnings(PROVINCE, AS_OF, engine=seeded_engine)["warnings"][0]
    app.button(key=f"warnings::{PROVINCE}::{AS_OF}::open::0").click().run()
    assert not app.exception, app.exception
    assert any("Nhiệm vụ" in t.value for t in app.title)  # the tasks page
    params = {k: app.query_params[k] for k in app.query_params}
    commune = params.get("commune")
    assert (commune[0] if isinstance(commune, list) else commune) == first["unit"]["code"]


def test_lam_dong_cards_name_the_task_and_group_the_communes(app_database, seeded_engine):
    """Lâm Đồng: the overdue and the stalled task come first with their title and province; the 124
    communes below the 5G path are one card, not 124."""
    app = render_page("warnings", {"province": PROVINCE})
    result = warnings(PROVINCE, AS_OF, engine=seeded_engine)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Chệch mục tiêu"] == "1" and metrics["Quá hạn"] == "1"
    labels = [m.label for m in app.metric]
    assert labels == ["Quá hạn", "Sắp đến hạn, chậm tiến độ", "Lâu không báo cáo", "Chệch mục tiêu",
                      "Chưa báo cáo số liệu"]  # the order of urgency
    cards = [m.value.replace("\\", "") for m in app.markdown if "«" in m.value or "lộ trình phủ sóng 5G" in m.value]
    assert [w["kind"] for w in result["warnings"]][:2] == ["overdue", "stalled"]
    first = cards[0]
    task = result["warnings"][0]
    assert task["title"] in first and "Xã Quảng Hòa, Lâm Đồng" in first
    assert task["lead_agency"] in first and task["responsible_official"] in first
    grouped = next(w for w in result["warnings"] if w["kind"] == "off_target")
    assert grouped["below_path"]["count"] > 100
    counted = f"{grouped['below_path']['count']}/{grouped['below_path']['total']}"
    assert any(f"{counted} xã của Lâm Đồng dưới lộ trình phủ sóng 5G" in card for card in cards)
    assert any("Thứ tự ưu tiên" in c.value for c in app.caption)


def test_national_cards_one_per_province(app_database, seeded_engine):
    result = warnings("VN", AS_OF, engine=seeded_engine)
    off = [w for w in result["warnings"] if w["kind"] == "off_target"]
    assert off[0]["unit"]["code"] == "VN"
    provinces = [w["unit"]["code"] for w in off[1:]]
    assert len(provinces) == len(set(provinces)) <= 34
    assert all(w["unit"]["level"] == "province" for w in off[1:])
    assert sum(w["below_path"]["count"] for w in off[1:]) > 1000  # communes, grouped under their province
