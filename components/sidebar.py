"""The shared sidebar: who is signed in (and sign-out), language, unit search, province and
commune pickers within the person's scope, as-of date."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import auth, cached
from components.markdown import escape
from components.state import (
    as_of,
    compare_date,
    drill_path,
    go_to,
    language,
    language_switch,
    set_as_of,
    set_compare_date,
    tr,
    viewable_scope,
)
from data_loaders.i18n import format_date
from data_loaders.i18n.text import fold, vietnamese_sort_key
from data_loaders.identity import accounts
from data_loaders.identity.accounts import Account
from data_loaders.store.models import NATIONAL_CODE

# Typing Enter in a date field applies the date. Streamlit's date input takes a typed date only when
# the field loses focus, so Enter does that: it closes the calendar (Escape) and leaves the field.
# One fixed script (no user text in it), registered once per browser tab.
_ENTER_APPLIES_DATES_JS = """<script>
if (!window.nq57EnterAppliesDates) {
  window.nq57EnterAppliesDates = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing || !(event.target instanceof Element)) return;
    if (!event.target.closest('[data-testid="stDateInputField"]')) return;
    event.preventDefault();
    event.stopPropagation();
    event.target.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', code: 'Escape', bubbles: true}));
    event.target.blur();
  }, true);
}
</script>"""


def _pick(widget_key: str) -> None:
    code = st.session_state.get(widget_key)
    if code:
        go_to(code)


def _search_picked(widget_key: str) -> None:
    """Go to the unit chosen in the search, and empty the search, ready for the next."""
    _pick(widget_key)
    st.session_state[widget_key] = None


def search_options(root_code: str) -> dict[str, str]:
    """Every province and commune the person may view, code -> label: the name (a commune's with its
    province), then the same without diacritics, so the selectbox's own filter finds "Phường Xuân
    Hương - Đà Lạt" from "xuan huong". Provinces first, then communes, each in Vietnamese order. Kept in
    the process as it is until the units change (3,355 labels nationally: a copy per run cost more than the rest of
    the sidebar); read only."""
    return cached.keep_per_units("sidebar.search_options", lambda: _search_labels(root_code), root_code)


def _search_labels(root_code: str) -> dict[str, str]:
    root = cached.get_unit(root_code)
    units = [u for u in cached.units_for_search()
             if root.level == "national" or root.code in (u["code"], u["province_code"])]
    units.sort(key=lambda u: (u["level"] != "province", vietnamese_sort_key(u["name"]),
                              vietnamese_sort_key(u["province_name"])))
    labels = {}
    for u in units:
        shown = u["name"] if u["level"] == "province" else f"{u['name']} — {u['province_name']}"
        folded = fold(u["name"]) if u["level"] == "province" else f"{fold(u['name'])}, {fold(u['province_name'])}"
        labels[u["code"]] = f"{shown} · {folded}"
    return labels


def _unit_search(path) -> None:
    """One step: type (with or without diacritics), choose, and the page is at that unit."""
    root = viewable_scope()
    if root.level == "commune":
        return
    options = search_options(root.code)
    # One widget whatever the unit shown (emptied after each choice): its message, every unit's label
    # (~210 KB nationally), is then the same on every run, so the browser keeps it and Streamlit sends a
    # reference instead; a widget per unit shown sent it again at each drill-down.
    key = f"unit_search::{language()}"
    st.sidebar.selectbox(tr("search_units"), options=list(options), format_func=options.get, index=None,
                         placeholder=tr("shell_search_placeholder"), key=key, on_change=_search_picked, args=(key,),
                         help=tr("shell_search_help"))


def _pickers(path) -> None:
    """Province and commune pickers, from the person's own unit down (a province's staff get only
    the commune picker, a commune's none)."""
    by_level = {unit.level: unit.code for unit in path}
    current_province = by_level.get("province", NATIONAL_CODE)
    if path[0].level == "commune":
        return
    if path[0].level == "national":
        provinces = cached.child_units(NATIONAL_CODE)
        names = {NATIONAL_CODE: tr("all_provinces"), **{p.code: p.name for p in provinces}}
        # The language is part of the keys so a language switch redraws the option labels.
        key = f"province_pick::{language()}::{current_province}"
        st.sidebar.selectbox(tr("province"), options=list(names), format_func=names.get,
                             index=list(names).index(current_province), key=key, on_change=_pick, args=(key,))
    if current_province == NATIONAL_CODE:
        return
    communes = cached.child_units(current_province)
    commune_names = {current_province: tr("all_communes"), **{c.code: c.name for c in communes}}
    current_commune = by_level.get("commune", current_province)
    key = f"commune_pick::{language()}::{current_commune}"
    st.sidebar.selectbox(tr("commune"), options=list(commune_names), format_func=commune_names.get,
                         index=list(commune_names).index(current_commune), key=key, on_change=_pick, args=(key,))


