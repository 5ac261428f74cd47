"""Map and ranking chart builders: pure functions that return `alt.Chart`.

No SQL and no Streamlit calls here, so the same chart goes on a page, into a PNG for a deck
(vl-convert) and into a test that inspects its spec. Every chart carries a point selection named
`unit` on the field `code`; on a page,

    event = st.altair_chart(chart, on_select="rerun", key="province_map")
    clicked = event.selection["unit"]   # [] or [{"code": "68"}]

gives the code of the clicked province or commune (see `selected_code`).

Numbers in tooltips are formatted in Python with the i18n catalogue (12.106 in Vietnamese,
12,106 in English); legend and axis labels use the same separators through a Vega label expression.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from charts.build import finished
from charts.geometry import NATIONAL_EXTENT, bounds, island_points, province_of_commune, province_shapes
from charts.theme import FIT_WIDTH, fitting_title, wrapping_legend  # (importing charts.theme enables the "nq57" theme)
from data_loaders import i18n
from data_loaders.store.catalogue import INDICATOR_BY_CODE

SELECTION = "unit"  # the selection parameter every chart here carries, on the field `code`
COLOUR_FIELD = "colour_value"
CLASS_FIELD = "colour_class"  # the value's colour class, as its legend label
NO_DATA_COLOUR = "#d9d9d9"
OUTLINE_COLOUR = "#ffffff"
HIGHLIGHT_COLOUR = "#222222"
DEFAULT_SCHEME = "yellowgreenblue"
MAP_WIDTH = 420  # a floor: on a page the map stretches to its column (at least half the content width)
MAP_HEIGHT = 700  # the map's height where it has no container to follow (an exported image: `width` × aspect)
# On a page the map's box is as tall as its width needs (the extent's aspect in Mercator: about 1.0 for the
# country), between these: with a fixed 700 px a phone's 370-px-wide map sat in a band of white above and
# below, and at 1920 px the height, not the column, set the map's size (a third of the content's width).
MAP_MIN_HEIGHT, MAP_MAX_HEIGHT = 240, 1000
QUANTILE_CLASSES = 5  # colours of a map: about the same number of units in each
# The part of a sequential scheme the colours are taken from: its palest quarter (near-white yellow) is left out,
# so the lowest class still shows on the map's grey and a page's white (Lâm Đồng's one commune at 75 among 100s).
SCHEME_EXTENT = [0.25, 1.0]
# ... for colour classes, where Vega takes each class's colour from the middle of its share of the extent: two
# classes are light green and blue (from [0.25, 1]: teal and blue, too alike), five start at a pale green
CLASS_EXTENT = [0.1, 1.0]
# px² of a commune's point, the same for every commune: the colour tells the value. (Sized by value too, the one
# commune at 75 among a hundred at 100 was the smallest point, 7 px across, and the hardest to see.)
POINT_SIZE = 170
POINT_OUTLINE = "#4d4d4d"  # around a commune's point: a pale one stands out from the province's grey
LEGEND_TITLE_LIMIT = 900  # px: a legend title such as "Tỷ lệ dân số được phủ sóng 5G (%)" is never cut
# Names beside ranked bars: 60% of a narrow chart (a phone, a third of a screen), cut with "…" past it (the
# tooltip has the name in full); 260 px where the chart is wide or has no container (an exported image).
# "Phường Xuân Hương - Đà Lạt" (about 170 px) is whole in the map page's column at 1280 px.
NAME_LIMIT_EXPR = "containerSize()[0] > 0 ? clamp(containerSize()[0] * 0.6, 90, 260) : 260"
ARCHIPELAGO_LABELS = (("map_hoang_sa", 112.0, 17.45), ("map_truong_sa", 114.9, 11.75))


# --- formatting -------------------------------------------------------------------------------


def _value_format(value_field: str, decimals: int | None, percent: bool | None) -> tuple[int, bool]:
    indicator = INDICATOR_BY_CODE.get(value_field)
    if percent is None:
        percent = bool(indicator and indicator.unit_en == "%") or value_field.endswith(("_pct", "_rate"))
    if decimals is None:
        decimals = indicator.decimals if indicator else (1 if percent else 0)
    return decimals, percent


def format_value(value: Any, lang: str, decimals: int, percent: bool) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return i18n.t("map_no_data", lang)
    if percent:
        return i18n.format_percent(float(value), lang, decimals)
    return i18n.format_number(value, lang, decimals)


def number_label_expr(lang: str, decimals: int = 0, percent: bool = False) -> str:
    """A Vega expression formatting `datum.value` for legend and axis labels, at most `decimals` decimals and
    no trailing zeros (an axis of DTI scores reads 0 … 0,6, not 0,0000 … 0,6000). The separators come
    from the number locale every chart carries (charts/locale.py): 12.106,5 in Vietnamese."""
    expr = f"format(datum.value, ',.{decimals}~f')"
    return f"{expr} + '%'" if percent else expr


def _labelled(frame: pd.DataFrame, value_field: str, lang: str, decimals: int, percent: bool) -> pd.DataFrame:
    frame = frame.copy()
    frame["code"] = frame["code"].astype(str)
    frame[value_field] = pd.to_numeric(frame[value_field], errors="coerce").astype(float)
    frame["value_label"] = [format_value(v, lang, decimals, percent) for v in frame[value_field]]
    return frame


def _tooltip_columns(frame: pd.DataFrame, value_field: str,
                     tooltip: Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Extra tooltip columns: those given as (column, title), else every other column of the frame
    (pre-formatted strings, titled by their column name)."""
    if tooltip is not None:
        return list(tooltip)
    reserved = {"code", "name", value_field, "value_label", "lat", "lon"}
    return [(column, column) for column in frame.columns if column not in reserved]


