"""The data-quality page at every level: the four scores, their definitions, the provinces to watch."""

from __future__ import annotations

import pytest

from data_loaders.figures.data_quality import SCORES, needing_attention, quality
from data_loaders.i18n import format_number
from tests.support.builder import AS_OF
from tests.support.pages import LEVELS, render_page


@pytest.mark.usefixtures("app_database")
@pytest.mark.parametrize("level", list(LEVELS))
def test_quality_page_renders(level, seeded_engine):
    app = render_page("quality", LEVELS[level])
    unit = LEVELS[level].get("commune") or LEVELS[level].get("province") or "VN"
    expected = quality(unit, AS_OF, engine=seeded_engine)["scores"]
    shown = [m.value for m in app.metric][:4]
    assert shown == [format_number(expected[score], "vi", 1) for score in SCORES]
    definitions = "\n".join(m.value for m in app.markdown)
    for score in ("Đúng:", "Đủ:", "Sạch:", "Sống:"):
        assert score in definitions
    if level == "national":
        worst = needing_attention(quality("VN", AS_OF, engine=seeded_engine), 3)
        warning = " ".join(w.value for w in app.warning)
        assert worst and all(item["unit"]["name"] in warning for item in worst)
