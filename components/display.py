"""Putting a chart on the page in the user's number format, with PNG and SVG downloads."""

from __future__ import annotations

from typing import Any, Callable

import altair as alt
import streamlit as st
from streamlit import dataframe_util
from streamlit.elements.vega_charts import _is_geojson_or_topojson_payload

from charts.locale import localized
from charts.static_geometry import served_urls
from components import cached
from components.exports import chart_downloads
from components.state import language

__all__ = ["localized", "page_spec", "show_chart", "show_chart_of"]


def show_chart(chart: alt.TopLevelMixin, *, name: str | None = None, key: str | None = None, **kwargs):
    """The chart with the user's number locale, and (when `name` is given: the chart's title in the user's
    language, used for the file name) its image downloads. Returns the selection event if any."""
    lang = language()
    return _show(page_spec(localized(chart, lang).to_dict(validate=False)), lambda: chart, lang, name, key, kwargs)


def show_chart_of(builder: Callable[..., alt.TopLevelMixin], args: tuple, builder_kwargs: dict | None = None, *,
                  name: str | None = None, key: str | None = None, **kwargs):
    """`show_chart(builder(*args, **builder_kwargs))`, the chart's Vega-Lite spec kept for the same arguments
    at the same data version: building and converting a chart was the larger part of a view's CPU, and the
    builders (charts/) are pure. For arguments that are plain data (figures, their lists and dicts)."""
    lang = language()
    chosen = tuple(sorted((builder_kwargs or {}).items()))
    spec = _spec(f"{builder.__module__}.{builder.__qualname__}", cached.digest(args, chosen), lang,
                 cached.data_version(), builder, args, chosen)
    return _show(spec, lambda: builder(*args, **dict(chosen)), lang, name, key, kwargs)


@st.cache_data(show_spinner=False, max_entries=1000)
def _spec(builder_name: str, arguments: str, lang: str, version: int, _builder: Callable[..., alt.TopLevelMixin],
          _args: tuple, _builder_kwargs: tuple) -> dict:
    # Keyed on the arguments' digest (cached.digest: a chart's data hashed by st.cache_data cost more than its
    # spec read back). The data version is in the key because a builder may read the indicator catalogue.
    return page_spec(localized(_builder(*_args, **dict(_builder_kwargs)), lang).to_dict(validate=False))


def page_spec(spec: dict) -> dict:
    """A chart's spec as a page sends it (changed in place): tables as the Arrow bytes st.vega_lite_chart sends
    (it passes bytes through as they are: converted once when the spec is kept, not on every run, and a cached
    copy of bytes is cheaper to read back than rows of dicts); the large constant geometry loaded by URL from a
    static file the browser caches (charts.static_geometry: st.vega_lite_chart serialized its 363 KB twice on
    every run, and sent it to every viewer); other GeoJSON inline, where Vega-Lite reads it."""
    datasets = spec.get("datasets", {})
    served = served_urls()
    by_url = {name: served[name] for name in datasets if name in served}
    for name in by_url:
        del datasets[name]
    for name, values in datasets.items():
        if not _is_geojson_or_topojson_payload(values):
            datasets[name] = dataframe_util.convert_anything_to_arrow_bytes(values)
    if by_url:
        _load_by_url(spec, by_url)
    return spec


def _load_by_url(node: Any, urls: dict[str, str]) -> None:
    """Each view's `data: {"name": N}` of a dataset in `urls` -> `data: {"url": ..., "format": {"type": "json"}}`
    (a JSON array of features, as the dataset held), in the layers and concatenated views at any depth. Data
    itself (`datasets`, inline `values`) is not walked."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and data.keys() == {"name"} and data["name"] in urls:
            node["data"] = {"url": urls[data["name"]], "format": {"type": "json"}}
        for key, value in node.items():
            if key not in ("datasets", "values"):
                _load_by_url(value, urls)
    elif isinstance(node, list):
        for item in node:
            _load_by_url(item, urls)


def _show(spec: dict, chart: Callable[[], alt.TopLevelMixin], lang: str, name: str | None, key: str | None,
          kwargs: dict[str, Any]):
    # The spec is converted here without a second schema check (the chart tests check every builder's), and
    # shown as Vega-Lite: st.altair_chart would convert and check it again on every run.
    kwargs.setdefault("width", "stretch")
    event = st.vega_lite_chart(spec, key=key, **kwargs)
    if name:
        chart_downloads(lambda fmt: page_chart_image(chart(), lang, fmt), name=name, key=key or f"chart::{name}")
    return event


def page_chart_image(chart: alt.TopLevelMixin, lang: str, fmt: str) -> bytes:
    """The chart as the page shows it (the deck's renderer at the page's type size) in PNG or SVG."""
    from charts import render  # only when someone downloads: vl-convert and the font load on first use

    if fmt == "png":
        return render.chart_png(chart, lang, width=render.PAGE_CHART_WIDTH, font_scale=1.0)
    return render.chart_svg(chart, lang, width=render.PAGE_CHART_WIDTH, font_scale=1.0).encode("utf-8")
