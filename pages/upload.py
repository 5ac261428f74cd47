"""Upload: download a template, upload a filled workbook, see exactly what will change (or which
cells to fix), confirm, and find the upload in the history. Only for people who may upload, and
only inside their own scope (the importer checks every row again)."""

import streamlit as st

from components import auth
from components.approvals_view import returned_notice
from components.shell_guard import require_app_shell
from components.state import tr
from components.upload_view import history, template_buttons, upload_form

require_app_shell()
uploader = auth.require("upload")

st.title(tr("upload_title"))
st.caption(tr("upload_intro"))
returned_notice(uploader)  # submissions the level above returned, with the reason
template_buttons(uploader)
st.divider()
upload_form(uploader)
st.divider()
history(uploader)
