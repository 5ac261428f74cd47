"""The state every page shares: language, drill path (in the URL) and as-of date.

The drill path lives in the query string under the contract keys `province` and `commune` (GSO
codes: `?province=68&commune=24781`); `as_of` (ISO date) joins them when it is not the latest data
date. Python writes them with `st.query_params`, which pushes a browser-history entry, so a link
opens the same view and the back button steps back up the path.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import cached
from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from data_loaders.models import NATIONAL_CODE
from data_loaders.queries import UnitInfo, UnknownUnit

PROVINCE_KEY, COMMUNE_KEY, AS_OF_KEY, COMPARE_KEY = "province", "commune", "as_of", "compare"


def language() -> str:
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **params: object) -> str:
    return t(key, language(), **params)


def _unit_or_none(code: str | None, level: str) -> UnitInfo | None:
    if not code:
        return None
    try:
        unit = cached.get_unit(code)
    except UnknownUnit:
        return None
    return unit if unit.level == level else None


def drill_path() -> list[UnitInfo]:
    """The nation, then the chosen province and commune, read from the URL. Codes that name no
    unit (or a commune outside the province) are dropped from the URL rather than failing."""
    path = [cached.get_unit(NATIONAL_CODE)]
    province = _unit_or_none(st.query_params.get(PROVINCE_KEY), "province")
    commune = _unit_or_none(st.query_params.get(COMMUNE_KEY), "commune")
    if commune and province is None:
        province = cached.get_unit(commune.province_code)
    if commune and commune.province_code != province.code:
        commune = None
    if province:
        path.append(province)
    if commune:
        path.append(commune)
    _write_path(province.code if province else None, commune.code if commune else None, only_if_changed=True)
    return path


def scope() -> UnitInfo:
    """The unit every figure on the page is about: the end of the drill path."""
    return drill_path()[-1]


def _write_path(province: str | None, commune: str | None, only_if_changed: bool = False) -> None:
    wanted = {PROVINCE_KEY: province, COMMUNE_KEY: commune}
    for key, value in wanted.items():
        current = st.query_params.get(key)
        if value is None:
            if current is not None:
                del st.query_params[key]
        elif current != value or not only_if_changed:
            st.query_params[key] = value


def go_to(code: str) -> None:
    """Drill to a unit (the nation, a province or a commune), keeping the rest of the URL."""
    if code == NATIONAL_CODE:
        _write_path(None, None)
        return
    unit = cached.get_unit(code)
    if unit.level == "province":
        _write_path(unit.code, None)
    else:
        _write_path(unit.province_code, unit.code)


def as_of() -> dt.date:
    """The shared as-of date: from the URL if valid, else the latest data date."""
    latest = cached.latest_data_date() or dt.date.today()
    raw = st.query_params.get(AS_OF_KEY)
    if raw:
        try:
            chosen = dt.date.fromisoformat(raw)
        except ValueError:
            del st.query_params[AS_OF_KEY]
        else:
            return chosen
    return latest


def set_as_of(value: dt.date) -> None:
    latest = cached.latest_data_date()
    if value == latest:
        if AS_OF_KEY in st.query_params:
            del st.query_params[AS_OF_KEY]
    else:
        st.query_params[AS_OF_KEY] = value.isoformat()


def compare_date() -> dt.date | None:
    """The earlier date the figure cards compare with (`?compare=2025-03-31`), if any."""
    raw = st.query_params.get(COMPARE_KEY)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        del st.query_params[COMPARE_KEY]
        return None


def set_compare_date(value: dt.date | None) -> None:
    if value is None:
        if COMPARE_KEY in st.query_params:
            del st.query_params[COMPARE_KEY]
    else:
        st.query_params[COMPARE_KEY] = value.isoformat()


def on_chart_select(key: str) -> None:
    """Callback for a chart whose selection param "unit" carries unit codes: drill into the click."""
    event = st.session_state.get(key)
    selection = (event or {}).get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", {})
    points = selection.get("unit") if isinstance(selection, dict) else None
    if points:
        code = points[0].get("code") if isinstance(points[0], dict) else None
        if code and code != NATIONAL_CODE:
            try:
                go_to(str(code))
            except UnknownUnit:
                pass
