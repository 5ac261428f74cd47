"""The map and ranking chart builders (charts/maps.py, charts/geometry.py): their Vega-Lite specs, and a PNG render."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from charts import maps
from data_loaders.units.divisions import all_units

PROVINCES = [u for u in all_units() if u.level == "province"]
LAM_DONG_COMMUNES = [u for u in all_units() if u.level == "commune" and u.province_code == "68"]


def _province_frame(value_field: str = "fiveg_stations", missing: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = [{"code": u.code, "name": u.name, value_field: 12106 + i * 1000}
            for i, u in enumerate(PROVINCES) if u.code not in missing]
    return pd.DataFrame(rows)


def _walk(node):
    """Every dict in a spec, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _params(spec: dict) -> list[dict]:
    return [param for node in _walk(spec) for param in node.get("params", []) if "select" in param]


def _dataset_rows(spec: dict) -> list[dict]:
    """The rows of the tabular datasets (not the GeoJSON features)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows if row.get("type") != "Feature"]


def _datasets(spec: dict) -> list[list[dict]]:
    """Every dataset of a spec: the top-level named ones and inline `data.values`."""
    named = list(spec.get("datasets", {}).values())
    inline = [node["data"]["values"] for node in _walk(spec)
              if isinstance(node.get("data"), dict) and node["data"].get("values")]
    return named + inline


def _geo_values(spec: dict) -> list[dict]:
    return next((rows for rows in _datasets(spec) if rows and rows[0].get("type") == "Feature"), [])


def test_choropleth_has_the_34_provinces_joined_on_the_two_digit_code():
    spec = maps.province_choropleth(_province_frame(), "fiveg_stations", "Số trạm 5G", "vi").to_dict()
    features = _geo_values(spec)
    assert len(features) == 34
    codes = {feature["code"] for feature in features}
    assert codes == {u.code for u in PROVINCES}  # "01" for GSO 1, "68" for 68
    assert "01" in codes and "68" in codes
    lookups = [node for node in _walk(spec) if "lookup" in node and "from" in node]
    assert lookups and all(node["lookup"] == "code" and node["from"]["key"] == "code" for node in lookups)
    looked_up = {row["code"] for row in _dataset_rows(spec) if "fiveg_stations" in row}
    assert looked_up == codes


def test_every_chart_carries_the_unit_point_selection_on_code():
    frame = _province_frame()
    communes = pd.DataFrame([{"code": u.code, "name": u.name, "lat": u.lat, "lon": u.lon, "fiveg_coverage_pct": 80.0}
                             for u in LAM_DONG_COMMUNES])
    for chart in (
        maps.province_choropleth(frame, "fiveg_stations", "5G", "vi"),
        maps.commune_points(communes, "fiveg_coverage_pct", "5G", "vi"),
        maps.ranked_bars(frame, "fiveg_stations", "5G", "vi", top=10),
    ):
        params = _params(chart.to_dict())
        assert len(params) == 1
        assert params[0]["name"] == maps.SELECTION == "unit"
        assert params[0]["select"]["type"] == "point"
        assert params[0]["select"]["fields"] == ["code"]


def test_tooltips_show_numbers_the_vietnamese_way():
    frame = pd.DataFrame([{"code": "68", "name": "Lâm Đồng", "fiveg_stations": 12106,
                           "fiveg_coverage_pct": 87.46, "ghi_chu": "Đạt"}])
    spec = maps.province_choropleth(frame, "fiveg_stations", "Số trạm 5G", "vi").to_dict()
    row = next(r for r in _dataset_rows(spec) if r.get("code") == "68")
    assert row["value_label"] == "12.106"
    tooltips = [t for node in _walk(spec) for t in node.get("tooltip", []) if isinstance(node.get("tooltip"), list)]
    assert {"field": "value_label", "type": "nominal", "title": "Số trạm 5G"} in tooltips
    # extra pre-formatted columns go into the tooltip too, titled by their column name
    assert any(t.get("field") == "ghi_chu" for t in tooltips)

    percent = maps.province_choropleth(frame, "fiveg_coverage_pct", "Phủ sóng 5G", "vi").to_dict()
    assert next(r for r in _dataset_rows(percent) if r.get("code") == "68")["value_label"] == "87,5%"
    english = maps.province_choropleth(frame, "fiveg_stations", "5G stations", "en").to_dict()
    assert next(r for r in _dataset_rows(english) if r.get("code") == "68")["value_label"] == "12,106"


def test_legend_and_axis_labels_use_the_language_separators():
    # The chart's number locale (charts/locale.py) sets the separators; rendered here as the browser renders
    # it: 40.000 in Vietnamese and 40,000 in English; values beside the bars 10,5% and 10.5%; axis labels with
    # no trailing zeros (20%, not 20,0%; 0,2 not 0,2000).
    import re

    from charts.render import chart_svg

    frame = _province_frame().assign(fiveg_coverage_pct=lambda f: 10 + f.index % 20 + 0.5,
                                     dti=lambda f: 0.36 + f.index / 100)
    labels, counts, scores = {}, {}, {}
    for lang in ("vi", "en"):
        bars = maps.ranked_bars(frame, "fiveg_coverage_pct", "5G", lang, decimals=1, percent=True)
        labels[lang] = set(re.findall(r">([0-9][0-9.,]*%)</text>", chart_svg(bars, lang, font_scale=1.0)))
        bars = maps.ranked_bars(frame, "fiveg_stations", "5G", lang)
        counts[lang] = set(re.findall(r">([0-9][0-9.,]*)</text>", chart_svg(bars, lang, font_scale=1.0)))
        bars = maps.ranked_bars(frame, "dti", "DTI", lang, decimals=4, percent=False)
        scores[lang] = set(re.findall(r">([0-9][0-9.,]*)</text>", chart_svg(bars, lang, font_scale=1.0)))
    assert "10,5%" in labels["vi"] and "10.5%" in labels["en"]
    assert "20%" in labels["vi"] and "20,0%" not in labels["vi"]
    assert "40.000" in counts["vi"] and "40,000" in counts["en"]
    assert not any("." in label for label in labels["vi"])
    assert "0,6900" in scores["vi"] and "0,2" in scores["vi"] and "0,2000" not in scores["vi"]


def test_missing_provinces_are_grey_and_the_projection_does_not_depend_on_the_data():
    full = maps.province_choropleth(_province_frame(), "fiveg_stations", "5G", "vi").to_dict()
    partial = maps.province_choropleth(_province_frame(missing=("01", "68")), "fiveg_stations", "5G", "vi").to_dict()
    for spec in (full, partial):
        colour = spec["layer"][0]["encoding"]["color"]
        assert colour["value"] == maps.NO_DATA_COLOUR
        assert "isValid" in colour["condition"]["test"]
    projections = [node["projection"] for spec in (full, partial) for node in _walk(spec) if "projection" in node]
    assert projections and all(p == {"type": "mercator", "fit": maps.NATIONAL_EXTENT} for p in projections)


def test_lower_is_better_reverses_the_scheme_and_the_attribution_is_shown():
    spec = maps.province_choropleth(_province_frame("overdue_rate"), "overdue_rate", "Tỷ lệ quá hạn", "vi",
                                      higher_is_better=False).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["condition"]["scale"]
    assert scale["reverse"] is True and scale["scheme"]
    assert "Natural Earth" in " ".join(spec["title"]["subtitle"])
    english = maps.province_choropleth(_province_frame(), "fiveg_stations", "5G", "en").to_dict()
    # on lines a phone holds
    assert english["title"]["subtitle"] == ["Boundaries: Natural Earth (public domain), adapted; codes:", "GSO"]


def test_hoang_sa_and_truong_sa_are_drawn():
    spec = maps.province_choropleth(_province_frame(), "fiveg_stations", "5G", "vi").to_dict()
    island_codes = {row["code"] for rows in _datasets(spec) for row in rows if "lon" in row and "code" in row}
    assert island_codes == {"48", "56"}  # Đà Nẵng, Khánh Hòa
    labels = {row["label"] for rows in _datasets(spec) for row in rows if "label" in row}
    assert labels == {"QĐ. Hoàng Sa", "QĐ. Trường Sa"}


def test_commune_points_and_ranked_bars_convert():
    communes = pd.DataFrame([{"code": u.code, "name": u.name, "lat": u.lat, "lon": u.lon,
                              "fiveg_stations": None if i % 5 == 0 else i} for i, u in enumerate(LAM_DONG_COMMUNES)])
    spec = maps.commune_points(communes, "fiveg_stations", "Trạm 5G", "vi").to_dict()
    assert [f["code"] for f in _geo_values(spec)] == ["68"]  # the province's outline, found from the commune codes
    assert any(r["value_label"] == "Chưa có số liệu" for r in _dataset_rows(spec))
    json.dumps(spec)

    bars = maps.ranked_bars(_province_frame(), "fiveg_stations", "Trạm 5G", "vi", top=5).to_dict()
    rows = [r for r in _dataset_rows(bars) if "rank" in r]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["fiveg_stations"] == max(r["fiveg_stations"] for r in rows)


def test_selected_code_reads_what_streamlit_returns():
    assert maps.selected_code({"selection": {"unit": [{"code": "68"}]}}) == "68"
    assert maps.selected_code({"selection": {"unit": []}}) is None
    assert maps.selected_code({"selection": {"unit": {}}}) is None
    assert maps.selected_code(None) is None


def test_choropleth_renders_to_png(tmp_path):
    vl_convert = pytest.importorskip("vl_convert")
    chart = maps.province_choropleth(_province_frame(missing=("68",)), "fiveg_stations", "Số trạm 5G", "vi",
                                       selected_code="01")
    png = vl_convert.vegalite_to_png(chart.to_dict(), scale=1)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    (tmp_path / "choropleth.png").write_bytes(png)
    image = pytest.importorskip("PIL.Image").open(tmp_path / "choropleth.png").convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 24)}
    assert (0xD9, 0xD9, 0xD9) in colours  # Lâm Đồng, without data, is grey
    assert image.size[1] > image.size[0]  # a tall country


def _colour_scale(spec: dict) -> dict:
    return next(node["condition"]["scale"] for node in _walk(spec)
                if isinstance(node, dict) and isinstance(node.get("condition"), dict)
                and "scale" in node["condition"])


def test_a_province_at_100_but_one_commune_gets_two_colours_the_low_one_on_top():
    """Lâm Đồng's quality: every commune at 100 but one at 75 is two colour classes (not a gradient where the one low
    unit is near-white), labelled by their values, from the part of the scheme that shows on the map's grey, and the
    rare commune is drawn last (on top of its neighbours)."""
    communes = pd.DataFrame([{"code": u.code, "name": u.name, "lat": u.lat, "lon": u.lon,
                              "value": 75.0 if i == 3 else 100.0} for i, u in enumerate(LAM_DONG_COMMUNES)])
    spec = maps.commune_points(communes, "value", "Điểm chung", "vi", decimals=1, percent=False).to_dict()
    scale = _colour_scale(spec)
    assert scale["domain"] == ["75,0", "100,0"]
    assert scale["scheme"]["count"] == 2 and scale["scheme"]["extent"] == maps.CLASS_EXTENT
    points = [row for row in _dataset_rows(spec) if "colour_class" in row]
    assert points[-1]["value"] == 75.0 and points[-1]["colour_class"] == "75,0"
    assert {row["colour_class"] for row in points[:-1]} == {"100,0"}
    assert maps.quantile_breaks(pd.Series([100.0] * 5)) == []  # one value: nothing to tell apart


def test_ranked_bars_beside_a_map_take_its_colour_classes():
    """The bars shown (the first and last of the units) coloured by the classes of every unit, as the map is: the
    same unit has the same colour in both."""
    frame = _province_frame()
    shown = pd.concat([frame.head(3), frame.tail(3)])
    bars = maps.ranked_bars(shown, "fiveg_stations", "5G", "vi", class_values=frame["fiveg_stations"]).to_dict()
    whole = maps.province_choropleth(frame, "fiveg_stations", "5G", "vi").to_dict()
    assert _colour_scale(bars)["domain"] == _colour_scale(whole)["domain"]
    classes = {row["code"]: row["colour_class"] for row in _dataset_rows(whole) if "colour_class" in row}
    assert all(classes[row["code"]] == row["colour_class"] for row in _dataset_rows(bars) if "colour_class" in row)
    own = maps.ranked_bars(shown, "fiveg_stations", "5G", "vi").to_dict()  # without: the bars' own classes
    assert _colour_scale(own)["domain"] != _colour_scale(whole)["domain"]
