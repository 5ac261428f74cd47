"""The provinces' geometry for the maps: the 34 province shapes (GeoJSON shipped with data_loaders/units/geo),
the archipelagos' islands as points, bounding boxes, and which province a commune belongs to."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from data_loaders.units.divisions import all_units

GEOJSON_PATH = Path(__file__).resolve().parent.parent / "data_loaders" / "units" / "geo" / "vn_provinces_2025.geojson"
# The fixed extent the national map is fitted to: the mainland, Hoàng Sa and Trường Sa. Fitting to
# a fixed extent (not to the data) keeps the map from jumping between renders and across indicators.
NATIONAL_EXTENT = {"type": "Feature", "properties": {},
                   "geometry": {"type": "MultiPoint", "coordinates": [[102.1, 8.2], [117.9, 23.4]]}}
ISLANDS_EAST_OF = 110.5  # longitude: the parts of Đà Nẵng (48) and Khánh Hòa (56) that are archipelagos


@functools.cache
def province_shapes() -> tuple[dict, ...]:
    """The 34 province features, each with our two-digit `code` and the `name` at the top level
    (GeoJSON allows foreign members) so the charts join and select on `code` directly."""
    with open(GEOJSON_PATH, encoding="utf-8") as handle:
        collection = json.load(handle)
    features = []
    for feature in collection["features"]:
        code = "%02d" % int(feature["properties"]["code"])
        features.append({
            "type": "Feature",
            "code": code,
            "geo_name": feature["properties"]["name"],
            "properties": {"code": code, "name": feature["properties"]["name"]},
            # Coordinates as nested tuples: Altair deep-copies lists when it builds a layered chart
            # and walks them when it serializes, which took about a second for this geometry;
            # tuples pass through both untouched (and serialize to the same JSON arrays).
            "geometry": {"type": feature["geometry"]["type"],
                         "coordinates": _frozen(feature["geometry"]["coordinates"])},
        })
    return tuple(features)


def bounds(coordinates: Any) -> list[list[float]]:
    """[[west, south], [east, north]] of nested GeoJSON coordinates."""
    points: list[tuple[float, float]] = []

    def walk(item: Any) -> None:
        if isinstance(item[0], (int, float)):
            points.append((item[0], item[1]))
        else:
            for child in item:
                walk(child)

    walk(coordinates)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [[min(xs), min(ys)], [max(xs), max(ys)]]


def _frozen(coordinates: Any) -> Any:
    return tuple(_frozen(item) for item in coordinates) if isinstance(coordinates, list) else coordinates


@functools.cache
def island_points() -> tuple[dict, ...]:
    """One point per island of Hoàng Sa (part of feature 48) and Trường Sa (part of 56): at national
    scale their polygons are a pixel wide, so they are drawn as dots in their province's colour."""
    points = []
    for feature in province_shapes():
        geometry = feature["geometry"]
        if geometry["type"] != "MultiPolygon":
            continue
        for polygon in geometry["coordinates"]:
            ring = polygon[0]
            lon, lat = sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
            if lon > ISLANDS_EAST_OF:
                points.append({"code": feature["code"], "geo_name": feature["geo_name"],
                               "lon": round(lon, 4), "lat": round(lat, 4)})
    return tuple(points)


@functools.cache
def province_of_commune() -> dict[str, str]:
    return {unit.code: unit.province_code for unit in all_units() if unit.level == "commune"}
