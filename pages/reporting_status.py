"""Reporting status: for a month, which units below the chosen one submitted on time, late or not at
all, when and by whom, and whether the level above approved it; the month is due on the report_due_day
setting of the month after. A clerk sees here the submissions returned to them, with the reason."""

import datetime as dt

import streamlit as st

from components import auth, cached
from components.approvals_view import returned_notice, states_by_unit
from components.breadcrumb import breadcrumb
from components.reporting_view import counts_row, period_picker, status_of, status_table
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.figures.reporting import due_date
from data_loaders.i18n import format_date
from data_loaders.store.settings import get_settings

require_app_shell()
lang = language()
unit, day, today = scope(), as_of(), dt.date.today()
due_day = get_settings(cached.engine())["report_due_day"]  # read afresh: an administrator may change it

st.title(tr("reporting_title"))
breadcrumb()
period = period_picker(day, today)
st.caption(tr("reporting_due_caption", period=f"{period:%m/%Y}", due=format_date(due_date(period, due_day), lang),
              day=due_day))

returned_notice(auth.current_account())  # a clerk's returned submissions, with the reason
result = status_of(unit.code, period, due_day, today)
counts_row(result)
status_table(result, states_by_unit(result))
st.caption(tr("reporting_definitions"))
