"""UI pieces of the audit page: the filters and the read-only table of entries, a page at a time.
Entries come from data_loaders.audit.entries (filtered and paged in SQL); their text is shown in
table cells, never as HTML. Times are Vietnam's, labelled (i18n.format_datetime); an entry's
details are written out in the reader's language ("Vai trò: Quản trị viên; Phạm vi: Toàn quốc"),
not as the stored JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components import cached
from components.exports import show_table
from components.state import language, tr
from data_loaders.figures.scope import UnknownUnit
from data_loaders.i18n import DASH, TIME_ZONE, format_date, format_datetime, format_number, message_keys, t, with_zone
from data_loaders.identity import audit
from data_loaders.identity.accounts import ROLES
from data_loaders.store.models import NATIONAL_CODE

PAGE_SIZES = (50, 200, 1000)
_PAGE = "audit_page_number"


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None
    action: str | None
    since: dt.date | None
    until: dt.date | None  # inclusive: entries of that whole day
    page_size: int


def action_label(action: str) -> str:
    return tr(f"audit_action_{action}") if action in audit.ACTIONS else action


def audit_filters() -> AuditFilter:
    date_format = "DD/MM/YYYY" if language() == "vi" else "YYYY-MM-DD"
    # a date field needs about 160 px for "dd / mm / yyyy" and its calendar at 1280 px
    # and "Số dòng mỗi trang" about 120 px (at 1 part it wrapped and pushed its box below the others)
    actor_col, action_col, since_col, until_col, size_col = st.columns([1.6, 1.9, 1.6, 1.6, 1.3],
                                                                       vertical_alignment="bottom")
    actor = actor_col.text_input(tr("audit_filter_actor"), key="audit_actor", max_chars=120,
                                 help=tr("audit_filter_actor_help"))
    action = action_col.selectbox(tr("audit_filter_action"), audit.ACTIONS, index=None, format_func=action_label,
                                  placeholder=tr("audit_filter_all_actions"), key="audit_action")
    since = since_col.date_input(tr("audit_filter_since"), value=None, format=date_format, key="audit_since")
    until = until_col.date_input(tr("audit_filter_until"), value=None, format=date_format, key="audit_until")
    size = size_col.selectbox(tr("audit_page_size"), PAGE_SIZES, key="audit_page_size")
    chosen = AuditFilter(actor.strip().lower() or None, action, since, until, size)
    if st.session_state.get("audit_last_filter") != chosen:  # a new filter starts at the newest entries
        st.session_state["audit_last_filter"] = chosen
        st.session_state[_PAGE] = 0
    return chosen


def audit_table(chosen: AuditFilter) -> None:
    if chosen.since and chosen.until and chosen.until < chosen.since:
        st.warning(tr("audit_dates_reversed"), icon=":material/event_busy:")
        return
    page = st.session_state.get(_PAGE, 0)
    # dates are Vietnamese calendar days: from 00:00 of `since` to the end of `until`, Vietnam time
    since = _vietnam_midnight(chosen.since) if chosen.since else None
    until = _vietnam_midnight(chosen.until + dt.timedelta(days=1)) if chosen.until else None
    rows = audit.entries(actor=chosen.actor, action=chosen.action, since=since, until=until,
                         limit=chosen.page_size + 1, offset=page * chosen.page_size, engine=cached.engine())
    more = len(rows) > chosen.page_size
    rows = rows[:chosen.page_size]
    lang = language()
    if not rows:
        st.info(tr("audit_empty"), icon=":material/info:")
    else:
        frame = pd.DataFrame([{
            "at": format_datetime(row["at"], lang, zone=False), "actor": row["actor"] or "",
            "action": action_label(row["action"]),
            "target": row["target"] or "", "outcome": tr(f"audit_outcome_{row['outcome']}")
            if row["outcome"] in audit.OUTCOMES else row["outcome"], "detail": detail_text(row["detail"], lang),
        } for row in rows], columns=["at", "actor", "action", "target", "outcome", "detail"])
        show_table(frame, name=tr("nav_audit"), key="audit_entries", lead=("at", "action"), column_config={
            "at": st.column_config.TextColumn(with_zone(tr("audit_col_at")), width=130),
            "actor": st.column_config.TextColumn(tr("audit_col_actor"), width=95),
            "action": st.column_config.TextColumn(tr("audit_col_action"), width=140),
            "target": st.column_config.TextColumn(tr("audit_col_target"), width=110),
            "outcome": st.column_config.TextColumn(tr("audit_col_outcome"), width=80),
            # the rest of the row; a long detail wraps onto three lines (a click on the cell shows it whole)
            "detail": st.column_config.TextColumn(tr("audit_col_detail"), width=245),
        }, row_height=66)
    first = page * chosen.page_size + 1
    st.caption(tr("audit_showing", first=format_number(first if rows else 0, language()),
                  last=format_number(page * chosen.page_size + len(rows), language())))
    newer, older, _ = st.columns([1, 1, 4])
    if newer.button(tr("audit_newer"), key="audit_newer", disabled=page == 0, icon=":material/arrow_back:"):
        st.session_state[_PAGE] = page - 1
        st.rerun()
    if older.button(tr("audit_older"), key="audit_older", disabled=not more, icon=":material/arrow_forward:"):
        st.session_state[_PAGE] = page + 1
        st.rerun()


def _vietnam_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), TIME_ZONE)


# --- an entry's details, in words ------------------------------------------------------------------

# Detail fields each with its label (shell_audit_field_<name>), in the order they are read.
DETAIL_FIELDS = (
    "reason", "provider", "role", "scope_code", "agency", "email", "display_name", "failed_attempts",
    "locked_until", "minutes", "upload_id", "kind", "status", "rows", "created", "updated", "unchanged", "unit",
    "as_of", "bytes", "old", "new", "changes",
)
SIGN_IN_REASONS = ("unknown_user", "wrong_password", "locked", "disabled", "expired", "no_account_for_email")
PROVIDERS = ("password", "oidc")


def _unit_name(code: object, lang: str) -> str:
    if code == NATIONAL_CODE:
        return t("level_national", lang)
    try:
        return cached.get_unit(str(code)).name
    except UnknownUnit:
        return str(code)


def _reason(value: object, detail: dict, lang: str) -> str:
    if value in SIGN_IN_REASONS:
        return t(f"shell_audit_reason_{value}", lang)
    if isinstance(value, str) and value in message_keys(lang):  # a refusal stored as its message key
        params = {k: v for k, v in detail.items() if k != "reason"}
        try:
            return t(value, lang, **params)
        except (KeyError, IndexError, ValueError):
            return t(value, lang)
    return str(value)


def _value(field: str, value: object, detail: dict, lang: str) -> str:
    if value is None or value == "":
        return DASH
    if field == "reason":
        return _reason(value, detail, lang)
    if field == "provider" and value in PROVIDERS:
        return t(f"shell_audit_provider_{value}", lang)
    if field == "role" and value in ROLES:
        return t(f"role_{value}", lang)
    if field in ("scope_code", "unit"):
        return _unit_name(value, lang)
    if field == "kind" and value in ("tasks", "indicators"):
        return t(f"upload_kind_{value}", lang)
    if field == "status" and value in ("imported", "unchanged", "rejected"):
        return t(f"upload_status_{value}", lang)
    if field == "locked_until":
        try:
            return format_datetime(dt.datetime.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    if field == "as_of":
        try:
            return format_date(dt.date.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    if field == "upload_id":
        return str(value)
    if isinstance(value, bool):
        return t("shell_audit_yes" if value else "shell_audit_no", lang)
    if isinstance(value, float | int):
        return format_number(value, lang, decimals=None)
    if isinstance(value, list | tuple):
        return ", ".join(_value(field, item, detail, lang) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k, lang)}: {_value(k, v, value, lang)}" for k, v in value.items())
    return str(value)


def _label(field: str, lang: str) -> str:
    return t(f"shell_audit_field_{field}", lang) if field in DETAIL_FIELDS else field


def detail_text(detail: object, lang: str) -> str:
    """An audit entry's detail as a sentence of "label: value" pairs in `lang`: roles, units,
    reasons, upload kinds and outcomes by their names, times in Vietnam's time, numbers the
    language's way; a change as "old → new". Fields nobody has named yet keep their stored name."""
    if not detail:
        return ""
    if not isinstance(detail, dict):
        return str(detail)
    ordered = sorted(detail, key=lambda k: (DETAIL_FIELDS.index(k) if k in DETAIL_FIELDS else len(DETAIL_FIELDS), k))
    parts = []
    for field in ordered:
        value = detail[field]
        if field == "reason" and isinstance(value, str) and value in message_keys(lang) \
                and value not in SIGN_IN_REASONS:
            return _reason(value, detail, lang)  # the refusal's own sentence already holds its parameters
        if field == "changes" and isinstance(value, dict):
            parts += [f"{_label(name, lang)}: {_value(name, old, detail, lang)} → {_value(name, new, detail, lang)}"
                      for name, (old, new) in ((n, _pair(v)) for n, v in value.items())]
            continue
        parts.append(f"{_label(field, lang)}: {_value(field, value, detail, lang)}")
    return "; ".join(parts)


def _pair(value: object) -> tuple[object, object]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value
