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
    assert [m.value for m in app.metric] == [str(buckets[b]) for b in ("le_30", "31_90", "gt_90")]
    # agencies, units below, officials and the chosen official's tasks, each whole and compact (a phone shows
    # the compact one: components.exports.show_table's `lead`); the commune has no tasks
    assert len(app.dataframe) == (0 if level == "commune" else 8)


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
