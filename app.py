"""NQ57 Dashboard: entry point. Page config, who is signed in, the navigation they may use, and
the sidebar every page shares."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

st.set_page_config(page_title="NQ57 Dashboard", page_icon="📊", layout="wide")

from components import auth, cached  # noqa: E402  (after set_page_config)
from components.leader_board import lands_on_board, open_board_instead  # noqa: E402
from components.shell_guard import mark_app_shell  # noqa: E402
from components.sidebar import render_sidebar  # noqa: E402
from components.state import (  # noqa: E402
    apply_account_language,
    keep_language_in_url,
    language_from_url,
    pop_outside_scope_notice,
    set_viewable_scope,
    tr,
    viewable_scope,
)
from data_loaders.figures.views import PAGE_PATHS  # noqa: E402
from data_loaders.identity import access, accounts  # noqa: E402

log = logging.getLogger("nq57")
language_from_url()  # before any text: a link's `?lang=` decides the language


def pages() -> dict:
    """Each page with the action a person must be allowed; st.navigation gets only the permitted
    ones. Built once the run's language is settled (the titles are in it)."""
    return {
        "nav_section_views": [
            ("view", st.Page("pages/overview.py", title=tr("nav_overview"), icon=":material/dashboard:", default=True)),
            ("view", st.Page("pages/leader_board.py", title=tr("nav_leader_board"), icon=":material/space_dashboard:",
                             url_path=PAGE_PATHS["leader_board"])),
            ("view", st.Page("pages/inbox.py", title=tr("nav_inbox"), icon=":material/inbox:",
                             url_path=PAGE_PATHS["inbox"])),
            ("view", st.Page("pages/tasks.py", title=tr("nav_tasks"), icon=":material/task_alt:",
                             url_path=PAGE_PATHS["tasks"])),
            ("view", st.Page("pages/infrastructure.py", title=tr("nav_infrastructure"), icon=":material/cell_tower:",
                             url_path=PAGE_PATHS["infrastructure"])),
            ("view", st.Page("pages/ecosystem.py", title=tr("nav_ecosystem"), icon=":material/rocket_launch:",
                             url_path=PAGE_PATHS["ecosystem"])),
            ("view", st.Page("pages/map.py", title=tr("nav_map"), icon=":material/map:", url_path=PAGE_PATHS["map"])),
            ("view", st.Page("pages/warnings.py", title=tr("nav_warnings"), icon=":material/notifications_active:",
                             url_path=PAGE_PATHS["warnings"])),
            ("view", st.Page("pages/targets.py", title=tr("nav_targets"), icon=":material/flag:",
                             url_path=PAGE_PATHS["targets"])),
            ("view", st.Page("pages/accountability.py", title=tr("nav_accountability"), icon=":material/leaderboard:",
                             url_path=PAGE_PATHS["accountability"])),
            ("view", st.Page("pages/quality.py", title=tr("nav_quality"), icon=":material/fact_check:",
                             url_path=PAGE_PATHS["quality"])),
            ("view", st.Page("pages/reporting_status.py", title=tr("nav_reporting_status"),
                             icon=":material/event_available:", url_path=PAGE_PATHS["reporting_status"])),
            ("view", st.Page("pages/directions.py", title=tr("nav_directions"), icon=":material/assignment_late:",
                             url_path=PAGE_PATHS["directions"])),
            ("view", st.Page("pages/presentation.py", title=tr("nav_presentation"), icon=":material/slideshow:",
                             url_path=PAGE_PATHS["presentation"])),
        ],
        "nav_section_data": [
            ("upload", st.Page("pages/upload.py", title=tr("nav_upload"), icon=":material/upload_file:",
                               url_path=PAGE_PATHS["upload"])),
            ("upload", st.Page("pages/report_online.py", title=tr("nav_report_online"), icon=":material/edit_note:",
                               url_path=PAGE_PATHS["report_online"])),
            ("approve", st.Page("pages/approvals.py", title=tr("nav_approvals"), icon=":material/approval:",
                                url_path=PAGE_PATHS["approvals"])),
            ("upload", st.Page("pages/plans.py", title=tr("nav_plans"), icon=":material/account_tree:",
                               url_path=PAGE_PATHS["plans"])),
        ],
        "nav_section_admin": [
            ("manage_accounts", st.Page("pages/admin_accounts.py", title=tr("nav_admin_accounts"),
                                        icon=":material/manage_accounts:", url_path=PAGE_PATHS["accounts"])),
            ("manage_settings", st.Page("pages/admin_settings.py", title=tr("nav_admin_settings"),
                                        icon=":material/tune:", url_path=PAGE_PATHS["settings"])),
            ("read_audit", st.Page("pages/audit.py", title=tr("nav_audit"), icon=":material/history:",
                                   url_path=PAGE_PATHS["audit"])),
            ("manage_indicators", st.Page("pages/admin_indicators.py", title=tr("nav_admin_indicators"),
                                          icon=":material/format_list_numbered:", url_path=PAGE_PATHS["indicators"])),
        ],
    }


def _hidden_navigation() -> None:
    """Every page registered but none shown: the URL of a shared link (page and query string)
    stays as it is while the person signs in, and opens once they have."""
    st.navigation([page for section in pages().values() for _, page in section], position="hidden")


try:
    cached.refresh_data_version()  # once per run: every cached query below is keyed on it
    if accounts.needs_setup(cached.engine()):
        _hidden_navigation()
        auth.setup_screen()  # first run: create the administrator (no default password)
        st.stop()
    public_read_only = bool(cached.settings()["public_read_only"])
    account = auth.current_account()
    apply_account_language(account.username if account else None)  # once per sign-in, unless the link names one
    keep_language_in_url()
    landing = lands_on_board(account)  # an account whose unit designed its leader's page opens on it
    if not landing:  # (a landing writes it on the page it lands on: a page switch would drop it)
        auth.write_pending_cookie()  # after a sign-in or sign-out: the browser's session cookie
except OperationalError:
    log.exception("database unavailable")
    st.error(tr("database_unavailable"), icon=":material/cloud_off:")
    st.stop()

if account is None and (not public_read_only or auth.wants_sign_in()):
    _hidden_navigation()
    auth.sign_in_screen(public_read_only)
    st.stop()

permitted = {
    tr(section): [page for action, page in entries if access.may(account, action, public_read_only=public_read_only)]
    for section, entries in pages().items()
}
# expanded: an administrator's section is not folded away behind "View more"
navigation = st.navigation({section: pages for section, pages in permitted.items() if pages}, expanded=True)
if landing:
    open_board_instead(navigation)  # the overview asked for: the leader's page instead
    auth.write_pending_cookie()
set_viewable_scope(access.viewable_scope(account))
render_sidebar(account, public_read_only)
auth.return_to_shared_view()
if pop_outside_scope_notice():
    st.warning(tr("auth_outside_scope", unit=viewable_scope().name), icon=":material/lock:")
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
