"""Settings (administrators only): every threshold and option of data_loaders.settings, each with
its help text; all are checked before any is saved, and each change is stored (and audited) under
the administrator's name."""

import streamlit as st

from components import auth
from components.settings_form import settings_form, show_flash
from components.shell_guard import require_app_shell
from components.state import tr

require_app_shell()
admin = auth.require("manage_settings")

st.title(tr("nav_admin_settings"))
st.caption(tr("settings_page_intro"))
show_flash()
settings_form(admin)
