"""The chart builders' shortcuts past Altair's copies and schema checks (charts/build.py, the maps' named geometry):
the specs are those Altair's own methods give, they validate, and the caller's chart is left as it was."""

from __future__ import annotations

import datetime as dt
import json

import altair as alt
import pandas as pd
import pytest
from altair.vegalite.v6.api import _dataset_name

from charts import annotations, maps, status, trend, units
from charts.build import finished, with_properties
from charts.geometry import island_points, province_shapes
from charts.locale import chart_locale, localized
from data_loaders.units.divisions import all_units

PROVINCES = [u for u in all_units() if u.level == "province"]
LAM_DONG = [u for u in all_units() if u.level == "commune" and u.province_code == "68"]
MONTHS = [dt.date(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))]
TARGET = {"indicator": "fiveg_coverage_pct", "value": 90.0, "date": dt.date(2025, 12, 31), "baseline_value": 26.0,
          "baseline_date": dt.date(2025, 3, 31), "higher_is_better": True}


def _json(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, default=str)


def _provinces(missing: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame([{"code": u.code, "name": u.name, "value": None if u.code in missing else 40 + 1.7 * i}
                         for i, u in enumerate(PROVINCES)], columns=["code", "name", "value"])


def _communes() -> pd.DataFrame:
    return pd.DataFrame([{"code": u.code, "name": u.name, "value": None if i % 7 == 3 else float(60 + (i * 37) % 41),
                          "lat": u.lat, "lon": u.lon} for i, u in enumerate(LAM_DONG)])


def _trend(lang: str) -> alt.LayerChart:
    rows = [{"date": day, "fiveg_coverage_pct": 20 + 3.1 * i, "fiber_coverage_pct": 80 + 1.7 * i}
            for i, day in enumerate(MONTHS)]
    frame = trend.trend_frame(rows, {"fiveg_coverage_pct": "5G", "fiber_coverage_pct": "Cáp quang"}, lang,
                              percent=True)
    return trend.trend_lines(frame, "Phủ sóng", lang, targets=[TARGET])


STATUS_ROWS = [{"code": u.code, "label": u.name, "completed": 10 + i % 7, "on_schedule": 25 - i % 5,
                "overdue": 5 + i % 11} for i, u in enumerate(PROVINCES)]
for _row in STATUS_ROWS:
    _row["total"] = _row["completed"] + _row["on_schedule"] + _row["overdue"]


def _builders(lang: str) -> dict[str, alt.TopLevelMixin]:
    return {
        "choropleth": maps.province_choropleth(_provinces(("01", "79")), "value", "Phủ sóng 5G", lang, "68",
                                               decimals=1, percent=True),
        "choropleth_same_values": maps.province_choropleth(_provinces().assign(value=5.0), "value", "Điểm", lang,
                                                           decimals=1, percent=False),
        "communes": maps.commune_points(_communes(), "value", "Phủ sóng 5G", lang, province_code="68",
                                        selected_code=LAM_DONG[4].code, decimals=1, percent=True),
        "bars": maps.ranked_bars(_provinces(("01",)).dropna(), "value", "5G", lang, selected_code="68",
                                 class_values=_provinces(("01",))["value"], decimals=1, percent=True, row_height=24),
        "status_bars": status.status_bars({"total": 120, "completed": 40, "on_schedule": 60, "overdue": 20}, lang),
        "status_by_unit": status.status_by_unit(STATUS_ROWS, lang, label_width=24),
        "status_breakdown": status.status_breakdown(
            [{"key": f"k{i}", **row} for i, row in enumerate(STATUS_ROWS[:7])], lang),
        "status_share": units.status_share_by_unit(STATUS_ROWS, lang, view="count"),
        "annotated_trend": annotations.annotated(_trend(lang), [{"on_date": MONTHS[2], "text": "Ghi chú"}], lang),
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_builders_spec_validates_and_localized_is_configure(lang):
    for name, chart in _builders(lang).items():
        chart.to_dict()  # Altair's schema check of the whole spec
        configured = chart.configure(locale=chart_locale(lang)).to_dict()
        assert _json(localized(chart, lang).to_dict()) == _json(configured), name


def test_with_properties_and_finished_give_what_properties_gives_and_leave_the_chart_as_it_was():
    chart = _trend("vi")
    before = _json(chart.to_dict())
    assert _json(with_properties(chart, width=300).to_dict()) == _json(chart.properties(width=300).to_dict())
    assert _json(chart.to_dict()) == before  # the copy shares the layers, the original keeps its properties
    copy = with_properties(chart, width=300)
    copy += alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x=alt.X("x:Q"))
    assert len(copy.layer) == len(chart.layer) + 1 and _json(chart.to_dict()) == before
    fresh = maps.ranked_bars(_provinces(), "value", "5G", "vi")
    expected = _json(alt.layer(*fresh.layer).properties(width=200).to_dict())
    assert _json(finished(alt.layer(*fresh.layer), width=200).to_dict()) == expected


def test_annotating_a_chart_leaves_the_callers_chart_alone():
    chart = _trend("vi")
    before = _json(chart.to_dict())
    noted = annotations.annotated(chart, [{"on_date": MONTHS[2], "text": "Ghi chú"}], "vi").to_dict()
    assert _json(chart.to_dict()) == before and chart.autosize is not alt.Undefined
    assert noted["autosize"] == chart.autosize.to_dict() and "autosize" not in noted["layer"][0]


def test_the_maps_geometry_is_in_the_datasets_under_the_name_altair_gives_it_inline():
    spec = maps.province_choropleth(_provinces(), "value", "5G", "vi").to_dict()
    shapes, islands = _dataset_name(list(province_shapes())), _dataset_name(list(island_points()))
    assert spec["layer"][0]["data"] == {"name": shapes} and spec["layer"][1]["data"] == {"name": islands}
    assert spec["datasets"][shapes] == list(province_shapes()) and len(spec["datasets"][shapes]) == 34
    assert spec["datasets"][islands] == list(island_points())
    outline = [feature for feature in province_shapes() if feature["code"] == "68"]
    communes = maps.commune_points(_communes(), "value", "5G", "vi", province_code="68").to_dict()
    assert communes["datasets"][communes["layer"][0]["data"]["name"]] == outline
    assert communes["layer"][0]["data"]["name"] == _dataset_name(outline)
    # a map inside a larger chart carries its geometry there too
    inner = with_properties(maps.province_choropleth(_provinces(), "value", "5G", "vi"), autosize=alt.Undefined)
    nested = alt.layer(inner).to_dict()
    assert shapes in nested["datasets"] and islands in nested["datasets"]


def test_the_colour_and_outline_channels_are_what_the_when_chain_and_dicts_gave():
    data = _provinces(("01",))
    fill = maps._fill(data, "value", "5G", "vi", 1, True, True, "yellowgreenblue").to_dict()
    assert fill["value"] == maps.NO_DATA_COLOUR and fill["condition"]["test"] == maps._has_value("value")
    classes = maps._classes(data["value"], "vi", 1, True)
    scale = alt.Scale(domain=classes, reverse=False, scheme=alt.SchemeParams(
        name="yellowgreenblue", count=len(classes), extent=maps.CLASS_EXTENT))
    chain = alt.when(maps._has_value("value")).then(alt.Color(
        f"{maps.CLASS_FIELD}:O", sort=classes, scale=scale, legend=alt.Legend(**fill["condition"]["legend"])
    )).otherwise(alt.value(maps.NO_DATA_COLOUR))
    assert _json(fill) == _json(alt.ColorValue.from_dict(chain, validate=False).to_dict())
    selection = maps._selection()
    stroke = maps._outline(alt.StrokeValue, "68", selection, "#ffffff", "#222222").to_dict()
    assert stroke == {"condition": [{"test": 'datum.code === "68"', "value": "#222222"},
                                    {"param": "unit", "empty": False, "value": "#222222"}], "value": "#ffffff"}
