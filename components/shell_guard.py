"""Make sure pages always run inside app.py's navigation and sidebar.

Streamlit still treats a `pages/` folder the multipage-v1 way until the first `st.navigation` call
of the server process: a first visit straight to e.g. /tasks would run pages/tasks.py alone, with
no sidebar or drill path. Each page calls `require_app_shell()`; outside app.py it switches v1
handling off for good and reruns, so app.py runs and routes to the same page.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

SHELL_FLAG = "_nq57_inside_app_shell"


def mark_app_shell(active: bool) -> None:
    st.session_state[SHELL_FLAG] = active


def require_app_shell() -> None:
    if not st.session_state.get(SHELL_FLAG):
        PagesManager.uses_pages_directory = False
        st.rerun()
