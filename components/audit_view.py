"""UI pieces of the audit page: the filters and the read-only table of entries, a page at a time.
Entries come from data_loaders.audit.entries (filtered and paged in SQL); their text is shown in
table cells, never as HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components import auth, cached
from components.account_admin import VIETNAM_TIME, local_time
from components.exports import show_table
from components.state import language, tr
from data_loaders.i18n import format_number
from data_loaders.identity import audit

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
    actor_col, action_col, since_col, until_col, size_col = st.columns([2, 2, 1.3, 1.3, 1])
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
    if not rows:
        st.info(tr("audit_empty"), icon=":material/info:")
    else:
        frame = pd.DataFrame([{
            "at": local_time(row["at"]), "actor": row["actor"] or "", "action": action_label(row["action"]),
            "target": row["target"] or "", "outcome": tr(f"audit_outcome_{row['outcome']}")
            if row["outcome"] in audit.OUTCOMES else row["outcome"], "detail": auth.detail_text(row["detail"]),
        } for row in rows], columns=["at", "actor", "action", "target", "outcome", "detail"])
        show_table(frame, name=tr("nav_audit"), key="audit_entries", column_config={
            "at": st.column_config.TextColumn(tr("audit_col_at")),
            "actor": st.column_config.TextColumn(tr("audit_col_actor")),
            "action": st.column_config.TextColumn(tr("audit_col_action")),
            "target": st.column_config.TextColumn(tr("audit_col_target")),
            "outcome": st.column_config.TextColumn(tr("audit_col_outcome")),
            "detail": st.column_config.TextColumn(tr("audit_col_detail"), width="large"),
        })
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
    return dt.datetime.combine(day, dt.time(), VIETNAM_TIME)
