"""Phê duyệt / Approvals: the approver's list of the monthly submissions of the units directly below
them, each with its counts and uploads, to approve (which locks the unit and month), return with a
reason the clerk sees, or unlock. The rules are data_loaders/ingest/approvals.py."""

import datetime as dt

import streamlit as st

from components import auth
from components.approvals_view import list_unit, submissions_page
from components.breadcrumb import breadcrumb
from components.reporting_view import period_picker
from components.shell_guard import require_app_shell
from components.state import as_of, scope, tr

require_app_shell()
approver = auth.require("approve")
today = dt.date.today()

st.title(tr("approvals_title"))
st.caption(tr("approvals_intro"))
breadcrumb()
period = period_picker(as_of(), today)
submissions_page(approver, list_unit(approver, scope()), period, today)