def _as_of_picker() -> dt.date:
    chosen = as_of()
    earliest = cached.earliest_data_date() or chosen
    key = f"as_of_pick::{language()}::{chosen.isoformat()}"

    def changed() -> None:
        value = st.session_state.get(key)
        if isinstance(value, dt.date):
            set_as_of(value)

    st.sidebar.date_input(tr("as_of"), value=chosen, min_value=min(earliest, chosen), max_value=dt.date.today(),
                          format="DD/MM/YYYY" if language() == "vi" else "YYYY-MM-DD", key=key,
                          on_change=changed, help=tr("as_of_help"))
    latest = cached.latest_data_date()
    if latest:
        st.sidebar.caption(tr("data_freshness", date=format_date(latest, language())))
    return chosen


def _compare_picker(earliest: dt.date) -> None:
    current = compare_date()
    key = f"compare_pick::{language()}::{current.isoformat() if current else ''}"

    def changed() -> None:
        value = st.session_state.get(key)
        set_compare_date(value if isinstance(value, dt.date) else None)

    st.sidebar.date_input(tr("compare_with"), value=current, min_value=min(earliest, current or earliest),
                          max_value=dt.date.today(), format="DD/MM/YYYY" if language() == "vi" else "YYYY-MM-DD",
                          key=key, on_change=changed, help=tr("compare_help"))


def _who(account: Account | None, public_read_only: bool) -> None:
    """The signed-in person with their role and scope, and sign-out; for an anonymous visitor of
    a public dashboard, a sign-in button."""
    box = st.sidebar.container(border=True)
    if account is None:
        if public_read_only:
            box.caption(tr("auth_public_visitor"))
            box.button(tr("auth_sign_in_button"), key="sidebar_sign_in", icon=":material/login:",
                       on_click=auth.ask_for_sign_in, width="stretch")
        return
    scope = cached.get_unit(account.scope_code)
    scope_name = tr("level_national") if scope.code == NATIONAL_CODE else scope.name
    box.markdown(f"**{escape(account.display_name or account.username)}**")
    details = [auth.role_label(account.role), scope_name] + ([account.agency] if account.agency else [])
    box.caption(" · ".join(escape(part) for part in details))
    box.button(tr("auth_sign_out"), key="sign_out", icon=":material/logout:", width="stretch", on_click=auth.sign_out)


def _remember_language(username: str):
    def remember(lang: str) -> None:
        accounts.set_language(username, lang, engine=cached.engine())

    return remember


def render_sidebar(account: Account | None = None, public_read_only: bool = False) -> None:
    _who(account, public_read_only)
    language_switch(st.sidebar, remember=_remember_language(account.username) if account else None)
    st.sidebar.subheader(tr("drill_heading"))
    path = drill_path()
    _unit_search(path)
    _pickers(path)
    chosen = _as_of_picker()
    _compare_picker(cached.earliest_data_date() or chosen)
    if cached.holds_sample_data():
        st.sidebar.info(tr("sample_data_notice"), icon=":material/science:")
    with st.sidebar:
        st.html(_ENTER_APPLIES_DATES_JS, unsafe_allow_javascript=True)
