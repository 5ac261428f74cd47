"""Overview: the headline figures of the chosen unit — its place among its siblings, its three most
urgent warnings, tasks, digital infrastructure, ecosystem."""

import streamlit as st

from charts.status import status_bars, status_trend_chart
from components import cached
from components.approvals_view import approval_caption
from components.breadcrumb import breadcrumb
from components.display import show_chart_of
from components.headline import ecosystem_kpis, headline_sentence, infrastructure_kpis, no_data_notice, task_kpis
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, language, scope, tr
from components.warning_list import top_warnings
from data_loaders.figures.accountability import sibling_rank
from data_loaders.i18n import format_date

require_app_shell()
lang = language()
unit, day, since = scope(), as_of(), compare_date()
st.title(tr("app_title"))
st.caption(tr("app_subtitle"))
breadcrumb()
unit_name = unit.name if unit.level != "national" else tr("national")
st.subheader(f"{unit_name} · {tr('as_of_caption', date=format_date(day, lang))}")

status = cached.task_status(unit.code, day)
indicators = cached.indicator_totals(unit.code, day)
previous_indicators = cached.indicator_totals(unit.code, since) if since else None
# The sentence of the deck's headline slide: on-time rate, overdue, and the place among the siblings.
st.markdown(f"**{headline_sentence(unit_name, status, sibling_rank(unit, day, cached.read), day, lang)}**")
if since:
    st.caption(tr("compare_caption", date=format_date(since, lang)))
approval_caption(unit, day)  # how many of the month's submissions are not approved yet

st.markdown(f"#### {tr('warnings_top_heading')}")
top_warnings(cached.warnings_head(unit.code, day, cached.settings(), count=3), lang,
             key=f"overview::{unit.code}::{day}")

st.markdown(f"#### {tr('tasks_heading')}")
task_kpis(status, lang, cached.task_status(unit.code, since) if since else None)
if status["total"]:
    left, right = st.columns(2)
    with left:
        show_chart_of(status_bars, (status, lang), name=tr("tasks_heading"))
    with right:
        show_chart_of(status_trend_chart, (cached.task_status_trend(unit.code, day), lang),
                      name=tr("status_trend_file"))
else:
    st.info(tr("warnings_no_tasks_sentence", unit=unit_name, date=format_date(day, lang)))

st.markdown(f"#### {tr('infrastructure_heading')}")
no_data_notice(indicators, unit_name, day, lang)
targets = cached.target_status(unit.code, day)  # "đạt / chưa đạt" of each card with a target
infrastructure_kpis(indicators, targets, lang, previous_indicators)

st.markdown(f"#### {tr('ecosystem_heading')}")
ecosystem_kpis(indicators, lang, previous_indicators, targets)
