"""Every page at every level renders under AppTest, names its unit, and shows the figures the
CLI's `summary` gives for it, formatted the Vietnamese way. The app requires a signed-in person:
`run_page` signs in as a test administrator (tests/auth_helpers.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st

from data_loaders import figures
from data_loaders.i18n import format_number, format_percent
from tests.support.pages import LEVELS, rendered_text, run_page

PAGES = ("overview", "tasks", "infrastructure", "ecosystem", "map")

@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_unit_and_summary_figures(app_database, seeded_engine, page, level):
    params = LEVELS[level]
    app = run_page(page, params)
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    unit_code = params.get("commune") or params.get("province") or "VN"
    summary = figures.summary(unit_code, engine=seeded_engine)
    text = rendered_text(app)
    if level != "national":
        assert summary["unit"]["name"] in text
    metrics = [m.value for m in app.metric]
    if page in ("overview", "tasks"):
        tasks = summary["tasks"]
        for key in ("total", "completed", "on_schedule", "overdue"):
            assert format_number(tasks[key], "vi") in metrics
    if page in ("overview", "infrastructure"):
        values = summary["indicators"]
        assert format_number(values["fiveg_stations"], "vi") in metrics
        assert format_percent(values["fiveg_coverage_pct"], "vi") in metrics
        assert format_number(values["villages_no_signal"], "vi") in metrics
    if page in ("overview", "ecosystem"):
        values = summary["indicators"]
        for key in ("st_enterprises", "high_tech_enterprises", "digital_tech_enterprises", "ai_experts"):
            assert format_number(values[key], "vi") in metrics


def test_national_overview_shows_the_review_figures(app_database):
    app = run_page("overview", {})
    metrics = [m.value for m in app.metric]
    for figure in ("802", "239", "427", "136", "12.106", "858", "45", "277"):
        assert figure in metrics


def test_query_string_opens_lam_dong(app_database):
    app = run_page("overview", {"province": "68"})
    assert "Lâm Đồng" in rendered_text(app)
    assert app.query_params["province"] == ["68"] or app.query_params["province"] == "68"
    pickers = [s for s in app.selectbox if s.value == "68"]
    assert pickers, "the sidebar province picker shows Lâm Đồng"


def test_query_string_without_leading_zero_and_bad_codes(app_database):
    app = run_page("overview", {"province": "1"})
    assert "Thành phố Hà Nội" in rendered_text(app)
    app = run_page("overview", {"province": "999", "commune": "abc"})
    assert not app.exception and not app.error
    assert "802" in [m.value for m in app.metric]  # an unknown code falls back to the nation


def test_commune_alone_finds_its_province(app_database):
    app = run_page("overview", {"commune": "24781"})
    text = rendered_text(app)
    assert "Lâm Đồng" in text and "Phường Xuân Hương - Đà Lạt" in text


def test_sidebar_pick_changes_the_url(app_database):
    app = run_page("overview", {})
    picker = next(s for s in app.selectbox if s.value == "VN")
    picker.set_value("68").run()
    assert "Lâm Đồng" in rendered_text(app)


def test_english_switch(app_database):
    app = run_page("overview", {}, lang="en")
    metrics = [m.value for m in app.metric]
    assert "12,106" in metrics and "802" in metrics
    assert any("Resolution 57" in t.value for t in app.title)


def test_past_as_of_date(app_database, seeded_engine):
    app = run_page("overview", {"as_of": "2025-03-31"})
    status = figures.task_status("VN", dt.date(2025, 3, 31), seeded_engine)
    assert format_number(status["total"], "vi") in [m.value for m in app.metric]
    assert status["total"] < 802


def test_sidebar_search_without_diacritics(app_database):
    app = run_page("overview", {})
    search = next(s for s in app.sidebar.selectbox if s.key and s.key.startswith("unit_search::"))
    assert any("xuan huong" in label for label in search.options)  # the selectbox's filter finds it typed plain
    search.set_value("24781").run()
    text = rendered_text(app)
    assert "Phường Xuân Hương - Đà Lạt" in text and "Lâm Đồng" in text


def _indicator_workbook(path, stations: int) -> bytes:
    from openpyxl import Workbook

    from data_loaders.ingest.formats import INDICATOR_VALUES

    workbook = Workbook()
    sheet = workbook.active
    columns = {c.key: c.vi for c in INDICATOR_VALUES.columns}
    sheet.append([columns[k] for k in ("province_code", "commune_code", "period", "population", "fiveg_stations")])
    sheet.append(["68", "24781", "06/2025", 50000, stations])
    workbook.save(path)
    return path.read_bytes()


def test_new_upload_is_seen_without_clearing_caches(empty_engine, tmp_path, monkeypatch):
    """Cached queries are keyed on the data version, so a committed upload (made here outside the
    app, as another app process would) shows on the next run with no cache clearing."""
    from data_loaders.ingest.importer import import_file

    monkeypatch.setenv("DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    try:
        import_file(_indicator_workbook(tmp_path / "a.xlsx", 5), "a.xlsx", engine=empty_engine)
        assert "5" in [m.value for m in run_page("overview", {}).metric]
        import_file(_indicator_workbook(tmp_path / "b.xlsx", 7), "b.xlsx", engine=empty_engine)
        metrics = [m.value for m in run_page("overview", {}).metric]
        assert "7" in metrics and "5" not in metrics
    finally:
        st.cache_resource.clear()


def test_change_since_an_earlier_date(app_database, seeded_engine):
    """`?compare=` puts the change since that date on every headline card (issue 5, item 4)."""
    earlier = figures.task_status("VN", dt.date(2025, 3, 31), seeded_engine)
    app = run_page("overview", {"compare": "2025-03-31"})
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["Đã hoàn thành"] == f"+{format_number(239 - earlier['completed'], 'vi')}"
    assert deltas["Quá hạn"] == f"+{format_number(136 - earlier['overdue'], 'vi')}"
    assert deltas["Trạm 5G"].startswith("+")
    assert "điểm %" in deltas["Dân số được phủ sóng 5G"]


# --- the overview's rank and warnings, charts that answer "where is it worst", empty states ----------


def _vega_specs(app) -> list[dict]:
    """The Vega-Lite specs of the charts a page drew (AppTest keeps them as JSON in the element proto)."""
    import json

    specs = []
    for element in app.get("vega_lite_chart"):
        specs.append(json.loads(element.proto.spec))
    return specs


def _chart_units(spec: dict) -> list[str]:
    """The unit labels of a status-by-unit chart, in the order of its y axis."""
    return list(spec["encoding"]["y"]["sort"])


def test_overview_shows_the_rank_among_siblings_and_the_three_most_urgent_warnings(app_database, seeded_engine):
    from data_loaders.figures.accountability import sibling_rank
    from data_loaders.figures.cache import Reader
    from data_loaders.figures.early_warnings import warnings
    from data_loaders.i18n.message import render
    from tests.support.builder import AS_OF

    app = run_page("overview", {"province": "68"})
    read = Reader(seeded_engine)
    rank = sibling_rank(read(figures.get_unit, "68"), AS_OF, read)
    assert rank is not None
    markdown = [m.value for m in app.markdown]
    assert any(f"xếp thứ {rank[0]}/{rank[1]}." in text and text.startswith("**Lâm Đồng: ") for text in markdown)
    expected = warnings("68", AS_OF, engine=seeded_engine)["warnings"]
    for item in expected[:3]:
        assert any(render(item["message"]) in text.replace("\\", "") for text in markdown), item["kind"]
    assert not any(render(item["message"]) in text.replace("\\", "") for item in expected[3:] for text in markdown)
    assert any(b.label == f"Xem tất cả {len(expected)} cảnh báo" for b in app.button)
    national = run_page("overview", {})
    assert not any("xếp thứ" in m.value for m in national.markdown)  # the nation has no siblings


def test_a_commune_without_tasks_says_so_with_no_empty_chart(app_database, seeded_engine):
    from tests.support.builder import AS_OF

    assert figures.task_status("24781", AS_OF, seeded_engine)["total"] == 0
    overview = run_page("overview", LEVELS["commune"])
    infos = [i.value for i in overview.info]
    assert any(text.startswith("Phường Xuân Hương - Đà Lạt chưa có nhiệm vụ nào đến ngày 30/06/2025") for text in infos)
    for spec in _vega_specs(overview):  # no task chart, no "0 (0%)" label
        assert "0 (0%)" not in str(spec)
    assert not _vega_specs(overview)
    tasks = run_page("tasks", LEVELS["commune"])
    assert any("chưa có nhiệm vụ nào" in i.value for i in tasks.info) and not _vega_specs(tasks)


def test_the_commune_map_shows_the_commune_within_its_province(app_database, seeded_engine):
    from tests.support.builder import AS_OF

    app = run_page("map", LEVELS["commune"])
    specs = _vega_specs(app)
    assert len(specs) == 2  # the province's communes on the map, and ranked
    point_layer = specs[0]["layer"][1]
    outline = point_layer["encoding"]["stroke"]["condition"][0]
    assert outline["test"] == 'datum.code === "24781"'  # the commune outlined
    rows = figures.task_status_by_child("68", AS_OF, seeded_engine)
    communes = [row for row in rows if not row["own"]]
    overdue = next(row["overdue"] for row in communes if row["code"] == "24781")
    place = 1 + sum(1 for row in communes if row["overdue"] > overdue)
    assert any(f"đứng thứ {place}/{len(communes)} xã, phường của Lâm Đồng" in m.value for m in app.markdown)


def test_national_tasks_chart_keeps_the_ministries_apart_and_the_laggards_first(app_database, seeded_engine):
    from data_loaders.figures.tasks import laggards_first
    from tests.support.builder import AS_OF

    app = run_page("tasks", {})
    own, by_province = _vega_specs(app)[:2]
    assert _chart_units(own) == ["Bộ, ngành trung ương"]  # a panel of its own
    rows = [row for row in figures.task_status_by_child("VN", AS_OF, seeded_engine) if not row["own"]]
    worst = [row["name"] for row in laggards_first(rows, "rate") if row["total"]][:15]
    assert _chart_units(by_province) == worst  # shares of each province's tasks, the 15 furthest behind
    assert by_province["encoding"]["x"]["scale"]["domain"] == [0, 100]
    shown = next(group for group in app.get("button_group") if group.label == "Đơn vị hiển thị")
    assert shown.options == ["15 chậm nhất", "15 tốt nhất", "Tất cả (34)"] and shown.value == "worst"
    shown.set_value("all").run()
    every = _vega_specs(app)[1]
    assert _chart_units(every) == [row["name"] for row in laggards_first(rows, "rate") if row["total"]]


def _titles(spec: dict) -> list[str]:
    """Every chart title in a spec (a wrapping title is a Vega expression naming its whole text first)."""
    import json
    import re

    found = []
    title = spec.get("title")
    if isinstance(title, dict):
        text = title.get("text")
        if isinstance(text, dict) and "expr" in text:
            found.append(json.loads(re.search(r'\? ("(?:[^"\\]|\\.)*")', text["expr"]).group(1)))
        elif text is not None:
            found.append(text if isinstance(text, str) else " ".join(text))
    elif isinstance(title, str):
        found.append(title)
    for layer in spec.get("layer", []):
        found += _titles(layer)
    return found


@pytest.mark.parametrize("lang, expected", [
    ("vi", ["Doanh nghiệp KH&CN, công nghệ cao và chuyên gia AI", "Doanh nghiệp công nghệ số"]),
    ("en", ["S&T and high-tech enterprises, AI experts", "Digital-tech enterprises"]),
])
def test_each_ecosystem_trend_chart_says_what_it_shows(app_database, lang, expected):
    app = run_page("ecosystem", {"province": "68"}, lang=lang)
    assert not app.exception, app.exception
    titles = [title for spec in _vega_specs(app) for title in _titles(spec)]
    assert titles[:2] == expected, titles
