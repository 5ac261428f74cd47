"""The province shapes the pages' maps load by URL (charts/static_geometry.py, components.display.page_spec): the
static file equals the shapes the builders use, a page's spec reads it by a URL Streamlit serves, every other
dataset stays as it was, and reports (the chart objects' own specs) keep their geometry inline."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import vl_convert

from charts import maps, static_geometry
from charts.build import with_properties
from charts.geometry import island_points, province_shapes
from components.display import page_spec
from data_loaders.units.divisions import all_units

PROVINCES = [u for u in all_units() if u.level == "province"]
LAM_DONG = [u for u in all_units() if u.level == "commune" and u.province_code == "68"]


def _provinces() -> pd.DataFrame:
    return pd.DataFrame([{"code": u.code, "name": u.name, "value": 40 + 1.7 * i} for i, u in enumerate(PROVINCES)])


def _shapes_name() -> str:
    (name,) = maps.served_geometry()
    return name


def test_the_geometry_file_is_the_shapes_the_maps_draw():
    """Fails when the shapes change and the file was not written again (`python -m charts.static_geometry`)."""
    assert static_geometry.problems() == []
    path = static_geometry.STATIC_DIR / static_geometry.FOLDER / f"{_shapes_name()}.json"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(list(province_shapes())))
    assert _shapes_name() == maps._geometry(province_shapes()).name  # the name is a hash of the content


def test_a_missing_or_different_file_leaves_the_geometry_inline(tmp_path):
    assert static_geometry.urls_in(tmp_path) == {}
    assert static_geometry.problems(tmp_path) == [f"missing: {_shapes_name()}.json"]
    (tmp_path / f"{_shapes_name()}.json").write_text("[]")
    (tmp_path / "data-old.json").write_text("[]")
    assert static_geometry.urls_in(tmp_path) == {}
    assert static_geometry.problems(tmp_path) == [f"different: {_shapes_name()}.json", "stale: data-old.json"]
    static_geometry.write(tmp_path)
    assert static_geometry.problems(tmp_path) == [] and not (tmp_path / "data-old.json").exists()
    assert static_geometry.urls_in(tmp_path) == {_shapes_name(): f"app/static/geo/{_shapes_name()}.json"}


def test_a_pages_national_map_reads_the_shapes_by_url_and_keeps_everything_else():
    chart = maps.province_choropleth(_provinces(), "value", "5G", "vi")
    inline = chart.to_dict()
    spec = page_spec(chart.to_dict())
    shapes, islands = _shapes_name(), maps._geometry(island_points()).name
    url = {"url": f"app/static/geo/{shapes}.json", "format": {"type": "json"}}
    assert spec["layer"][0]["data"] == url and shapes not in spec["datasets"]
    lookup = spec["layer"][0]["transform"][0]["from"]["data"]["name"]
    # the islands' points and the table as Arrow, as before
    assert spec["layer"][1]["data"] == {"name": islands} and set(spec["datasets"]) == {islands, lookup}
    assert isinstance(spec["datasets"][islands], bytes) and isinstance(spec["datasets"][lookup], bytes)
    # the rest of the spec (the join on code, the click selection, tooltips, projection) is untouched
    for layer, original in zip(spec["layer"], inline["layer"]):
        assert {k: v for k, v in layer.items() if k != "data"} == {k: v for k, v in original.items() if k != "data"}
    assert len(json.dumps({k: v for k, v in spec.items() if k != "datasets"})) < 20_000
    # Vega-Lite compiles it to a dataset loaded from the URL (nothing fetched here)
    compiled = vl_convert.vegalite_to_vega({**spec, "datasets": {islands: list(island_points()), lookup: []}})
    assert any(data.get("url") == url["url"] for data in compiled["data"])
    # the report's spec (decks, snapshots, downloads: the chart object's own) keeps the shapes inline
    assert "app/static" not in json.dumps(inline) and inline["datasets"][shapes] == list(province_shapes())


def test_a_map_inside_a_larger_chart_and_a_provinces_outline():
    inner = with_properties(maps.province_choropleth(_provinces(), "value", "5G", "vi"), autosize=alt.Undefined)
    nested = page_spec(alt.layer(inner).to_dict())
    assert _shapes_name() not in nested["datasets"] and "app/static/geo/" in json.dumps(nested["layer"])
    communes = pd.DataFrame([{"code": u.code, "name": u.name, "value": 50.0, "lat": u.lat, "lon": u.lon}
                             for u in LAM_DONG])
    spec = page_spec(maps.commune_points(communes, "value", "5G", "vi", province_code="68").to_dict())
    outline = spec["layer"][0]["data"]["name"]  # a province's outline (5–25 KB) stays inline
    assert spec["datasets"][outline] == [f for f in province_shapes() if f["code"] == "68"]
    assert "url" not in json.dumps(spec["layer"])