def _tooltips(name_title: str, value_title: str, extra: list[tuple[str, str]]) -> list[alt.Tooltip]:
    return [alt.Tooltip("name:N", title=name_title), alt.Tooltip("value_label:N", title=value_title),
            *(alt.Tooltip(f"{column}:N", title=title) for column, title in extra)]


def _title(title: str, lang: str, attribution: bool) -> alt.Title:
    if attribution:
        return fitting_title(title, subtitle=i18n.t("map_attribution", lang), anchor="start",
                             subtitleFontSize=10, subtitleColor="#666666")
    return fitting_title(title, anchor="start")


def _selection() -> alt.Parameter:
    return alt.selection_point(name=SELECTION, fields=["code"], on="click", clear="dblclick", toggle=False)


def _domain(values: pd.Series) -> list[float]:
    """The data's [min, max], set explicitly: the colour scale does not depend on the placeholder
    that units without a value carry (see `_fill`), and is the same on every layer."""
    values = values.dropna()
    if values.empty:
        return [0.0, 1.0]
    low, high = float(values.min()), float(values.max())
    return [low, high] if high > low else [low - 1, high + 1]


def _distinct(values: pd.Series, decimals: int) -> list[float]:
    """The different values as they are shown (rounded to `decimals`), lowest first."""
    values = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    return sorted({round(float(value), decimals) for value in values})


def quantile_breaks(values: pd.Series, classes: int = QUANTILE_CLASSES, decimals: int = 9) -> list[float]:
    """Class breaks that put about the same number of units in each colour (quantiles), rounded to the
    decimals the value is shown with, distinct and inside the data's range, so units at 94–100 are told
    apart. With no more different values than classes, a class for each value (a province's communes all at 100
    but one at 75: two colours, not a gradient where the one low unit is pale); [] when every unit has the same
    value (the scale is then continuous)."""
    distinct = _distinct(values, decimals)
    if len(distinct) < 2:
        return []
    if len(distinct) <= classes:
        return distinct[1:]
    values = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    low, high = float(values.min()), float(values.max())
    cuts = (round(float(values.quantile(i / classes)), decimals) for i in range(1, classes))
    return sorted({cut for cut in cuts if low < cut <= high})


def class_labels(breaks: list[float], lang: str, decimals: int, percent: bool) -> list[str]:
    """The legend's label of each class: "< 95,0%", "95,0–96,4%", …, "≥ 99,4%"."""
    def text(value: float) -> str:
        return format_value(value, lang, decimals, percent)

    def between(low: float, high: float) -> str:  # [low, high): a whole number alone when it is one
        return text(low) if decimals == 0 and high - low == 1 else f"{text(low)}–{text(high)}"

    return ([f"< {text(breaks[0])}"] + [between(a, b) for a, b in zip(breaks, breaks[1:])]
            + [f"≥ {text(breaks[-1])}"])


