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
    # agencies, units below, officials and the chosen official's tasks; the commune has no tasks
    assert len(app.dataframe) == (0 if level == "commune" else 4)
