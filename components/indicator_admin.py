"""UI pieces of the indicator catalogue page: the table of indicators, the form that adds one, and
the retire and delete buttons. data_loaders.identity.indicators does the work and the checks (a
province's administrator manages only that province's own indicators); a refusal comes back as an
AccountError shown in the person's language. The forms work in on_click callbacks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import auth, cached
from components.exports import show_table
from components.state import language, tr
from data_loaders.i18n import format_number, parse_number, t
from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.identity import indicators as catalogue
from data_loaders.identity.access import is_national_admin
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store.catalogue import FREQUENCIES, GROUPS, REPORTING_LEVELS, ROLLUPS, IndicatorDef
from data_loaders.store.models import NATIONAL_CODE

_FLASH = "admin_indicators_flash"
_PREFIX = "new_indicator_"
ROLLUP_KEYS = {"sum": "catalogue_rollup_sum", "population_weighted": "catalogue_rollup_population_weighted",
               "average": "catalogue_rollup_average", "latest": "catalogue_rollup_latest",
               "none": "catalogue_rollup_none"}
GROUP_KEYS = {"infrastructure": "nav_infrastructure", "ecosystem": "nav_ecosystem",
              "population": "catalogue_group_population", "dti": "catalogue_group_dti"}
FREQUENCY_KEYS = {"monthly": "catalogue_frequency_monthly", "quarterly": "catalogue_frequency_quarterly",
                  "yearly": "catalogue_frequency_yearly"}
LEVEL_KEYS = {"commune": "catalogue_level_commune", "province": "catalogue_level_province",
              "national": "catalogue_level_national"}


def _choice_key(name: str) -> str:
    # a choice's labels are in the page's language: its key too, so a language switch never meets
    # a stored choice labelled in the other one
    return f"{_PREFIX}{name}::{language()}"


def show_flash() -> None:
    outcome = st.session_state.pop(_FLASH, None)
    if outcome is None:
        return
    ok, message = outcome
    if ok:
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/block:")


def _provinces() -> dict[str, str]:
    return {u["code"]: u["name"] for u in sorted((u for u in cached.units_for_search() if u["level"] == "province"),
                                                 key=lambda u: vietnamese_sort_key(u["name"]))}


def _owner_label(indicator: IndicatorDef, provinces: dict[str, str]) -> str:
    code = indicator.owner_province_code
    return tr("catalogue_owner_national") if code is None else provinces.get(code, code)


def indicator_table(admin: Account) -> tuple[IndicatorDef, ...]:
    """The catalogue as this administrator manages it (a province's: the national ones and its own)."""
    lang = language()
    listed = catalogue.manageable(admin, cached.engine())
    provinces = _provinces()
    frame = pd.DataFrame([{
        "code": i.code, "name": i.label(lang), "unit": i.unit_label(lang), "rollup": tr(ROLLUP_KEYS[i.rollup]),
        "group": tr(GROUP_KEYS[i.group]), "frequency": tr(FREQUENCY_KEYS[i.frequency]),
        "levels": ", ".join(tr(LEVEL_KEYS[level]) for level in i.levels),
        "range": f"{format_number(i.plausible.minimum, lang, None)} – {format_number(i.plausible.maximum, lang, None)}",
        "owner": _owner_label(i, provinces),
        "status": tr("catalogue_status_retired") if i.retired else tr("catalogue_status_active"),
    } for i in listed], columns=["code", "name", "unit", "rollup", "group", "frequency", "levels", "range", "owner",
                                 "status"])
    # On screen the columns that tell indicators apart, sized to fit a projector's 1280 px beside the sidebar;
    # how one rolls up, at which levels and its plausible range are in the downloads and the forms below.
    show_table(frame, name=tr("nav_admin_indicators"), key="indicators_table", column_config={
        "code": st.column_config.TextColumn(tr("catalogue_col_code"), width=145),
        "name": st.column_config.TextColumn(tr("catalogue_col_name"), width=200),
        "unit": st.column_config.TextColumn(tr("catalogue_col_unit"), width=80),
        "rollup": st.column_config.TextColumn(tr("catalogue_col_rollup")),
        "group": st.column_config.TextColumn(tr("catalogue_col_group"), width=135),
        "frequency": st.column_config.TextColumn(tr("catalogue_col_frequency_short"),
                                                 help=tr("catalogue_col_frequency"), width=90),
        "levels": st.column_config.TextColumn(tr("catalogue_col_levels")),
        "range": st.column_config.TextColumn(tr("catalogue_col_range")),
        "owner": st.column_config.TextColumn(tr("catalogue_col_owner"), width=75),
        "status": st.column_config.TextColumn(tr("admin_status"), width=65),
    }, column_order=("code", "name", "unit", "group", "frequency", "owner", "status"))
    return listed


def add_form(admin: Account) -> None:
    """The fields of a new indicator; a province's administrator adds to their province's own."""
    national, lang = is_national_admin(admin), language()
    provinces = _provinces()
    with st.form("add_indicator", enter_to_submit=False):
        left, middle, right = st.columns(3)
        left.text_input(tr("catalogue_col_code"), max_chars=40, key=f"{_PREFIX}code", help=tr("catalogue_code_help"))
        middle.text_input(tr("catalogue_name_vi"), max_chars=catalogue.NAME_LENGTH, key=f"{_PREFIX}name_vi")
        right.text_input(tr("catalogue_name_en"), max_chars=catalogue.NAME_LENGTH, key=f"{_PREFIX}name_en")
        left, middle, right = st.columns(3)
        left.text_input(tr("catalogue_unit_vi"), max_chars=catalogue.UNIT_LENGTH, key=f"{_PREFIX}unit_vi",
                        help=tr("catalogue_unit_help"))
        middle.text_input(tr("catalogue_unit_en"), max_chars=catalogue.UNIT_LENGTH, key=f"{_PREFIX}unit_en")
        right.selectbox(tr("catalogue_col_group"), GROUPS, key=_choice_key("group"),
                        format_func=lambda g: t(GROUP_KEYS[g], lang), help=tr("catalogue_group_help"))
        left, middle, right = st.columns(3)
        left.selectbox(tr("catalogue_col_rollup"), ROLLUPS, key=_choice_key("rollup"),
                       format_func=lambda r: t(ROLLUP_KEYS[r], lang), help=tr("catalogue_rollup_help"))
        middle.selectbox(tr("catalogue_col_frequency"), FREQUENCIES, key=_choice_key("frequency"),
                         format_func=lambda f: t(FREQUENCY_KEYS[f], lang))
        right.multiselect(tr("catalogue_col_levels"), REPORTING_LEVELS, default=["commune"], key=_choice_key("levels"),
                          format_func=lambda level: t(LEVEL_KEYS[level], lang))
        left, middle, right = st.columns(3)
        left.text_input(tr("catalogue_minimum"), value="0", key=f"{_PREFIX}minimum")
        middle.text_input(tr("catalogue_maximum"), value=format_number(1_000_000, language()),
                          key=f"{_PREFIX}maximum", help=tr("catalogue_range_help"))
        right.number_input(tr("catalogue_decimals"), min_value=0, max_value=catalogue.MAX_DECIMALS, value=0, step=1,
                           key=f"{_PREFIX}decimals")
        left, middle, right = st.columns(3)
        left.checkbox(tr("catalogue_integer"), key=f"{_PREFIX}integer", help=tr("catalogue_integer_help"))
        middle.checkbox(tr("catalogue_higher_is_better"), value=True, key=f"{_PREFIX}higher_is_better")
        if national:
            options = [NATIONAL_CODE, *provinces]
            right.selectbox(tr("catalogue_col_owner"), options, key=_choice_key("owner"),
                            format_func=lambda c: t("catalogue_owner_national", lang) if c == NATIONAL_CODE
                            else provinces.get(c, c), help=tr("catalogue_owner_help"))
        else:
            right.caption(tr("catalogue_owner_fixed", province=provinces.get(admin.scope_code, admin.scope_code)))
        st.form_submit_button(tr("catalogue_add_button"), key="add_indicator_submit", type="primary",
                              icon=":material/add_chart:", on_click=_add, args=(admin,))


def _number(key: str, lang: str) -> float | str:
    text = str(st.session_state.get(f"{_PREFIX}{key}") or "").strip()
    try:
        return parse_number(text, lang)
    except ValueError:
        return text  # the catalogue names the field that is not a number


def _add(admin: Account) -> None:
    state, lang = st.session_state, language()
    owner = state.get(_choice_key("owner"), NATIONAL_CODE) if is_national_admin(admin) else admin.scope_code
    new = catalogue.NewIndicator(
        code=state.get(f"{_PREFIX}code") or "", name_vi=state.get(f"{_PREFIX}name_vi") or "",
        name_en=state.get(f"{_PREFIX}name_en") or "", unit_vi=state.get(f"{_PREFIX}unit_vi") or "",
        unit_en=state.get(f"{_PREFIX}unit_en") or "", rollup=state.get(_choice_key("rollup")) or "sum",
        group=state.get(_choice_key("group")) or "ecosystem", integer=bool(state.get(f"{_PREFIX}integer")),
        minimum=_number("minimum", lang), maximum=_number("maximum", lang),
        decimals=int(state.get(f"{_PREFIX}decimals") or 0),
        higher_is_better=bool(state.get(f"{_PREFIX}higher_is_better", True)),
        frequency=state.get(_choice_key("frequency")) or "monthly",
        levels=tuple(state.get(_choice_key("levels")) or ()),
        province_code=None if owner == NATIONAL_CODE else owner)
    try:
        added = catalogue.add_indicator(new, account=admin, engine=cached.engine())
    except AccountError as error:
        state[_FLASH] = (False, auth.error_message(error))
        return
    cached.refresh_data_version()  # the catalogue moved the data version: every page reads the new one
    for field in ("code", "name_vi", "name_en", "unit_vi", "unit_en"):
        state[f"{_PREFIX}{field}"] = ""
    state[_FLASH] = (True, tr("catalogue_done_added", code=added.code))


def change_section(admin: Account, listed: tuple[IndicatorDef, ...]) -> None:
    """Retire or delete one of the indicators this administrator may change."""
    lang = language()
    changeable = [i for i in listed if not i.builtin and catalogue.may_manage(admin, i.owner_province_code)]
    if not changeable:
        st.caption(tr("catalogue_nothing_to_change"))
        return
    names = {i.code: f"{i.label(lang)} ({i.code})" + (f" — {tr('catalogue_status_retired')}" if i.retired else "")
             for i in changeable}
    chosen = st.selectbox(tr("catalogue_choose"), list(names), format_func=lambda c: names.get(c, c),
                          key="indicator_change_choice")
    left, right = st.columns(2)
    left.button(tr("catalogue_retire_button"), key="indicator_retire", icon=":material/archive:",
                on_click=_retire, args=(admin, chosen), help=tr("catalogue_retire_help"))
    right.button(tr("catalogue_delete_button"), key="indicator_delete", icon=":material/delete:",
                 on_click=_delete, args=(admin, chosen), help=tr("catalogue_delete_help"))


def _retire(admin: Account, code: str) -> None:
    try:
        catalogue.retire_indicator(code, account=admin, engine=cached.engine())
    except AccountError as error:
        st.session_state[_FLASH] = (False, auth.error_message(error))
        return
    cached.refresh_data_version()
    st.session_state[_FLASH] = (True, tr("catalogue_done_retired", code=code))


def _delete(admin: Account, code: str) -> None:
    try:
        catalogue.delete_indicator(code, account=admin, engine=cached.engine())
    except AccountError as error:
        st.session_state[_FLASH] = (False, auth.error_message(error))
        return
    cached.refresh_data_version()
    st.session_state[_FLASH] = (True, tr("catalogue_done_deleted", code=code))
