"""Accounts (administrators only): who may sign in, with which role and scope; create, change,
disable or re-enable an account, reset a password. Every change goes through
data_loaders.accounts, which checks again that the actor is an administrator and audits it."""

import streamlit as st

from components import auth
from components.account_admin import (
    account_table,
    change_account_form,
    create_account_form,
    enable_disable_controls,
    reset_password_form,
    show_flash,
)
from components.shell_guard import require_app_shell
from components.state import tr

require_app_shell()
admin = auth.require("manage_accounts")

st.title(tr("nav_admin_accounts"))
st.caption(tr("admin_accounts_intro"))
show_flash()
everyone = account_table()
create_tab, change_tab = st.tabs([tr("admin_create_heading"), tr("admin_change_heading")])
with create_tab:
    create_account_form(admin)
with change_tab:
    chosen = st.selectbox(tr("admin_pick_account"), [a.username for a in everyone], index=None,
                          placeholder=tr("admin_pick_account_placeholder"), key="admin_pick_account")
    picked = next((a for a in everyone if a.username == chosen), None)
    if picked is not None:
        change_account_form(admin, picked)
        enable_disable_controls(admin, picked)
        reset_password_form(admin, picked)