def _has_value(field: str) -> str:
    return f"isValid(datum[{json.dumps(field)}]) && isFinite(datum[{json.dumps(field)}])"


def _placeholder_expr(value_field: str, domain: list[float]) -> str:
    """`COLOUR_FIELD`: the value, or a placeholder inside the domain for units without one. Vega-Lite 6
    drops marks (or paints them with the scale's minimum) whose colour field is null, so the colour
    reads this always-valid field and a condition on the real value paints the rest grey."""
    return f"{_has_value(value_field)} ? datum[{json.dumps(value_field)}] : {domain[0]!r}"


def _classes(values: pd.Series, lang: str, decimals: int, percent: bool,
             breaks: list[float] | None = None) -> list[str]:
    """The colour classes of a chart's values (`quantile_breaks`), as their legend labels: the values themselves
    when each class holds one ("75,0", "100,0"); [] when the values cannot be split (the scale is then continuous)."""
    breaks = quantile_breaks(values, decimals=decimals) if breaks is None else breaks  # (given: computed once)
    if not breaks:
        return []
    distinct = _distinct(values, decimals)
    if len(distinct) <= QUANTILE_CLASSES:
        return [format_value(value, lang, decimals, percent) for value in distinct]
    return class_labels(breaks, lang, decimals, percent)


def _class_of(value: Any, breaks: list[float], names: list[str], decimals: int) -> str:
    """The class label of a value as shown (rounded to `decimals`, as the breaks are; [low, high) as a threshold
    scale splits), the first for no value."""
    if value is None or pd.isna(value):
        return names[0]
    return names[bisect.bisect_right(breaks, round(float(value), decimals))]


def _fill(data: pd.DataFrame, value_field: str, legend_title: str, lang: str, decimals: int, percent: bool,
          higher_is_better: bool, scheme: str, legend: bool = True,
          basis: pd.Series | None = None, breaks: list[float] | None = None) -> alt.ColorValue:
    """The colour channel: a sequential scheme (reversed where lower is better) in quantile classes of
    the value (a continuous scale when the values cannot be split), grey where there is none. Reads
    `CLASS_FIELD` (`_with_placeholder`), or `COLOUR_FIELD` for a continuous scale (see `_placeholder_expr`).
    `basis`: the values the classes are cut from (all the units, where the chart shows some of them); `breaks`:
    their `quantile_breaks`, when the builder has them."""
    basis = data[value_field] if basis is None else basis
    names = _classes(basis, lang, decimals, percent, breaks)
    if names:
        # The classes as an ordered field: its legend is a square and a label per class, wrapped onto as many
        # rows as the chart's width needs. (A threshold scale's legend is a gradient in Vega, which showed
        # two of five labels at 1280 px; one row of five symbols ran past a province map's edge.)
        scale = alt.Scale(domain=names, reverse=not higher_is_better,
                          scheme=alt.SchemeParams(name=scheme, count=len(names), extent=CLASS_EXTENT))
        legend_spec = wrapping_legend(names, title=legend_title, symbolType="square", symbolSize=120,
                                      orient="bottom", direction="horizontal", titleLimit=LEGEND_TITLE_LIMIT)
        colour = {"field": CLASS_FIELD, "type": "ordinal", "sort": names}
    else:
        scale = alt.Scale(scheme=alt.SchemeParams(name=scheme, extent=SCHEME_EXTENT), reverse=not higher_is_better,
                          domain=_domain(basis))
        legend_spec = alt.Legend(title=legend_title, labelExpr=number_label_expr(lang, decimals, percent),
                                 orient="bottom", direction="horizontal", gradientLength=220,
                                 titleLimit=LEGEND_TITLE_LIMIT, **({"tickMinStep": 1} if decimals == 0 else {}))
        colour = {"field": COLOUR_FIELD, "type": "quantitative"}
    # Built as the channel object Altair would make of `alt.when(...).then(alt.Color(...)).otherwise(...)`: that
    # chain is a dict which `encode` turns back into classes by trying each against the schema (a third of a
    # map's build)
    return alt.ColorValue(NO_DATA_COLOUR, condition=alt.ConditionalPredicateMarkPropFieldOrDatumDef(
        test=_has_value(value_field), scale=scale, legend=legend_spec if legend else None, **colour))


