"""The plan filter: one choice of plan that every task figure of a page follows (the tasks page, warnings,
accountability, the presentation's task slides). It offers the plans the unit sees — the national
plans, then its province's own programmes (every province's at the nation), never another
province's — and lives in the URL as `?plan=CODE`, so a link or a QR code opens the same filtered view.
A code the unit does not see (another province's programme, a typo) is dropped from the URL: the
page shows the unfiltered view rather than an empty or foreign one. Unfiltered ("Các kế hoạch quốc gia
(NQ57)") the figures count the national plans' tasks only (figures/scope.counted_tasks): a province's
programme is counted when it is chosen here."""

from __future__ import annotations

import streamlit as st

from components import cached
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import PLAN_KEY
from data_loaders.store.plans import PlanInfo


def chosen_plan(unit: UnitInfo) -> str | None:
    """The plan in the URL if the unit sees it, else None (and the URL loses it)."""
    raw = st.query_params.get(PLAN_KEY)
    if not raw:
        return None
    if any(plan.code == raw for plan in cached.visible_plans(unit.code)):
        return raw
    del st.query_params[PLAN_KEY]
    return None


def plan_label(plan: PlanInfo, lang: str) -> str:
    """"CT-CĐS-68 — Chương trình chuyển đổi số tỉnh 2025 (Lâm Đồng)": code, name, and for a
    programme its province; "(đã dừng)" for a retired plan."""
    label = f"{plan.code} — {plan.label(lang)}"
    if plan.owner_province_code:
        label += f" ({cached.get_unit(plan.owner_province_code).name})"
    if plan.retired:
        label += f" · {tr('plans_retired')}"
    return label


def plan_filter(unit: UnitInfo, container=None, *, help_key: str = "plan_filter_help") -> str | None:
    """The filter's select box (in `container`, default the page); returns the chosen plan or None."""
    lang = language()
    plans = {plan.code: plan for plan in cached.visible_plans(unit.code)}
    chosen = chosen_plan(unit)
    key = f"plan_filter::{unit.code}::{lang}"
    # The URL decides (a link, the back button) and the box shows it; "" is no filter, the national plans
    # (None would leave the box empty, showing Streamlit's own placeholder).
    st.session_state[key] = chosen or ""

    def changed() -> None:
        value = st.session_state.get(key)
        if value:
            st.query_params[PLAN_KEY] = value
        elif PLAN_KEY in st.query_params:
            del st.query_params[PLAN_KEY]

    # labels computed now: a format function must not read the session (AppTest calls it after the run)
    labels = {"": tr("plan_filter_all"), **{code: plan_label(plan, lang) for code, plan in plans.items()}}
    (container or st).selectbox(tr("filter_plan"), list(labels), key=key, on_change=changed, help=tr(help_key),
                                format_func=labels.__getitem__)
    return chosen


def plan_caption(plan: str | None) -> None:
    """A line saying the figures below are one plan's, when a plan is chosen."""
    if plan:
        st.caption(tr("plan_filter_caption", plan=plan))
