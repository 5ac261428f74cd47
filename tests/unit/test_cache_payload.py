"""The shared figures' cache stores a figure as JSON (figures/cache.py `_dumps`/`_loads`, orjson): every process
reads back exactly what the standard library's json wrote before, dates, times and units included."""

from __future__ import annotations

import datetime as dt
import json

from data_loaders.figures import cache
from data_loaders.figures.scope import UnitInfo

UNIT = UnitInfo("68", "Lâm Đồng", "province", "VN", "68")


def _as_json_read_it(value):
    return json.loads(json.dumps(value, default=cache._encode, ensure_ascii=False), object_hook=cache._decode)


def test_tagged_values_come_back_as_they_were():
    value = {"as_of": dt.date(2025, 6, 30), "at": dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.timezone.utc),
             "unit": UNIT, "rows": [{"deadline": dt.date(2025, 3, 31), "name": "Xã Ia Boòng", "pct": 26.5}]}
    read = cache._loads(cache._dumps(value))
    assert read == value == _as_json_read_it(value)
    assert isinstance(read["unit"], UnitInfo) and isinstance(read["rows"][0]["deadline"], dt.date)


def test_untagged_figures_read_as_json_reads_them():
    value = {"total": 802, "by_status": {"completed": 239, "on_schedule": 427, "overdue": 136},
             "per_month": {1: 3, 2: 5}, "pairs": [("a", 1.5)], "none": None, "text": 'quoted "__x__" and ư'}
    payload = cache._dumps(value)
    assert cache._loads(payload) == _as_json_read_it(value) == json.loads(payload)
    assert cache._loads(payload)["per_month"] == {"1": 3, "2": 5}  # keys as json made them


def test_text_that_looks_like_a_tag_is_still_read_right():
    value = {"note": 'a note that quotes "__date__"', "day": "2025-06-30"}
    assert cache._loads(cache._dumps(value)) == value
