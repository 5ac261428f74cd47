"""Early warnings: what the chosen unit must act on, most urgent first, each opening its drill-down."""

import streamlit as st

from components import auth, cached
from components.approvals_view import approval_caption
from components.breadcrumb import breadcrumb
from components.directions_view import overdue_directions
from components.headline import targets_sentence
from components.plan_filter import plan_caption, plan_filter
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from components.warning_list import warning_counts_row, warning_list
from data_loaders.i18n import format_date
from data_loaders.store.settings import get_settings

require_app_shell()
lang = language()
unit, day = scope(), as_of()
settings = get_settings(cached.engine())  # read afresh: an administrator may have changed a threshold

st.title(tr("warnings_title"))
breadcrumb()
st.caption(tr("as_of_caption", date=format_date(day, lang)) + " · " + tr("warnings_intro"))
approval_caption(unit, day)  # what the figures count: submissions not yet approved, or approved ones only

# the plan filter: that plan's task warnings only (indicator and reporting warnings belong to no plan)
plan = plan_filter(unit, st.columns([2, 1])[0], help_key="plan_filter_warnings_help")
plan_caption(plan)
summary = cached.warnings_summary(unit.code, day, settings, plan)  # the counts; the overview's head
warning_counts_row(summary, lang)
st.caption(tr("warnings_thresholds", due_soon=settings["due_soon_days"], stalled=settings["stalled_days"],
              targets=targets_sentence(cached.target_status(unit.code, day), lang)))
overdue_directions(auth.current_account(), unit)  # directions unanswered past their date: live, as of today
warning_list(summary, lambda kinds, count: cached.warnings_shown(unit.code, day, settings, plan, kinds, count), lang,
             key=f"warnings::{unit.code}::{day}" + (f"::{plan}" if plan else ""))
