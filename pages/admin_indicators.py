"""Indicators (administrators): the indicator catalogue — add an indicator, retire or delete one. A
province's administrator manages only that province's own indicators; every change is audited and
reaches templates, imports, pages and decks at once."""

import streamlit as st

from components import auth
from components.indicator_admin import add_form, change_section, indicator_table, show_flash
from components.shell_guard import require_app_shell
from components.state import tr

require_app_shell()
admin = auth.require("manage_indicators")

st.title(tr("nav_admin_indicators"))
st.caption(tr("catalogue_page_intro"))
show_flash()
listed = indicator_table(admin)
st.subheader(tr("catalogue_add_heading"))
add_form(admin)
st.subheader(tr("catalogue_change_heading"))
change_section(admin, listed)
