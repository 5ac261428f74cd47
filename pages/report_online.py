"""Báo cáo trực tuyến / Report online: a reporter updates their tasks and types indicator values in
the browser, without Excel; the same validation, scope check, commit and audit as an upload."""

import streamlit as st

from components import auth
from components.directions_view import local_today
from components.report_form import indicator_form, task_form
from components.shell_guard import require_app_shell
from components.state import scope, tr

require_app_shell()
reporter = auth.require("upload")
today = local_today()

st.title(tr("web_form_title"))
st.caption(tr("web_form_intro"))
tasks_tab, values_tab = st.tabs([tr("web_form_tab_tasks"), tr("web_form_tab_indicators")])
with tasks_tab:
    task_form(reporter, scope(), today)
with values_tab:
    indicator_form(reporter, scope(), today)
