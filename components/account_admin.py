"""UI pieces of the accounts page: the table of accounts, and the forms that create, change,
disable and re-enable accounts and reset passwords. data_loaders.accounts does the work and the
checks (the actor must be an enabled administrator, the last administrator stays one); a refusal
comes back as an AccountError shown in the person's language. User-supplied text (names,
e-mails, agencies) is only shown in tables and widget values, never as HTML."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import auth, cached
from components.exports import show_table
from components.markdown import escape
from components.state import language, tr
from data_loaders.i18n import format_datetime, t, with_zone
from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.identity import accounts
from data_loaders.identity.accounts import ROLES, Account, AccountError
from data_loaders.store.models import NATIONAL_CODE

_FLASH = "admin_accounts_flash"


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC time as Vietnam's clock time, 06/12/2026 14:05, for a column whose header names the zone
    (with_zone)."""
    return "" if value is None else format_datetime(value, language(), zone=False)


def show_flash() -> None:
    """The outcome of the last change (set by the form callbacks, which run before the page)."""
    outcome = st.session_state.pop(_FLASH, None)
    if outcome is None:
        return
    ok, message = outcome
    if ok:
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/block:")


def _done(message: str) -> None:
    st.session_state[_FLASH] = (True, message)


def _refused(message: str) -> None:
    st.session_state[_FLASH] = (False, message)


@st.cache_data(show_spinner=False)
def _scope_labels(database: str, version: int, lang: str) -> dict[str, str]:
    """Every unit an account can be scoped to: the nation, the provinces, then each commune with
    its province (3,300+ options; the select box filters as one types)."""
    labels = {NATIONAL_CODE: t("level_national", lang)}
    for unit in sorted(cached.units_for_search(),
                       key=lambda u: (u["level"] != "province", vietnamese_sort_key(u["province_name"]),
                                      vietnamese_sort_key(u["name"]))):
        labels[unit["code"]] = (unit["name"] if unit["level"] == "province"
                                else f"{unit['name']} — {unit['province_name']}")
    return labels


def scope_labels() -> dict[str, str]:
    return _scope_labels(str(cached.engine().url), cached.data_version(), language())


def account_table() -> list[Account]:
    everyone = accounts.list_accounts(engine=cached.engine())
    labels = scope_labels()
    frame = pd.DataFrame([{
        "username": a.username, "display_name": a.display_name, "email": a.email or "",
        "role": auth.role_label(a.role), "scope": labels.get(a.scope_code, a.scope_code), "agency": a.agency or "",
        "status": tr("admin_status_disabled") if a.disabled else tr("admin_status_active"),
        "created_at": local_time(a.created_at), "last_sign_in_at": local_time(a.last_sign_in_at),
    } for a in everyone], columns=["username", "display_name", "email", "role", "scope", "agency", "status",
                                   "created_at", "last_sign_in_at"])
    show_table(frame, name=tr("nav_admin_accounts"), key="accounts_table", lead=("username", "role"), column_config={
        "username": st.column_config.TextColumn(tr("auth_username"), width=120),
        "display_name": st.column_config.TextColumn(tr("auth_display_name"), width=150),
        "email": st.column_config.TextColumn(tr("auth_email")),
        "role": st.column_config.TextColumn(tr("admin_role"), width=105),
        "scope": st.column_config.TextColumn(tr("admin_scope"), width=130),
        "agency": st.column_config.TextColumn(tr("admin_agency")),
        "status": st.column_config.TextColumn(tr("admin_status"), width=85),
        "created_at": st.column_config.TextColumn(with_zone(tr("admin_created_at"))),
        "last_sign_in_at": st.column_config.TextColumn(with_zone(tr("admin_last_sign_in")), width=175),
    # on screen who, what they may do and whether they still come; e-mail, agency and creation in the downloads
    }, column_order=("username", "display_name", "role", "scope", "status", "last_sign_in_at"))
    st.caption(tr("admin_times_note"))
    return everyone


def _role_and_scope(prefix: str, role: str = "viewer", scope: str = NATIONAL_CODE, agency: str | None = None):
    labels = scope_labels()
    left, middle, right = st.columns(3)
    chosen_role = left.selectbox(tr("admin_role"), ROLES, index=ROLES.index(role), format_func=auth.role_label,
                                 key=f"{prefix}_role", help=tr("admin_role_help"))
    chosen_scope = middle.selectbox(tr("admin_scope"), list(labels), index=list(labels).index(scope)
                                    if scope in labels else 0, format_func=lambda c: labels.get(c, c),
                                    key=f"{prefix}_scope", help=tr("admin_scope_help"))
    chosen_agency = right.text_input(tr("admin_agency"), value=agency or "", max_chars=200, key=f"{prefix}_agency",
                                     help=tr("admin_agency_help"))
    return chosen_role, chosen_scope, chosen_agency.strip()


# The forms do their work in on_click callbacks: a callback runs before the script, so a click is
# never lost to a rerun, and the page then shows the outcome (show_flash) and the updated table.

