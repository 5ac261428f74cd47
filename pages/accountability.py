"""Accountability and emulation ranking: lead agencies and units ranked, overdue tasks by lateness,
rank change since an earlier date, and the tasks of each responsible official."""

import streamlit as st

from components import cached
from components.breadcrumb import page_header
from components.directions_view import directions_by_unit
from components.dti_view import dti_section
from components.exports import show_table
from components.markdown import escape
from components.plan_filter import plan_caption, plan_filter
from components.scorecard import bucket_kpis, official_tasks_table, officials_frame, ranking_table
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, language, scope, tr
from data_loaders.figures.accountability import laggards_first
from data_loaders.i18n import format_date, format_number, tn

require_app_shell()
lang = language()
unit, day = scope(), as_of()
page_header(tr("accountability_title"))
plan = plan_filter(unit, st.columns([2, 1])[0])  # the rankings below count that plan's tasks only
plan_caption(plan)

# Rank changes are measured since the sidebar's comparison date, or three months back by default.
since = compare_date() or cached.default_comparison_date(day)
st.caption(tr("compare_caption", date=format_date(since, lang)) + " · " + tr("accountability_compare_help"))

bucket_kpis(cached.overdue_buckets(unit.code, day, plan), lang)

own_label = tr("central_ministries") if unit.level == "national" else tr("province_own_tasks")
# Leaders look for the laggards: the last place first unless they ask for the leaders.
order = st.segmented_control(tr("warnings_rank_order"), ["laggards", "leaders"], default="laggards",
                             key=f"accountability_order::{lang}",
                             format_func=lambda key: tr(f"warnings_rank_order_{key}")) or "laggards"
st.caption(tr("warnings_rank_rule"))
tabs = [tr("accountability_agencies")] + ([tr("accountability_provinces") if unit.level == "national"
                                          else tr("by_child_heading")] if unit.level != "commune" else [])
# keyed: the chosen tab survives the rerun a picked ranking row makes (its Direct button is in the tab)
for tab, label, by in zip(st.tabs(tabs, key=f"accountability_tabs::{lang}"), tabs, ("lead_agency", "child")):
    with tab:
        rows = cached.accountability_ranking(unit.code, day, since, by, plan)
        ranking_table(laggards_first(rows) if order == "laggards" else rows, lang, own_label,
                      name=label, key=f"ranking::{by}" + (f"::{plan}" if plan else ""), units=by == "child")

dti_section(unit, day, plan, lang)  # the provinces' DTI beside their on-time rate (national), a province's own

st.subheader(tr("directions_by_unit_heading"))
st.caption(tr("directions_by_unit_help"))
directions_by_unit(unit, key=f"directions_by_unit::{unit.code}")

st.subheader(tr("accountability_officials"))
officials = cached.tasks_by_official(unit.code, day, plan)
if not officials:
    st.info(tr("accountability_no_tasks"))
    st.stop()
selection = show_table(officials_frame(officials, lang), name=tr("accountability_officials"),
                       key=f"officials::{unit.code}::{day}" + (f"::{plan}" if plan else ""), on_select="rerun",
                       selection_mode="single-row", lead=(tr("col_official"), tr("col_overdue")))
picked = selection.selection.rows if selection else []
chosen = officials[picked[0]] if picked and picked[0] < len(officials) else officials[0]
st.markdown(f"##### {escape(tr('col_official'))}: {escape(chosen['official'])}")
chosen_tasks = cached.official_tasks(unit.code, day, chosen["official"], plan)  # every one of them
st.caption(tn("official_tasks_order", len(chosen_tasks), lang, count=format_number(len(chosen_tasks), lang)))
official_tasks_table(chosen_tasks, lang, name=f"{tr('col_official')} {chosen['official']}", key="official_tasks")