def _with_placeholder(data: pd.DataFrame, value_field: str, lang: str, decimals: int,
                      percent: bool, basis: pd.Series | None = None,
                      breaks: list[float] | None = None) -> pd.DataFrame:
    """`COLOUR_FIELD` and `CLASS_FIELD` of each row: always valid (see `_placeholder_expr`); the classes cut from
    `basis` (default: the rows' values)."""
    basis = data[value_field] if basis is None else basis
    breaks = quantile_breaks(basis, decimals=decimals) if breaks is None else breaks
    names = _classes(basis, lang, decimals, percent, breaks)
    return data.assign(**{COLOUR_FIELD: data[value_field].fillna(_domain(basis)[0]),
                          CLASS_FIELD: [_class_of(value, breaks, names, decimals) if names else ""
                                        for value in data[value_field]]})


def _outline(channel: type[alt.StrokeValue | alt.StrokeWidthValue], selected_code: str | None,
             selection: alt.Parameter, normal: Any, highlight: Any) -> alt.StrokeValue | alt.StrokeWidthValue:
    """An outline channel (`alt.StrokeValue` or `alt.StrokeWidthValue`): `highlight` for the current unit
    (`selected_code`) and for a clicked one, `normal` otherwise. (The channel object, not the dict: `encode` would
    find its class by trying each against the schema.)"""
    conditions: list[dict] = [{"param": selection.name, "empty": False, "value": highlight}]
    if selected_code:
        conditions.insert(0, {"test": f"datum.code === {json.dumps(str(selected_code))}", "value": highlight})
    return channel(normal, condition=conditions)


# Geometry the maps read by name (`_geometry`): the dataset's name -> its features
_GEOMETRY: dict[str, tuple[dict, ...]] = {}
_GEOMETRY_NAMES: dict[int, tuple[tuple[dict, ...], str]] = {}  # id of the features -> (the features, their name)


def _geometry(features: tuple[dict, ...]) -> alt.NamedData:
    """Constant geometry (the province shapes, the islands, a province's outline: tuples cached for the process)
    as a dataset a layer names, under the name Altair gives it inline (a hash of its JSON); `_MapLayers` puts it
    in the spec's top-level `datasets`. The spec is the one inline geometry gave, without Altair walking the
    shapes in every copy of the chart and serializing them twice per chart to hash them (the dataset's name and
    the view's)."""
    known = _GEOMETRY_NAMES.get(id(features))
    if known is None or known[0] is not features:
        values = list(features)
        digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]
        known = _GEOMETRY_NAMES[id(features)] = (features, "empty" if values == [{}] else f"data-{digest}")
        _GEOMETRY[known[1]] = features  # (the name as altair.vegalite.v6.api._dataset_name gives it)
    return alt.NamedData(name=known[1])


class _MapLayers(alt.LayerChart):
    """A map's layers: a layer chart whose layers may read `_geometry` by name, added to the spec's `datasets`
    (as lists, as inline data is) when the chart is converted, also as part of a larger chart."""

    def to_dict(self, validate: bool = True, *, context: dict[str, Any] | None = None, **kwargs: Any) -> dict:
        context = {} if context is None else context
        datasets = context.setdefault("datasets", {})
        for layer in self.layer:
            data = layer._get("data")
            if isinstance(data, alt.NamedData) and data.name in _GEOMETRY:
                datasets.setdefault(data.name, list(_GEOMETRY[data.name]))
        return super().to_dict(validate, context=context, **kwargs)


def served_geometry() -> dict[str, tuple[dict, ...]]:
    """The constant geometry worth loading by URL on a page (charts.static_geometry), by its dataset name: the 34
    province shapes (363 KB of JSON in every national map's spec). A province's outline (5–25 KB) and the
    islands (2 KB) stay inline: a request of their own would cost about what they weigh."""
    shapes = province_shapes()
    return {_geometry(shapes).name: shapes}


