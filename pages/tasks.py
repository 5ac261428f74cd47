"""Tasks: status of the chosen unit and of each unit below it, breakdowns, overdue list, task detail."""

import streamlit as st

from charts.status import status_breakdown
from charts.units import VIEWS, status_share_by_unit
from components import auth, cached
from components.breadcrumb import page_header
from components.directions_view import task_directions
from components.display import show_chart_of
from components.exports import show_table
from components.headline import task_kpis
from components.markdown import escape
from components.plan_filter import plan_filter
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, language, on_chart_select, scope, tr
from components.tables import column_config, report_history_frame, task_frame
from data_loaders.figures.tasks import document_message, laggards_first
from data_loaders.i18n import format_date, format_number, tn
from data_loaders.i18n.message import render
from data_loaders.store.catalogue import AREAS, term_by_code

require_app_shell()
lang = language()
unit, day, since = scope(), as_of(), compare_date()
areas = term_by_code(AREAS)
UNITS_SHOWN = 15  # the worst (or best) units drawn by default; the rest one click away

page_header(tr("tasks_title"))
# every figure below follows the plan filter (national plans and the unit's visible programmes; in the URL)
plan = plan_filter(unit, st.columns([2, 1])[0])
plans = {p.code: p for p in cached.visible_plans(unit.code)}
suffix = f"::{plan}" if plan else ""  # widget keys of a filtered view; unfiltered ones keep theirs

status = cached.task_status(unit.code, day, plan)
task_kpis(status, lang, cached.task_status(unit.code, since, plan) if since else None)

if unit.level != "commune":
    st.subheader(tr("by_child_heading"))
    controls = st.columns(2)
    view = controls[0].segmented_control(tr("sort_by"), VIEWS, default="rate", key=f"tasks_view::{lang}",
                                         format_func=lambda k: tr("sort_overdue_rate" if k == "rate"
                                                                  else "sort_overdue_count")) or "rate"
    rows = cached.task_status_by_child(unit.code, day, plan)
    own = [row for row in rows if row["own"]]
    children = [row for row in laggards_first([row for row in rows if not row["own"]], view) if row["total"]]
    idle = sum(1 for row in rows if not row["own"] and row["total"] == 0)
    for row in own:
        row["label"] = tr("central_ministries") if unit.level == "national" else tr("province_own_tasks")
    for row in children:
        row["label"] = row["name"]
    if own:  # a panel of its own: 280 ministry tasks do not set the scale of the provinces' bars
        own_key = f"status_own::{unit.code}::{day}{suffix}"
        show_chart_of(status_share_by_unit, (own, lang, view), {"legend": not children}, key=own_key,
                      name=own[0]["label"])
    if children:
        subset = "all"
        if len(children) > UNITS_SHOWN:
            subset = controls[1].segmented_control(
                tr("warnings_units_shown"), ["worst", "best", "all"], default="worst", key=f"tasks_subset::{lang}",
                format_func=lambda k: tr(f"warnings_units_{k}", count=UNITS_SHOWN, total=len(children))) or "worst"
        shown = {"worst": children[:UNITS_SHOWN], "best": children[::-1][:UNITS_SHOWN], "all": children}[subset]
        chart_key = f"status_by_child::{unit.code}::{day}{suffix}"
        show_chart_of(status_share_by_unit, (shown, lang, view), key=chart_key, name=tr("by_child_heading"),
                   on_select=lambda: on_chart_select(chart_key), selection_mode="unit")
        st.caption(tr(f"warnings_units_order_{view}") + " " + tr("click_to_drill"))
    if idle:
        st.caption(tn("communes_without_tasks" if unit.level == "province" else "warnings_units_without_tasks",
                      idle, lang, count=format_number(idle, lang)))

if status["total"] == 0:
    st.info(tr("no_tasks_in_plan", plan=plan) if plan else tr("no_tasks"))
    st.stop()

by_area, by_agency, by_plan = st.tabs([tr("by_area"), tr("by_agency"), tr("by_plan")])
with by_area:
    # the seven areas' names wrapped onto two lines, whole even on a phone (cut with "…" there otherwise), each
    # bar given the room of its two lines (at 26 px a row Vega hid every other name)
    show_chart_of(status_breakdown, (cached.task_status_by(unit.code, day, "area", plan), lang),
                  {"names": {code: area.label(lang) for code, area in areas.items()}, "label_width": 20,
                   "row_step": 36}, name=tr("by_area"))
