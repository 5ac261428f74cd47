"""The accountability page at every level: lateness buckets and the ranking tables."""

from __future__ import annotations

import pytest

from data_loaders.figures.accountability import overdue_buckets
from tests.support.builder import AS_OF
from tests.support.pages import LEVELS, render_page


@pytest.mark.usefixtures("app_database")
@pytest.mark.parametrize("level", list(LEVELS))
def test_accountability_page_renders(seeded_engine, level):
    params = LEVELS[level]
    app = render_page("accountability", params)
    code = params.get("commune") or params.get("province") or "VN"
    buckets = overdue_buckets(code, AS_OF, seeded_engine)
    assert [m.value for m in app.metric][:3] == [str(buckets[b]) for b in ("le_30", "31_90", "gt_90")]
    # agencies, units below, officials and the chosen official's tasks, each whole and compact (a phone shows
    # the compact one: components.exports.show_table's `lead`), nationally the provinces' DTI too; the
    # commune has no tasks; a province shows its own DTI as cards (its place and the nine indices)
    assert len(app.dataframe) == {"national": 10, "commune": 0}.get(level, 8)
    assert len(app.metric) == 3 + (10 if level == "province" else 0)


@pytest.mark.usefixtures("app_database")
def test_laggards_first_by_default_with_the_tie_rule_stated(seeded_engine):
    from data_loaders.figures.accountability import laggards_first, ranking

    app = render_page("accountability", {})
    assert any("bằng nhau thì ít nhiệm vụ quá hạn hơn xếp trên, rồi tỷ lệ hoàn thành cao hơn" in c.value
               for c in app.caption)
    order = next(group for group in app.get("button_group") if group.label == "Thứ tự")
    assert order.value == "laggards"
    agencies = app.dataframe[0].value
    expected = [row for row in laggards_first(ranking("VN", AS_OF, "lead_agency", seeded_engine)) if row["total"]]
    assert list(agencies.iloc[:, 0][:5]) == [row["rank"] for row in expected[:5]]
    assert agencies.iloc[0, 0] == max(row["rank"] for row in expected)  # the last place first
    order.set_value("leaders").run()
    assert app.dataframe[0].value.iloc[0, 0] == 1


@pytest.mark.usefixtures("app_database")
def test_dti_beside_task_progress_marked_as_sample(seeded_engine):
    from data_loaders.figures.dti import ranking_beside_tasks

    app = render_page("accountability", {})
    assert any(s.value == "Chỉ số chuyển đổi số cấp tỉnh (DTI) bên cạnh tiến độ nhiệm vụ" for s in app.subheader)
    assert any("DỮ LIỆU MẪU – không phải số liệu chính thức" in c.value and "34 tỉnh" in c.value
               for c in app.caption)
    table = next(frame.value for frame in app.dataframe if "Hạng DTI" in frame.value.columns)
    expected = ranking_beside_tasks("VN", AS_OF, seeded_engine)
    assert list(table["Đơn vị"]) == [row["name"] for row in expected]
    assert list(table["Hạng DTI"])[:3] == [1, 2, 3] and set(table["Nguồn số liệu DTI"]) == {"Dữ liệu mẫu"}