def selected_code(event: Any) -> str | None:
    """The code a chart click selected, from what `st.altair_chart(on_select="rerun")` returns:
    {"selection": {"unit": [{"code": "68"}]}} (an empty list or dict when nothing is selected)."""
    try:
        points = event["selection"][SELECTION]
    except (KeyError, TypeError):
        return None
    if isinstance(points, Mapping):  # defensive: {"code": ["68"]} in some renderer versions
        values = points.get("code")
        return str(values[0]) if values else None
    for point in points or []:
        if isinstance(point, Mapping) and point.get("code") is not None:
            return str(point["code"])
    return None


# --- charts -----------------------------------------------------------------------------------


def province_choropleth(
    frame: pd.DataFrame,
    value_field: str,
    title: str,
    lang: str = i18n.DEFAULT_LANGUAGE,
    selected_code: str | None = None,
    *,
    higher_is_better: bool = True,
    legend_title: str | None = None,
    decimals: int | None = None,
    percent: bool | None = None,
    tooltip: Sequence[tuple[str, str]] | None = None,
    scheme: str = DEFAULT_SCHEME,
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
) -> alt.LayerChart:
    """The 34 provinces coloured by `value_field` of `frame` (columns code, name, value_field and
    optional tooltip columns). Provinces missing from the frame, or with no value, are grey.
    Hoàng Sa (Đà Nẵng) and Trường Sa (Khánh Hòa) are drawn with a thick outline in their province's
    colour and labelled, so they show at national scale."""
    decimals, percent = _value_format(value_field, decimals, percent)
    data = _labelled(frame, value_field, lang, decimals, percent)
    extra = _tooltip_columns(data, value_field, tooltip)
    breaks = quantile_breaks(data[value_field], decimals=decimals)  # the colour classes' (once: pandas quantiles)
    data = _with_placeholder(data, value_field, lang, decimals, percent, breaks=breaks)
    placeholder_class = (_classes(data[value_field], lang, decimals, percent, breaks) or [""])[0]
    lookup_fields = ["name", value_field, "value_label", CLASS_FIELD, *(column for column, _ in extra)]
    lookup = alt.LookupData(data[["code", *lookup_fields]], key="code", fields=lookup_fields)
    selection = _selection()
    fill = _fill(data, value_field, legend_title or title, lang, decimals, percent, higher_is_better, scheme,
                 breaks=breaks)
    tooltips = _tooltips(i18n.t("map_province", lang), legend_title or title, extra)
    projection = alt.Projection(type="mercator", fit=NATIONAL_EXTENT)

    def joined(features: tuple[dict, ...]) -> alt.Chart:
        return (
            alt.Chart(_geometry(features))
            .transform_lookup(lookup="code", from_=lookup)
            .transform_calculate(
                name="isValid(datum.name) ? datum.name : datum.geo_name",
                value_label="isValid(datum.value_label) ? datum.value_label : "
                            + json.dumps(i18n.t("map_no_data", lang)),
                **{COLOUR_FIELD: _placeholder_expr(value_field, _domain(data[value_field])),
                   CLASS_FIELD: f"isValid(datum.{CLASS_FIELD}) ? datum.{CLASS_FIELD} : "
                                + json.dumps(placeholder_class, ensure_ascii=False)},
            )
        )

    provinces = (
        joined(province_shapes())
        .mark_geoshape(cursor="pointer", invalid="show")  # no value: drawn grey, not dropped
        .encode(
            color=fill,
            stroke=_outline(alt.StrokeValue, selected_code, selection, OUTLINE_COLOUR, HIGHLIGHT_COLOUR),
            strokeWidth=_outline(alt.StrokeWidthValue, selected_code, selection, 0.5, 2.5),
            tooltip=tooltips,
        )
        .add_params(selection)
    )
    # The archipelagos: dots in their province's colour (and clickable to the province).
    islands = (
        joined(island_points())
        .mark_circle(size=22, opacity=1, stroke="#ffffff", strokeWidth=0.5, cursor="pointer")
        .encode(longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"), color=fill, tooltip=tooltips)
    )
    labels = (
        alt.Chart(alt.Data(values=[
            {"lon": lon, "lat": lat, "label": i18n.t(key, lang)} for key, lon, lat in ARCHIPELAGO_LABELS]))
        .mark_text(fontSize=10, fontStyle="italic", color="#555555")
        .encode(longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"), text=alt.Text("label:N"))
    )
    # (each layer's projection set as `.project()` does, without checking it against the schema three times)
    chart = _MapLayers(layer=[finished(layer, projection=projection) for layer in (provinces, islands, labels)],
                       title=_title(title, lang, attribution=True))
    return _fitted(chart, NATIONAL_EXTENT["geometry"]["coordinates"], width, height)


def mercator_aspect(corners: Sequence[Sequence[float]]) -> float:
    """Height over width of [[west, south], [east, north]] in the Mercator projection the maps draw."""
    (west, south), (east, north) = corners[0], corners[-1]

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width = math.radians(abs(east - west))
    return abs(y(north) - y(south)) / width if width else 1.0


def _fitted(chart: alt.LayerChart, corners: Sequence[Sequence[float]], width: int, height: int) -> alt.LayerChart:
    """A map whose box is as tall as the extent needs at the width it is given (its column on a page), so the map
    fills the column's width with no band of white above or below it; title and legend add to the box's height
    (autosize "fit-x", where Streamlit's "fit" would squeeze the box into a fixed total)."""
    aspect = mercator_aspect(bounds(corners)) if corners else 1.0
    box = alt.param(name="height", expr=f"clamp(round(width * {aspect:.3f}), {MAP_MIN_HEIGHT}, {MAP_MAX_HEIGHT})")
    # what `.properties(...).add_params(box)` gives: the parameter after the selection the layers lifted
    params = [] if chart.params is alt.Undefined else list(chart.params)
    return finished(chart, width=width, height=height, autosize=FIT_WIDTH, params=[*params, box.param])


@functools.cache
def _province_outline(province: str | None) -> tuple[dict, ...]:
    return tuple(feature for feature in province_shapes() if feature["code"] == province)


def commune_points(
    frame: pd.DataFrame,
    value_field: str,
    title: str,
    lang: str = i18n.DEFAULT_LANGUAGE,
    *,
    province_code: str | None = None,
    selected_code: str | None = None,
    higher_is_better: bool = True,
    legend_title: str | None = None,
    decimals: int | None = None,
    percent: bool | None = None,
    tooltip: Sequence[tuple[str, str]] | None = None,
    scheme: str = DEFAULT_SCHEME,
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
) -> alt.LayerChart:
    """A province's communes as points (frame: code, name, lat, lon, value_field), coloured
    by value over the province's outline. Communes without coordinates are left out; without a value
    they are grey points."""
    decimals, percent = _value_format(value_field, decimals, percent)
    data = _labelled(frame, value_field, lang, decimals, percent)
    data = data[data["lat"].notna() & data["lon"].notna()]
    if province_code is None and len(frame):
        province_code = province_of_commune().get(str(frame["code"].iloc[0]).zfill(5))
    outline = _province_outline(province_code)
    corners = bounds(outline[0]["geometry"]["coordinates"]) if outline else data[["lon", "lat"]].values.tolist()
    fit = {"type": "Feature", "properties": {}, "geometry": {
        "type": "MultiPoint", "coordinates": corners or NATIONAL_EXTENT["geometry"]["coordinates"]}}
    extra = _tooltip_columns(data, value_field, tooltip)
    selection = _selection()
    breaks = quantile_breaks(data[value_field], decimals=decimals)
    fill = _fill(data, value_field, legend_title or title, lang, decimals, percent, higher_is_better, scheme,
                 breaks=breaks)
    data = _with_placeholder(data, value_field, lang, decimals, percent, breaks=breaks)
    # drawn in order: units without a value first, then the most common colour, the rarest last (on top), so one
    # commune at 75 among a hundred at 100 is not hidden under its neighbours' points
    counts = data[CLASS_FIELD].map(data[CLASS_FIELD].value_counts())
    order = [-len(data) - 1 if pd.isna(value) else -count for value, count in zip(data[value_field], counts)]
    data = data.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    base = alt.Chart(_geometry(outline)).mark_geoshape(fill="#f2f2f2", stroke="#999999", strokeWidth=0.8)
    points = (
        alt.Chart(data[["code", "name", "lat", "lon", value_field, COLOUR_FIELD, CLASS_FIELD, "value_label",
                        *(c for c, _ in extra)]])
        .mark_circle(opacity=0.9, cursor="pointer")
        .encode(
            longitude=alt.Longitude("lon:Q"),
            latitude=alt.Latitude("lat:Q"),
            color=fill,
            size=alt.SizeValue(POINT_SIZE),
            stroke=_outline(alt.StrokeValue, selected_code, selection, POINT_OUTLINE, HIGHLIGHT_COLOUR),
            strokeWidth=_outline(alt.StrokeWidthValue, selected_code, selection, 1, 2.5),
            tooltip=_tooltips(i18n.t("map_commune", lang), legend_title or title, extra),
        )
        .add_params(selection)
    )
    projection = alt.Projection(type="mercator", fit=fit)
    chart = _MapLayers(layer=[finished(layer, projection=projection) for layer in (base, points)],
                       title=_title(title, lang, attribution=True))
    return _fitted(chart, fit["geometry"]["coordinates"], width, height)


def ranked_bars(
    frame: pd.DataFrame,
    value_field: str,
    title: str,
    lang: str = i18n.DEFAULT_LANGUAGE,
    top: int | None = None,
    *,
    selected_code: str | None = None,
    higher_is_better: bool = True,
    ascending: bool = False,
    legend_title: str | None = None,
    decimals: int | None = None,
    percent: bool | None = None,
    tooltip: Sequence[tuple[str, str]] | None = None,
    scheme: str = DEFAULT_SCHEME,
    width: int = 360,
    row_height: int = 18,
    class_values: pd.Series | None = None,
) -> alt.LayerChart:
    """Units ranked by `value_field`, largest first (or smallest with `ascending`), `top` of them
    when given; units without a value go last. Same colours and selection as the maps: `class_values`, the values
    of every unit the map beside it shows (the bars being some of them), cut into the map's colour classes, so a
    unit has the same colour in both (by default the classes of the bars' own values, `top` or not)."""
    decimals, percent = _value_format(value_field, decimals, percent)
    data = _labelled(frame, value_field, lang, decimals, percent)
    data = data.sort_values(value_field, ascending=ascending, na_position="last", kind="stable")
    if top:
        data = data.head(top)
    data = data.assign(rank=range(1, len(data) + 1))
    extra = _tooltip_columns(data, value_field, tooltip)
    extra = [(column, heading) for column, heading in extra if column != "rank"]
    selection = _selection()
    basis = data[value_field] if class_values is None else pd.to_numeric(class_values, errors="coerce").astype(float)
    breaks = quantile_breaks(basis, decimals=decimals)
    fill = _fill(data, value_field, legend_title or title, lang, decimals, percent, higher_is_better, scheme,
                 legend=False, basis=basis, breaks=breaks)
    data = _with_placeholder(data, value_field, lang, decimals, percent, basis=basis, breaks=breaks)
    y = alt.Y("name:N", sort=alt.EncodingSortField(field="rank", order="ascending"), title=None,
              axis=alt.Axis(labelLimit=alt.ExprRef(NAME_LIMIT_EXPR)))
    base = alt.Chart(data[["code", "name", "rank", value_field, COLOUR_FIELD, CLASS_FIELD, "value_label",
                           *(c for c, _ in extra)]]).encode(
        y=y, tooltip=_tooltips(i18n.t("map_unit", lang), legend_title or title, extra))
    bars = base.mark_bar(cursor="pointer").encode(
        # no axis title: the chart's title names the figure (centred under a narrow plot, it ran off the edge)
        x=alt.X(f"{value_field}:Q", title=None, stack=None,  # colour classes are not stacks (nor the sort's data)
                axis=alt.Axis(labelExpr=number_label_expr(lang, decimals, percent), tickCount=4,
                              **({"tickMinStep": 1} if decimals == 0 else {}))),
        color=fill,
        stroke=alt.StrokeValue(HIGHLIGHT_COLOUR),
        strokeWidth=_outline(alt.StrokeWidthValue, selected_code, selection, 0, 2),
    ).add_params(selection)
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#333333").encode(
        x=alt.X(f"{value_field}:Q"), text=alt.Text("value_label:N"))
    # A height per band, not a total: Streamlit fits a chart with a numeric height, title and axes
    # included, into that height, which squeezed the bars.
    return finished(alt.layer(bars, labels, title=_title(title, lang, attribution=False)),
                     width=width, height=alt.Step(row_height))
