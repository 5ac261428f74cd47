"""The plans page's parts: the plans a person sees (national plans and the programmes of their
province, every province's for the nation) and, for an administrator, the forms adding a programme
(a province's administrator: for their own province only) and retiring one. Every change goes
through data_loaders.identity.plans, which checks the account as stored and audits it; the forms
do their work in on_click callbacks and report through a flash message."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import auth, cached
from components.exports import show_table
from components.plan_filter import plan_label
from components.state import language, tr, viewable_scope
from data_loaders.i18n import format_datetime
from data_loaders.identity.accounts import Account
from data_loaders.identity.plans import PlanRefused, add_plan, managed_province, may_manage, retire_plan
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.store.plans import PlanInfo

_FLASH = "plans_flash"
_FORM = "plans_add"


def show_flash() -> None:
    outcome = st.session_state.pop(_FLASH, None)
    if outcome is None:
        return
    ok, message = outcome
    if ok:
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/block:")


def _owner_name(plan: PlanInfo) -> str:
    return cached.get_unit(plan.owner_province_code).name if plan.owner_province_code else tr("plans_national")


def plans_table() -> list[PlanInfo]:
    """Every plan the person's unit sees, national plans first; returns them."""
    lang = language()
    plans = cached.visible_plans(viewable_scope().code)
    frame = pd.DataFrame([{
        tr("plans_col_code"): plan.code, tr("plans_col_name"): plan.label(lang),
        tr("plans_col_owner"): _owner_name(plan),
        tr("plans_col_status"): tr("plans_retired") if plan.retired else tr("plans_active"),
        tr("plans_col_created"): (tr("plans_seeded") if plan.created_by == "seed"
                                  else f"{plan.created_by} · {format_datetime(plan.created_at, lang)}"),
    } for plan in plans])
    # a plan's name 360 px wide (its whole text on hover): sized to the longest name it pushed "added by,
    # when" past the right edge at 1280 px
    show_table(frame, name=tr("nav_plans"), key="plans_table",
               column_config={tr("plans_col_name"): st.column_config.TextColumn(width=360)})
    return plans


def _provinces(account: Account) -> list[str]:
    """The owners this administrator may add a plan for: NATIONAL_CODE (a national plan) and every
    province for a national administrator; their own province for a province's. (Not None for the
    nation: a select box holding None shows Streamlit's English "Choose an option".)"""
    managed = managed_province(account)
    if managed == NATIONAL_CODE:
        return [NATIONAL_CODE, *(unit.code for unit in cached.child_units(NATIONAL_CODE))]
    return [managed] if managed else []


def _add(account: Account) -> None:
    state = st.session_state
    try:
        plan = add_plan(state.get(f"{_FORM}::code", ""), state.get(f"{_FORM}::name_vi", ""),
                        state.get(f"{_FORM}::name_en", ""), state.get(f"{_FORM}::province"),
                        cached.engine(), account=account)
    except PlanRefused as refusal:
        state[_FLASH] = (False, tr(refusal.key, **refusal.params))
        return
    for name in ("code", "name_vi", "name_en"):
        state[f"{_FORM}::{name}"] = ""
    cached.refresh_data_version()  # the catalogue moved the data version: every filter offers the new plan
    state[_FLASH] = (True, tr("plans_added", code=plan.code))


def add_form(account: Account) -> None:
    """A programme's code and names, and (for a national administrator) whose it is."""
    owners = _provinces(account)
    if not owners:
        return
    st.subheader(tr("plans_add_heading"))
    st.caption(tr("plans_add_help"))
    left, right = st.columns([1, 2])
    left.text_input(tr("plans_col_code"), key=f"{_FORM}::code", max_chars=40, placeholder="CT-CĐS-2025")
    right.text_input(tr("plans_name_vi"), key=f"{_FORM}::name_vi", max_chars=300,
                     placeholder="Chương trình chuyển đổi số tỉnh 2025")
    right.text_input(tr("plans_name_en"), key=f"{_FORM}::name_en", max_chars=300, help=tr("plans_name_en_help"))
    if f"{_FORM}::province" not in st.session_state or st.session_state[f"{_FORM}::province"] not in owners:
        st.session_state[f"{_FORM}::province"] = owners[0]  # a national plan, or the province's own
    names = {code: tr("plans_national") if code == NATIONAL_CODE else cached.get_unit(code).name for code in owners}
    left.selectbox(tr("plans_col_owner"), owners, key=f"{_FORM}::province", disabled=len(owners) == 1,
                   format_func=names.__getitem__)
    st.button(tr("plans_add_button"), type="primary", on_click=_add, args=(account,), key=f"{_FORM}::submit")


def _retire(account: Account, key: str) -> None:
    code = st.session_state.get(key)
    if not code:
        return
    try:
        retire_plan(code, cached.engine(), account=account)
    except PlanRefused as refusal:
        st.session_state[_FLASH] = (False, tr(refusal.key, **refusal.params))
        return
    cached.refresh_data_version()
    st.session_state[_FLASH] = (True, tr("plans_retired_done", code=code))


def retire_form(account: Account, plans: list[PlanInfo]) -> None:
    """Retire one of the plans this administrator manages (it takes no new task; its tasks keep it)."""
    lang = language()
    mine = [plan for plan in plans if not plan.retired and may_manage(account, plan.owner_province_code)]
    if not mine:
        return
    st.subheader(tr("plans_retire_heading"))
    st.caption(tr("plans_retire_help"))
    by_code = {plan.code: plan for plan in mine}
    key = f"plans_retire::{lang}"
    labels = {code: plan_label(plan, lang) for code, plan in by_code.items()}
    st.selectbox(tr("plans_retire_pick"), list(labels), index=None, key=key, format_func=labels.__getitem__,
                 placeholder=tr("plans_retire_placeholder"))
    st.button(tr("plans_retire_button"), on_click=_retire, args=(account, key), key="plans_retire::submit")


def plans_page() -> None:
    account = auth.current_account()
    show_flash()
    plans = plans_table()
    if account is not None and managed_province(account):
        add_form(account)
        retire_form(account, plans)
