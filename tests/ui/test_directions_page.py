"""The directions page in the app: a province leader writes a direction on a task, the province's
reporter sees it and answers with a new progress, the leader sees the answer and closes it."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.follow_up import directions
from data_loaders.store.engine import make_engine
from tests.support.auth_helpers import ensure_account
from tests.support.databases import BACKENDS
from tests.support.pages import open_page_as, own_app_database


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """The sample in a database of this module's own: these tests write (directions, answers that
    commit reports, notes), which the session's shared read-only database must never see."""
    with own_app_database(request.param, "directions_ui", tmp_path_factory.mktemp("directions"),
                          copy_of="sample") as url:
        yield url


def _page(username: str, lang: str = "vi") -> AppTest:
    return open_page_as(username, "directions", {"province": "68"}, lang)


def test_write_answer_and_close_a_direction_in_the_app(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    ensure_account(engine, "ld.lanhdao.ui", role="viewer", scope="68")
    ensure_account(engine, "ld.baocao.ui", role="reporter", scope="68")
    task_code = directions.tasks_to_direct("68", engine=engine)[0][0]

    leader = _page("ld.lanhdao.ui")
    assert any("Ý kiến chỉ đạo" in title.value for title in leader.title)
    leader.selectbox[0].set_value(task_code)
    leader.text_area[0].input("Đề nghị báo cáo tiến độ trước ngày 15")
    leader.button(key="direction_new_submit").click().run()
    assert not leader.error, [e.value for e in leader.error]
    assert [s.value for s in leader.success] == ["Đã gửi ý kiến chỉ đạo."]
    assert any(task_code in e.label.replace("\\", "") for e in leader.expander)

    (direction_id,) = [row["id"] for row in directions.list_directions(
        directions_account(engine, "ld.lanhdao.ui"), "68", dt.date.today(), task_code=task_code, engine=engine)]
    reporter = _page("ld.baocao.ui", "en")
    area = next(a for a in reporter.text_area if a.label == "Answer")
    area.input("Đã triển khai 60%")
    next(n for n in reporter.number_input if n.label == "New progress (%)").set_value(60.0)
    reporter.button(key=f"direction_answer_{direction_id}_submit").click().run()
    assert not reporter.error, [e.value for e in reporter.error]
    assert [s.value for s in reporter.success] == ["The answer was sent."]

    answers = directions.direction_answers(directions_account(engine, "ld.lanhdao.ui"), direction_id, engine=engine)
    assert [a["text"] for a in answers] == ["Đã triển khai 60%"] and answers[0]["upload_id"]

    leader = _page("ld.lanhdao.ui")
    assert any("Đã triển khai 60%" in m.value for m in leader.markdown)
    leader.button(key=f"direction_close_{direction_id}").click().run()
    assert [s.value for s in leader.success] == ["Đã đóng ý kiến chỉ đạo."]
    engine.dispose()


def directions_account(engine, username):
    from data_loaders.identity.accounts import get_account

    return get_account(username, engine)


def test_a_leaders_note_shows_under_the_trend_and_can_be_added_and_removed(app_database):
    from data_loaders.follow_up import annotations

    engine = make_engine(os.environ["DATABASE_URL"])
    leader = ensure_account(engine, "ld.lanhdao.notes", role="viewer", scope="68")
    annotations.add_annotation(leader, "68", "fiveg_stations", dt.date(2025, 5, 1), "tính cả trạm 5G dùng chung",
                               engine=engine)
    app = open_page_as("ld.lanhdao.notes", "infrastructure", {"province": "68"})
    assert any("1. 01/05/2025: tính cả trạm 5G dùng chung" in c.value.replace("\\", "") for c in app.caption)
    app.text_input(key="infrastructure::note_text").input("Số liệu tháng 3 được chỉnh lại")
    app.button(key="infrastructure::note_submit").click().run()
    assert [s.value for s in app.success] == ["Đã lưu ghi chú; ghi chú hiện trên biểu đồ xu hướng."]
    assert len(annotations.annotations_for("68", engine=engine)) == 2
    for note in annotations.annotations_for("68", engine=engine):
        app.button(key=f"infrastructure::remove::{note['id']}").click().run()
    assert annotations.annotations_for("68", engine=engine) == []
    engine.dispose()


def test_overdue_directions_show_on_the_warnings_and_accountability_pages(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    leader = ensure_account(engine, "ld.lanhdao.late", role="viewer", scope="68")
    task_code = directions.tasks_to_direct("68", engine=engine)[1][0]
    written = dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc)  # written last year, due a week later: overdue
    directions.create_direction(leader, text="Giải trình việc chậm triển khai", task_code=task_code,
                                due_date=dt.date(2025, 7, 8), engine=engine, now=written)
    app = open_page_as("ld.lanhdao.late", "warnings", {"province": "68"})
    assert any(s.value.startswith("Chỉ đạo quá hạn trả lời (") for s in app.subheader)
    assert any(task_code in e.label.replace("\\", "") for e in app.expander)
    app.switch_page("pages/accountability.py").run()
    assert not app.exception, app.exception
    table = next(d.value for d in app.dataframe if "Quá hạn trả lời" in d.value.columns)
    assert table["Quá hạn trả lời"].iloc[0] >= 1
    engine.dispose()


def test_a_leader_directs_an_overdue_task_from_its_warning_card(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    ensure_account(engine, "lanh.dao.tw", role="viewer", scope="VN")
    app = open_page_as("lanh.dao.tw", "warnings", {"province": "68"})
    direct = next(b for b in app.button if b.key and b.key.endswith("::direct"))
    direct.click().run()
    assert not app.exception, app.exception
    assert any(t.value == "Ý kiến chỉ đạo và trả lời" for t in app.title), [t.value for t in app.title]
    chosen = app.selectbox(key="direction_new_task").value
    assert chosen.startswith("NQ57-")
    app.switch_page("pages/directions.py")  # AppTest reruns the page it last switched to, not the script's
    app.text_area(key="direction_new_text").input("Đề nghị giải trình việc quá hạn")
    app.button(key="direction_new_submit").click().run()
    assert [s.value for s in app.success] == ["Đã gửi ý kiến chỉ đạo."]
    rows = directions.list_directions(directions_account(engine, "lanh.dao.tw"), "VN", dt.date.today(),
                                      task_code=chosen, engine=engine)
    assert [row["text"] for row in rows] == ["Đề nghị giải trình việc quá hạn"]
    engine.dispose()


def _national_leader(engine, page: str, params: dict | None = None) -> AppTest:
    ensure_account(engine, "lanh.dao.xephang", role="viewer", scope="VN")
    return open_page_as("lanh.dao.xephang", page, params)


def _on_the_unit_form(app: AppTest, unit_code: str) -> None:
    """The directions page at `unit_code` with the form open on the whole unit."""
    assert not app.exception, app.exception
    assert any(t.value == "Ý kiến chỉ đạo và trả lời" for t in app.title), [t.value for t in app.title]
    assert app.query_params.get("province") in (unit_code, [unit_code])
    assert app.selectbox(key="direction_new_task").value == ""  # the whole unit
    assert any(e.label == "Viết ý kiến chỉ đạo" and e.proto.expanded for e in app.expander)


def test_a_leader_directs_a_unit_from_a_ranking_row(app_database):
    from data_loaders.figures.accountability import laggards_first, rank_change
    from data_loaders.figures.scope import latest_data_date

    engine = make_engine(os.environ["DATABASE_URL"])
    app = _national_leader(engine, "accountability")
    assert "Chọn một dòng để chỉ đạo đơn vị đó." in [c.value for c in app.caption]
    assert not [b for b in app.button if b.key == "ranking::child::direct"]  # nothing picked yet
    day = latest_data_date(engine)
    rows = [row for row in laggards_first(rank_change("VN", day, dt.date(2025, 3, 31), "child", engine))
            if row["total"]]
    worst = next(index for index, row in enumerate(rows) if not row.get("own"))
    app.session_state["ranking::child"] = {"selection": {"rows": [worst], "columns": [], "cells": []}}
    app.run()
    direct = app.button(key="ranking::child::direct")
    assert direct.label == f"Chỉ đạo {rows[worst]['name']}"
    direct.click().run()
    _on_the_unit_form(app, rows[worst]["key"])
    engine.dispose()


def test_a_leader_directs_a_unit_named_on_a_slide(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    app = _national_leader(engine, "presentation", {"slide": "4"})  # the units with the most overdue tasks
    buttons = [b for b in app.button if b.key and b.key.startswith("slide_direct::")]
    assert 1 <= len(buttons) <= 8
    assert "Chỉ đạo đơn vị trên trang này:" in [c.value for c in app.caption]
    code = buttons[0].key.split("::")[1]
    buttons[0].click().run()
    _on_the_unit_form(app, code)
    # a reporter does not direct: no button on any slide
    ensure_account(engine, "ld.baocao.slide", role="reporter", scope="68")
    reporter = open_page_as("ld.baocao.slide", "presentation", {"slide": "4"})
    assert not [b for b in reporter.button if b.key and b.key.startswith("slide_direct::")]
    engine.dispose()
