"""Plans and programmes: the plans of the task catalogue a person sees (national plans, and their
province's own programmes), with the forms an administrator adds a programme and retires one by."""

import streamlit as st

from components.plans_admin import plans_page
from components.shell_guard import require_app_shell
from components.state import tr

require_app_shell()
st.title(tr("nav_plans"))
st.caption(tr("plans_intro"))
plans_page()