def create_account_form(admin: Account) -> None:
    with st.form("create_account"):
        left, middle, right = st.columns(3)
        left.text_input(tr("auth_username"), max_chars=60, key="new_username", help=tr("auth_username_help"))
        middle.text_input(tr("auth_display_name"), max_chars=120, key="new_display_name")
        right.text_input(tr("auth_email"), max_chars=254, key="new_email", help=tr("auth_email_help"))
        _role_and_scope("new")
        left, right = st.columns(2)
        left.text_input(tr("auth_password"), type="password", max_chars=200, key="new_password",
                        help=tr("auth_password_help", length=accounts.MIN_PASSWORD_LENGTH), autocomplete="new-password")
        right.text_input(tr("auth_password_repeat"), type="password", max_chars=200, key="new_password_repeat",
                         autocomplete="new-password")
        st.form_submit_button(tr("admin_create_button"), key="create_submit", type="primary",
                              icon=":material/person_add:", on_click=_create, args=(admin.username,))


def _create(actor: str) -> None:
    state = st.session_state
    password, repeat = state.get("new_password") or "", state.get("new_password_repeat") or ""
    state["new_password"] = state["new_password_repeat"] = ""
    if password != repeat:
        _refused(tr("auth_passwords_differ"))
        return
    try:
        created = accounts.create_account(
            state.get("new_username") or "", password, state.get("new_role") or "viewer",
            state.get("new_scope") or NATIONAL_CODE, agency=(state.get("new_agency") or "").strip() or None,
            email=(state.get("new_email") or "").strip() or None,
            display_name=(state.get("new_display_name") or "").strip(), actor=actor, engine=cached.engine())
    except AccountError as error:
        _refused(auth.error_message(error))
        return
    for key in ("new_username", "new_display_name", "new_email", "new_agency"):
        state[key] = ""
    _done(tr("admin_created", username=escape(created.username)))


def change_account_form(admin: Account, account: Account) -> None:
    prefix = f"edit::{account.username}"
    with st.form(f"change_account::{account.username}"):
        left, right = st.columns(2)
        left.text_input(tr("auth_display_name"), value=account.display_name, max_chars=120,
                        key=f"{prefix}_display_name")
        right.text_input(tr("auth_email"), value=account.email or "", max_chars=254, key=f"{prefix}_email",
                         help=tr("auth_email_help"))
        _role_and_scope(prefix, account.role, account.scope_code, account.agency)
        st.form_submit_button(tr("admin_save_changes"), key=f"{prefix}_submit", type="primary", icon=":material/save:",
                              on_click=_change, args=(admin.username, account.username, prefix))


def _change(actor: str, username: str, prefix: str) -> None:
    state = st.session_state
    try:
        accounts.update_account(username, role=state.get(f"{prefix}_role"), scope_code=state.get(f"{prefix}_scope"),
                                agency=(state.get(f"{prefix}_agency") or "").strip(),
                                email=(state.get(f"{prefix}_email") or "").strip(),
                                display_name=(state.get(f"{prefix}_display_name") or "").strip(),
                                actor=actor, engine=cached.engine())
    except AccountError as error:
        _refused(auth.error_message(error))
        return
    _forget_edits(username)
    _done(tr("admin_changed", username=escape(username)))


def _forget_edits(username: str) -> None:
    """Drop the edit widgets' state so they show the stored values again."""
    for key in [k for k in st.session_state if str(k).startswith(f"edit::{username}_")]:
        del st.session_state[key]


def enable_disable_controls(admin: Account, account: Account) -> None:
    if account.username == admin.username:
        st.caption(tr("admin_cannot_disable_self"))
        return
    if account.disabled:
        st.button(tr("admin_enable"), key=f"enable::{account.username}", icon=":material/lock_open:",
                  on_click=_set_disabled, args=(admin.username, account.username, False))
    else:
        st.button(tr("admin_disable"), key=f"disable::{account.username}", icon=":material/block:",
                  help=tr("admin_disable_help"), on_click=_set_disabled, args=(admin.username, account.username, True))


def _set_disabled(actor: str, username: str, disabled: bool) -> None:
    try:
        accounts.set_disabled(username, disabled, actor=actor, engine=cached.engine())
    except AccountError as error:
        _refused(auth.error_message(error))
        return
    _done(tr("admin_disabled" if disabled else "admin_enabled", username=escape(username)))


def reset_password_form(admin: Account, account: Account) -> None:
    with st.expander(tr("admin_reset_heading")):
        with st.form(f"reset_password::{account.username}"):
            left, right = st.columns(2)
            left.text_input(tr("auth_new_password"), type="password", max_chars=200, key=f"reset::{account.username}",
                            help=tr("auth_password_help", length=accounts.MIN_PASSWORD_LENGTH),
                            autocomplete="new-password")
            right.text_input(tr("auth_password_repeat"), type="password", max_chars=200,
                             key=f"reset_repeat::{account.username}", autocomplete="new-password")
            st.form_submit_button(tr("admin_reset_button"), key=f"reset_submit::{account.username}",
                                  icon=":material/password:", on_click=_reset_password,
                                  args=(admin.username, account.username))


def _reset_password(actor: str, username: str) -> None:
    state = st.session_state
    password, repeat = state.get(f"reset::{username}") or "", state.get(f"reset_repeat::{username}") or ""
    state[f"reset::{username}"] = state[f"reset_repeat::{username}"] = ""
    if password != repeat:
        _refused(tr("auth_passwords_differ"))
        return
    try:
        accounts.reset_password(username, password, actor=actor, engine=cached.engine())
    except AccountError as error:
        _refused(auth.error_message(error))
        return
    _done(tr("admin_password_reset", username=escape(username)))
