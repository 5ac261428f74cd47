"""The state every page shares: language, drill path (in the URL) and as-of date.

The language is in the query string too (`?lang=en`; Vietnamese, the default, is left out unless
the link names it), so a reload, a new tab and a shared link open in it. A signed-in account
remembers the language it last chose; a sign-in opens in it unless the link says otherwise.

The drill path lives in the query string under the contract keys `province` and `commune` (GSO
codes: `?province=68&commune=24781`); `as_of` (ISO date) joins them when it is not the latest data
date. Python writes them with `st.query_params`, which pushes a browser-history entry, so a link
opens the same view and the back button steps back up the path.

The path is clamped to the unit the signed-in person may view (app.py sets it on every run from
`data_loaders.access.viewable_scope`): a viewer of one province who edits the URL to another lands
on their own province, with a message, and the path starts at their unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from components import cached
from data_loaders.figures.scope import UnitInfo, UnknownUnit
from data_loaders.figures.views import AS_OF_KEY, COMMUNE_KEY, COMPARE_KEY, LANG_KEY, PROVINCE_KEY
from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from data_loaders.identity import accounts
from data_loaders.store.models import NATIONAL_CODE


def language() -> str:
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **params: object) -> str:
    return t(key, language(), **params)


_LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
_LANGUAGE_APPLIED_FOR = "_nq57_language_account"  # the signed-in username whose language has been applied


def language_from_url() -> None:
    """First thing in every run: the link's `lang` (opened, reloaded, shared, or the back button)
    decides the language; an unknown value is dropped from the URL."""
    wanted = st.query_params.get(LANG_KEY)
    if wanted in LANGUAGES:
        st.session_state["lang"] = wanted
    elif wanted is not None:
        del st.query_params[LANG_KEY]


def apply_account_language(username: str | None) -> None:
    """Once per sign-in: the language the account remembers, unless the link names one."""
    if username is None:
        st.session_state.pop(_LANGUAGE_APPLIED_FOR, None)
        return
    if st.session_state.get(_LANGUAGE_APPLIED_FOR) == username:
        return
    st.session_state[_LANGUAGE_APPLIED_FOR] = username
    if st.query_params.get(LANG_KEY) in LANGUAGES:
        return
    remembered = accounts.account_language(username, engine=cached.engine())
    if remembered in LANGUAGES:
        st.session_state["lang"] = remembered


def keep_language_in_url() -> None:
    """The language in the URL whenever it is not the default (a link that names Vietnamese keeps it)."""
    lang, current = language(), st.query_params.get(LANG_KEY)
    if current != lang and not (lang == DEFAULT_LANGUAGE and current is None):
        st.query_params[LANG_KEY] = lang


def language_switch(container, remember: Callable[[str], None] | None = None) -> None:
    """Tiếng Việt | English, in the sidebar (or on the sign-in screen). A choice goes into the URL
    and, through `remember`, into the signed-in account."""
    key = f"lang_switch::{language()}"  # a new widget per language: it always shows the current one

    def chosen() -> None:
        value = st.session_state.get(key)
        if value not in LANGUAGES:  # a second click deselects: keep the language
            return
        st.session_state["lang"] = value
        st.query_params[LANG_KEY] = value
        if remember is not None:
            remember(value)

    container.segmented_control(
        tr("language"), options=list(_LANGUAGE_NAMES), format_func=_LANGUAGE_NAMES.get, key=key,
        default=language(), label_visibility="collapsed", on_change=chosen,
    )


def _unit_or_none(code: str | None, level: str) -> UnitInfo | None:
    if not code:
        return None
    try:
        unit = cached.get_unit(code)
    except UnknownUnit:
        return None
    return unit if unit.level == level else None


_VIEWABLE_SCOPE = "_nq57_viewable_scope"  # unit code the signed-in person may view (set by app.py)
_OUTSIDE_SCOPE = "_nq57_outside_scope"  # set when the URL asked for a unit outside it


def set_viewable_scope(code: str) -> None:
    st.session_state[_VIEWABLE_SCOPE] = code


def viewable_scope() -> UnitInfo:
    """The unit the person may view: the nation, a province or a commune. Outside app.py (a page
    run on its own in a test) nothing has narrowed it: the nation."""
    return cached.get_unit(st.session_state.get(_VIEWABLE_SCOPE) or NATIONAL_CODE)


def inside_viewable_scope(unit: UnitInfo) -> bool:
    root = viewable_scope()
    if root.level == "national":
        return True
    if root.level == "province":
        return unit.code == root.code or unit.province_code == root.code
    return unit.code == root.code


def pop_outside_scope_notice() -> bool:
    """True once after the URL (or a click) asked for a unit outside the person's scope."""
    return bool(st.session_state.pop(_OUTSIDE_SCOPE, False))


def drill_path() -> list[UnitInfo]:
    """From the unit the person may view (the nation for most) down to the chosen province and
    commune, read from the URL. Codes that name no unit (or a commune outside the province) are
    dropped from the URL rather than failing; a unit outside the person's scope is replaced by
    their own unit, with a notice."""
    root = viewable_scope()
    province = _unit_or_none(st.query_params.get(PROVINCE_KEY), "province")
    commune = _unit_or_none(st.query_params.get(COMMUNE_KEY), "commune")
    if commune and province is None:
        province = cached.get_unit(commune.province_code)
    if commune and commune.province_code != province.code:
        commune = None
    if root.level != "national":
        asked = commune or province
        if asked is not None and not inside_viewable_scope(asked):
            st.session_state[_OUTSIDE_SCOPE] = True
            province, commune = None, None
        if root.level == "province":
            province = root
        else:
            province, commune = cached.get_unit(root.province_code), root
    path = [cached.get_unit(NATIONAL_CODE)]
    if province:
        path.append(province)
    if commune:
        path.append(commune)
    _write_path(province.code if province else None, commune.code if commune else None, only_if_changed=True)
    return path[[unit.code for unit in path].index(root.code):]


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
    """Drill to a unit (the nation, a province or a commune), keeping the rest of the URL. A unit
    outside the person's scope is refused with a notice."""
    unit = cached.get_unit(code)
    if not inside_viewable_scope(unit):
        st.session_state[_OUTSIDE_SCOPE] = True
        return
    if code == NATIONAL_CODE:
        _write_path(None, None)
        return
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
