"""NQ57 Dashboard: entry point. Page config, navigation, and the sidebar every page shares."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

st.set_page_config(page_title="NQ57 Dashboard", page_icon="📊", layout="wide")

from components import cached  # noqa: E402  (after set_page_config)
from components.shell_guard import mark_app_shell  # noqa: E402
from components.sidebar import render_sidebar  # noqa: E402
from components.state import tr  # noqa: E402

log = logging.getLogger("nq57")

try:
    cached.refresh_data_version()  # once per run: every cached query below is keyed on it
except OperationalError:
    log.exception("database unavailable")
    st.error(tr("database_unavailable"), icon=":material/cloud_off:")
    st.stop()

PAGES = {
    "nav_section_views": [
        st.Page("pages/overview.py", title=tr("nav_overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/tasks.py", title=tr("nav_tasks"), icon=":material/task_alt:", url_path="tasks"),
        st.Page("pages/infrastructure.py", title=tr("nav_infrastructure"), icon=":material/cell_tower:",
                url_path="infrastructure"),
        st.Page("pages/ecosystem.py", title=tr("nav_ecosystem"), icon=":material/rocket_launch:", url_path="ecosystem"),
        st.Page("pages/map.py", title=tr("nav_map"), icon=":material/map:", url_path="map"),
        st.Page("pages/warnings.py", title=tr("nav_warnings"), icon=":material/notifications_active:",
                url_path="warnings"),
        st.Page("pages/accountability.py", title=tr("nav_accountability"), icon=":material/leaderboard:",
                url_path="accountability"),
        st.Page("pages/quality.py", title=tr("nav_quality"), icon=":material/fact_check:", url_path="quality"),
        st.Page("pages/presentation.py", title=tr("nav_presentation"), icon=":material/slideshow:",
                url_path="presentation"),
    ],
    "nav_section_data": [
        st.Page("pages/upload.py", title=tr("nav_upload"), icon=":material/upload_file:", url_path="upload"),
    ],
}
navigation = st.navigation({tr(section): pages for section, pages in PAGES.items()})
render_sidebar()
mark_app_shell(True)
try:
    navigation.run()
except OperationalError:
    log.exception("database error while running a page")
    st.error(tr("database_unavailable"), icon=":material/cloud_off:")
except Exception:  # any other failure: a message in the user's language, details in the log
    log.exception("page failed")
    st.error(tr("error_page"), icon=":material/error:")
finally:
    mark_app_shell(False)
