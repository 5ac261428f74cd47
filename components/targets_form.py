"""The targets page's pieces: the chosen unit's targets as cards (met or not), the targets set inside
its scope, and for administrators a form to set one (indicator, unit, value, date, optional baseline)
and a way to remove one. The administrator's scope bounds the units offered (a national
administrator: any unit; a province's administrator: the province and its communes);
data_loaders/follow_up/targets.py checks it again, with every value, and audits the change. Work
happens in the buttons' callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components import cached
from components.exports import show_table
from components.headline import target_caption
from components.kpi import Kpi, kpi_row
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.targets import amount
from data_loaders.follow_up import targets
from data_loaders.i18n import format_date, parse_number
from data_loaders.i18n.message import format_param, render
from data_loaders.identity.access import may_manage_targets
from data_loaders.identity.accounts import Account
from data_loaders.store.models import NATIONAL_CODE

_FLASH = "targets_flash"
_PREFIX = "target::"


def _unit_labels(admin: Account | None) -> dict[str, str]:
    """The units whose targets this administrator may set, labelled "Lâm Đồng (68)"."""
    labels = {NATIONAL_CODE: tr("national")} if may_manage_targets(admin, NATIONAL_CODE) else {}
    units = sorted(cached.units_for_search(), key=lambda u: (u["province_code"], u["level"] != "province", u["code"]))
    for unit in units:
        if may_manage_targets(admin, unit["code"]):
            name = unit["name"] if unit["level"] == "province" else f"{unit['name']}, {unit['province_name']}"
            labels[unit["code"]] = f"{name} ({unit['code']})"
    return labels


def _indicator_label(code: str) -> str:
    indicator = cached.indicator_definitions().get(code)
    return indicator.label(language()) if indicator is not None else code


def _value_text(row: dict, value: float | None, lang: str) -> str:
    return "" if value is None else format_param(amount(row["indicator"], value, None), lang)


def _set_by(actor: str) -> str:
    """Who set a target: an account's name, or for the targets migration 0014 seeded from the
    reference file ("reference:resolution57_facts.yaml") the resolution, in words."""
    return tr("targets_set_by_reference") if actor.startswith("reference:") else actor


def _baseline_text(row: dict, lang: str) -> str:
    if row["baseline_date"] is None:
        return ""
    return f"{_value_text(row, row['baseline_value'], lang)} ({format_date(row['baseline_date'], lang)})"


def target_cards(unit: UnitInfo, day: dt.date) -> None:
    """One card per indicator the unit is measured against: its value at the date and "đạt / chưa đạt"."""
    lang = language()
    statuses = cached.target_status(unit.code, day)
    if not statuses:
        st.info(tr("targets_none_for_unit"))
        return
    kpi_row(per_row=3, kpis=[
        Kpi(_indicator_label(code), "–" if status["value"] is None else _value_text(status, status["value"], lang),
            target_caption(status, lang))
        for code, status in statuses.items()])


def targets_table(unit: UnitInfo) -> None:
    """The targets set for the unit and the units inside it, with their baselines and who set them."""
    lang = language()
    st.subheader(tr("targets_heading"))
    st.caption(tr("targets_intro"))
    listed = targets.list_targets(unit.code, cached.engine())
    if not listed:
        st.info(tr("targets_none_listed"))
        return
    # on a phone, like every table a leader reads (components.exports.show_table), the indicator and its target
    # without scrolling sideways; tapping a row lists the rest
    show_table(pd.DataFrame([{
        tr("targets_col_indicator"): _indicator_label(row["indicator"]),
        tr("targets_col_unit"): tr("national") if row["unit_code"] == NATIONAL_CODE else row["unit_name"],
        tr("targets_col_target"): _value_text(row, row["value"], lang),
        tr("targets_col_date"): format_date(row["date"], lang),
        tr("targets_col_baseline"): _baseline_text(row, lang),
        tr("targets_col_set_by"): _set_by(row["set_by"] or ""),
    } for row in listed]), name=tr("targets_heading"), key=f"targets_table::{unit.code}",
        lead=(tr("targets_col_indicator"), tr("targets_col_target")))


def manage_targets(account: Account | None, unit: UnitInfo) -> None:
    """For an administrator whose scope holds units: set a target (the chosen unit first), remove one."""
    units = _unit_labels(account) if account is not None else {}
    if not units:
        return
    lang = language()
    st.subheader(tr("targets_manage_heading"))
    outcome = st.session_state.pop(_FLASH, None)
    if outcome is not None:
        (st.success if outcome[0] else st.error)(outcome[1], icon=":material/check_circle:" if outcome[0]
                                                 else ":material/block:")
    codes = list(units)
    with st.form("targets_set"):
        left, right = st.columns(2)
        indicators = [indicator.code for indicator in cached.indicator_catalogue(unit.code)]  # its province's own too
        left.selectbox(tr("targets_field_indicator"), indicators, format_func=_indicator_label,
                       index=indicators.index("fiveg_coverage_pct"), key=f"{_PREFIX}indicator")
        right.selectbox(tr("targets_field_unit"), codes, format_func=units.get, key=f"{_PREFIX}unit",
                        index=codes.index(unit.code) if unit.code in units else 0)
        left.text_input(tr("targets_field_value"), key=f"{_PREFIX}value", help=tr("targets_field_value_help"))
        right.date_input(tr("targets_field_date"), value=dt.date(dt.date.today().year, 12, 31),
                         format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD", key=f"{_PREFIX}date")
        left.text_input(tr("targets_field_baseline_value"), key=f"{_PREFIX}baseline_value",
                        help=tr("targets_field_baseline_help"))
        right.date_input(tr("targets_field_baseline_date"), value=None,
                         format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD", key=f"{_PREFIX}baseline_date")
        st.form_submit_button(tr("targets_save"), type="primary", icon=":material/flag:", on_click=_set,
                              args=(account,), key="targets_submit")
    removable = [row for row in targets.list_targets(unit.code, cached.engine()) if row["unit_code"] in units]
    if removable:
        choices = {f"{row['indicator']}|{row['unit_code']}": row for row in removable}
        chosen = st.selectbox(tr("targets_remove_choice"), list(choices), key=f"{_PREFIX}remove",
                              format_func=lambda key: render_choice(choices[key], units, lang))
        st.button(tr("targets_remove"), icon=":material/delete:", on_click=_remove, args=(account, chosen),
                  key="targets_remove_button")


def render_choice(row: dict, units: dict[str, str], lang: str) -> str:
    return (f"{_indicator_label(row['indicator'])} · {units.get(row['unit_code'], row['unit_name'])} · "
            f"{_value_text(row, row['value'], lang)} ({format_date(row['date'], lang)})")


def _number(text: Any) -> Any:
    """A number typed the person's way ("26,5" in Vietnamese); what cannot be read is passed on as
    typed, and refused there with a sentence naming it."""
    if not isinstance(text, str) or not text.strip():
        return text
    try:
        return parse_number(text, language())
    except ValueError:
        return text


def _set(admin: Account) -> None:
    state = st.session_state
    try:
        row = targets.set_target(state.get(f"{_PREFIX}indicator"), state.get(f"{_PREFIX}unit"),
                                 state.get(f"{_PREFIX}date"), _number(state.get(f"{_PREFIX}value")),
                                 baseline_value=_number(state.get(f"{_PREFIX}baseline_value")) or None,
                                 baseline_date=state.get(f"{_PREFIX}baseline_date"), account=admin,
                                 engine=cached.engine())
    except targets.TargetRefused as error:
        state[_FLASH] = (False, _refusal(error))
        return
    cached.refresh_data_version()  # the target moved the data version: every figure follows it
    state[_FLASH] = (True, tr("targets_saved", indicator=_indicator_label(row["indicator"]), unit=row["unit_name"]))


def _remove(admin: Account, chosen: str | None) -> None:
    if not chosen:
        return
    indicator, unit = chosen.split("|", 1)
    try:
        targets.remove_target(indicator, unit, account=admin, engine=cached.engine())
    except targets.TargetRefused as error:
        st.session_state[_FLASH] = (False, _refusal(error))
        return
    cached.refresh_data_version()
    st.session_state[_FLASH] = (True, tr("targets_removed", indicator=_indicator_label(indicator), unit=unit))


def _refusal(error: targets.TargetRefused) -> str:
    return render(error.message, language())