with by_agency:
    show_chart_of(status_breakdown, (cached.task_status_by(unit.code, day, "lead_agency", plan)[:25], lang),
                  name=tr("by_agency"))
with by_plan:  # the national plans side by side (unfiltered), or the one plan or programme chosen
    show_chart_of(status_breakdown, (cached.task_status_by(unit.code, day, "plan", plan), lang),
                  {"names": {code: f"{code} — {info.label(lang)}" for code, info in plans.items()}}, name=tr("by_plan"))

OVERDUE_COLUMNS = ("code", "title", "days_overdue", "owner_name", "lead_agency", "responsible_official", "deadline",
                   "progress_pct")
LIST_COLUMNS = ("code", "title", "plan", "owner_name", "area", "lead_agency", "responsible_official", "deadline",
                "derived_status", "progress_pct", "last_report")
st.subheader(tr("overdue_list"))
# One query serves both lists when no filter is set: the list puts overdue tasks first.
all_tasks = cached.task_list(unit.code, day, None, plan) if plan else cached.task_list(unit.code, day)
overdue = [task for task in all_tasks if task["derived_status"] == "overdue"]
if overdue:
    show_table(
        # days overdue beside the title: in view at 1280 px without scrolling sideways
        cached.keep_table("overdue_tasks", lambda: task_frame(overdue, lang, OVERDUE_COLUMNS), unit.code, day, plan,
                          lang),
        name=tr("overdue_list"), key="overdue_tasks", column_config=column_config(lang),
        lead=(tr("col_title"), tr("col_days_overdue")),
    )
else:
    st.success(tr("overdue_none"))

st.subheader(tr("task_list"))
options = cached.task_filter_options(unit.code, day, plan)
columns = st.columns(3)  # the plan is chosen once for the whole page, above
everything = tr("filter_all")
area = columns[0].selectbox(tr("filter_area"), [None] + options["area"],
                            format_func=lambda v: areas[v].label(lang) if v in areas else (v or everything))
task_status = columns[1].selectbox(tr("filter_status"), [None, "completed", "on_schedule", "overdue"],
                                   format_func=lambda v: tr(f"status_{v}") if v else everything)
agency = columns[2].selectbox(tr("filter_agency"), [None] + options["lead_agency"],
                              format_func=lambda v: v or everything)
filtered = any((task_status, area, agency))
tasks = cached.task_list(unit.code, day, task_status, plan, area, agency) if filtered else all_tasks
shown_caption = tn("tasks_shown", status["total"], lang, shown=format_number(len(tasks), lang),
                   total=format_number(status["total"], lang))
st.caption(f"{shown_caption} · {tr('task_list_help')}")
selection = show_table(
    # built once per data version, unit, date and filters (a nation's 5,000 rows: 80 ms a run)
    cached.keep_table("task_list", lambda: task_frame(tasks, lang, LIST_COLUMNS), unit.code, day, plan, task_status,
                      area, agency, lang),
    name=tr("task_list"), key=f"task_table::{unit.code}", column_config=column_config(lang), on_select="rerun",
    selection_mode="single-row", lead=(tr("col_title"), tr("col_status")),
)
picked = selection.selection.rows if selection else []
if picked and picked[0] < len(tasks):
    detail = cached.task_detail(tasks[picked[0]]["code"])
    if detail:
        st.markdown(f"##### {escape(tr('task_detail', code=detail['code']))}: {escape(detail['title'])}")
        st.markdown(
            f"**{tr('col_agency')}:** {escape(detail['lead_agency'])} · **{tr('col_official')}:** "
            f"{escape(detail['responsible_official'])} · "
            f"**{tr('col_deadline')}:** {format_date(detail['deadline'], lang)}"
            f" · **{tr('col_owner')}:** {escape(detail['owner_name'])}"
        )
        document = document_message(detail["document_number"], detail["document_date"])
        if document:
            st.markdown(f"**{escape(render(document, lang))}**")
        show_table(report_history_frame(detail["reports"], lang), name=tr("task_detail", code=detail["code"]),
                   key="task_reports", column_config=column_config(lang))
        task_directions(auth.current_account(), unit, detail["code"])
