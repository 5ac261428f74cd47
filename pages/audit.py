"""Audit trail (administrators only): who signed in (or failed to), uploaded, committed, changed an
account or a setting, exported — newest first, filtered by person, action and dates. Read only:
the application has no way to edit or delete an entry."""

import streamlit as st

from components import auth
from components.audit_view import audit_filters, audit_table
from components.shell_guard import require_app_shell
from components.state import tr

require_app_shell()
auth.require("read_audit")

st.title(tr("nav_audit"))
st.caption(tr("audit_page_intro"))
audit_table(audit_filters())
