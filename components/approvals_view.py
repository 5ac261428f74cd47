"""UI pieces of approval (data_loaders/ingest/approvals.py decides everything, again, on every click): the
approver's list of the submissions below them for a month with approve / return with a reason / unlock;
what a clerk sees of a returned submission; the approval state beside reporting status; the caption
saying how many of the figures on a leader's page are not approved yet."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from components import auth, cached
from components.exports import show_table
from components.kpi import Kpi, kpi_row
from components.markdown import escape
from components.state import language, tr
from components.tables import header_width
from data_loaders.figures import reporting
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import AS_OF_KEY, COMMUNE_KEY, LANG_KEY, PAGE_PATHS, PROVINCE_KEY
from data_loaders.i18n import DEFAULT_LANGUAGE, format_date, format_datetime, format_number, with_zone
from data_loaders.i18n.message import render
from data_loaders.identity import access
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.ingest import approvals

_OUTCOME = "_nq57_approval_outcome"
_CONFIRM_ALL = "_nq57_approval_confirm_all"  # the period and units an "approve all" click asked to confirm
_PICK, _REASON = "approval_pick", "approval_reason"
STATE_ICONS = {"submitted": ":material/pending:", "returned": ":material/undo:", "approved": ":material/lock:",
               "not_submitted": ":material/remove:"}


def _moment(value: dt.datetime | None) -> str:
    return format_datetime(value, language()) if value is not None else ""


def _cell_time(value: dt.datetime | None, by: str | None = None) -> str:
    """A time in a table cell, under a header that names the zone (with_zone): "06/12/2026 19:49 · sample"."""
    if value is None:
        return ""
    return format_datetime(value, language(), zone=False) + (f" · {by}" if by else "")


def state_label(state: str) -> str:
    return tr(f"approval_state_{state}")


def list_unit(account: Account, unit: UnitInfo) -> UnitInfo:
    """Whose submissions the page lists: the units directly below the chosen unit; at a commune, its
    province's communes (the commune among them)."""
    if unit.level == "commune" and unit.province_code:
        return cached.get_unit(unit.province_code)
    return unit


def submissions_page(account: Account, unit: UnitInfo, period: dt.date, today: dt.date) -> None:
    """The approver's page below the period picker."""
    lang = language()
    listed = approvals.submissions(unit.code, period, engine=cached.engine(), today=today)
    _outcome()
    own = listed["own"]
    if unit.level == "province":
        if own is not None and own["state"] == "approved":
            st.caption(tr("approval_own_approved", unit=unit.name, period=approvals.period_label(period),
                          by=own["decided_by"], at=_moment(own["decided_at"])))
        else:
            st.caption(tr("approval_own_waiting", unit=unit.name, period=approvals.period_label(period)))
    total = len(listed["children"])
    kpi_row([Kpi(state_label(state), format_number(listed["counts"][state], lang),
                 tr("reporting_of_units", total=format_number(total, lang))) for state in approvals.STATES])
    submitted = [row for row in listed["children"] if row["state"] != "not_submitted"]
    if not submitted:
        st.info(tr("approval_none_submitted", period=approvals.period_label(period)))
    else:
        _table(submitted, period)
        _approve_all_section(account, submitted, period)
        _decide_section(account, submitted, period)


def _table(rows: list[dict], period: dt.date) -> None:
    frame = pd.DataFrame([{
        "unit": row["unit"]["name"], "code": row["unit"]["code"],
        "state": state_label(row["state"]) + (f" ({tr('approval_locked_above_short')})" if row["locked_above"]
                                              and row["state"] != "approved" else ""),
        "reporting": tr(f"reporting_status_{row['reporting']}"),
        "uploads": row["uploads"], "task_reports": row["task_reports"], "indicator_values": row["indicator_values"],
        "last_at": _cell_time(row["last_submitted_at"], row["last_submitted_by"]),
        "last_by": row["last_submitted_by"] or "",
        "decided": _cell_time(row["decided_at"], row["decided_by"]) if row["decided_by"] else "",
        "reason": row["reason"] or "",
    } for row in rows])
    show_table(frame, name=f"{tr('approvals_title')} {period:%Y-%m}", key="approvals_table", column_config={
        "unit": st.column_config.TextColumn(tr("col_unit"), width=135),
        "code": st.column_config.TextColumn(tr("approval_col_code")),
        "state": st.column_config.TextColumn(tr("approval_col_state"), width=120),
        "reporting": st.column_config.TextColumn(tr("reporting_col_status"), width=80),
        "uploads": st.column_config.NumberColumn(tr("approval_col_uploads"), format="%d"),
        "task_reports": st.column_config.NumberColumn(tr("reporting_col_task_reports"), format="%d",
                                                      width=header_width(tr("reporting_col_task_reports"))),
        "indicator_values": st.column_config.NumberColumn(tr("reporting_col_indicator_values"), format="%d",
                                                          width=header_width(tr("reporting_col_indicator_values"))),
        "last_at": st.column_config.TextColumn(with_zone(tr("reporting_col_last_at")), width=180),
        "last_by": st.column_config.TextColumn(tr("reporting_col_last_by")),
        "decided": st.column_config.TextColumn(with_zone(tr("approval_col_decided"))),
        "reason": st.column_config.TextColumn(tr("approval_col_reason"), width="large"),
    # on screen what an approver weighs (each time with its sender); the code, the number of uploads, who decided
    # and the reason are in the downloads and, for the chosen submission, in its uploads and steps below
    }, column_order=("unit", "state", "reporting", "task_reports", "indicator_values", "last_at"))


def _decide_section(account: Account, rows: list[dict], period: dt.date) -> None:
    """One submission: what it holds (its uploads, a link to its figures), its steps, and the buttons."""
    by_code = {row["unit"]["code"]: row for row in rows}
    st.subheader(tr("approval_decide_heading"))
    if st.session_state.get(_PICK) not in by_code:
        st.session_state.pop(_PICK, None)
    code = st.selectbox(tr("approval_pick"), list(by_code), key=_PICK,
                        format_func=lambda c: f"{by_code[c]['unit']['name']} · {state_label(by_code[c]['state'])}")
    row = by_code[code]
    _uploads(code, period)
    # a relative link: the reporting status of that unit, under the app's own address whatever its base path
    link = f"{PAGE_PATHS['reporting_status']}?{urlencode(_drill_params(code, period))}"
    st.markdown(f":material/open_in_new: [{escape(tr('approval_open_unit', unit=row['unit']['name']))}]({link})")
    history = approvals.steps(code, period, cached.engine())
    if history:
        st.caption(tr("approval_history") + " " + "; ".join(
            tr(f"approval_step_{s['step']}", by=s["actor"], at=_moment(s["at"]))
            + (f" — {escape(s['reason'])}" if s["reason"] else "") for s in history))
    if not access.may_approve_unit(account, code):
        st.info(tr("approval_not_yours", unit=row["unit"]["name"]), icon=":material/lock:")
        return
    state = row["state"]
    if state == "approved":
        st.button(tr("approval_unlock"), key="approval_unlock", icon=":material/lock_open:", on_click=_decide,
                  args=("unlock", account, code, period), disabled=row["locked_above"])
        if row["locked_above"]:
            st.caption(tr("approval_locked_above_short"))
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_area(tr("approval_reason"), key=_REASON, max_chars=1000, height=80,
                   placeholder=tr("approval_reason_placeholder"))
    right.button(tr("approval_return"), key="approval_return", icon=":material/undo:", on_click=_decide,
                 args=("return", account, code, period), disabled=row["locked_above"], use_container_width=True)
    st.button(tr("approval_approve"), key="approval_approve", icon=":material/task_alt:", type="primary",
              on_click=_decide, args=("approve", account, code, period))


def _approve_all_section(account: Account, rows: list[dict], period: dt.date) -> None:
    """Approve every submission awaiting approval, after a confirmation naming them. Each unit is then
    approved by its own step (approvals.approve_all: decide("approve", …) per unit, audited); the units
    refused are listed in the outcome. Offered when one of them at least is this approver's to decide."""
    awaiting = [row for row in rows if row["state"] == "submitted"]
    codes = [row["unit"]["code"] for row in awaiting]
    if not any(access.may_approve_unit(account, code) for code in codes):
        st.session_state.pop(_CONFIRM_ALL, None)
        return
    asked = st.session_state.get(_CONFIRM_ALL)
    if asked != (period, codes):  # never asked, or the awaiting list changed since: ask again
        st.session_state.pop(_CONFIRM_ALL, None)
        st.button(tr("approval_all_button", count=format_number(len(codes), language())), key="approval_all",
                  icon=":material/done_all:", on_click=_ask_all, args=(period, codes))
        return
    units = _names([row["unit"]["name"] for row in awaiting])
    st.warning(tr("approval_all_confirm_text", period=approvals.period_label(period), units=units,
                  count=format_number(len(codes), language())), icon=":material/done_all:")
    left, right, _ = st.columns([2, 1, 3])
    left.button(tr("approval_all_confirm", count=format_number(len(codes), language())), key="approval_all_confirm",
                type="primary", icon=":material/task_alt:", on_click=_approve_all, args=(account, codes, period),
                use_container_width=True)
    right.button(tr("approval_all_cancel"), key="approval_all_cancel", on_click=st.session_state.pop,
                 args=(_CONFIRM_ALL, None), use_container_width=True)


def _names(names: list[str], shown: int = 10) -> str:
    """The first names, then how many more (the table above lists them all), escaped for markdown."""
    text = ", ".join(escape(name) for name in names[:shown])
    if len(names) > shown:
        text += " " + tr("approval_all_more", count=format_number(len(names) - shown, language()))
    return text


def _ask_all(period: dt.date, codes: list[str]) -> None:
    st.session_state[_CONFIRM_ALL] = (period, codes)


def _approve_all(account: Account, codes: list[str], period: dt.date) -> None:
    """Confirm callback: the units confirmed, each approved by its own step, checked again in data_loaders."""
    st.session_state.pop(_CONFIRM_ALL, None)
    lang, when = language(), approvals.period_label(period)
    done = approvals.approve_all(codes, period, actor=account.username, account=account, engine=cached.engine())
    outcomes = []
    if done["approved"]:
        names = _names([decided["unit"]["name"] for decided in done["approved"]])
        outcomes.append(("success", tr("approval_all_done", period=when, units=names,
                                       count=format_number(len(done["approved"]), lang))))
    if done["refused"]:
        lines = "\n".join(f"- {escape(tr(item['key'], **item['params']))}" for item in done["refused"])
        outcomes.append(("error", tr("approval_all_refused", count=format_number(len(done["refused"]), lang))
                         + "\n\n" + lines))
    st.session_state[_OUTCOME] = outcomes
    _repick()


def _repick() -> None:
    """After a decision: the unit picker chose the same unit again, so the browser is sent its label with
    the new state (it keeps the label it showed otherwise: "· Chờ phê duyệt" after approving)."""
    if st.session_state.get(_PICK) is not None:
        st.session_state[_PICK] = st.session_state[_PICK]


def _drill_params(code: str, period: dt.date) -> dict[str, str]:
    """The query string opening a page at this unit and month (figures/views.py), in the page's language."""
    unit = cached.get_unit(code)
    params = ({PROVINCE_KEY: unit.province_code or "", COMMUNE_KEY: unit.code} if unit.level == "commune"
              else {PROVINCE_KEY: unit.code})
    params[AS_OF_KEY] = reporting.period_bounds(period)[1].isoformat()
    if language() != DEFAULT_LANGUAGE:
        params[LANG_KEY] = language()
    return params


def _uploads(code: str, period: dt.date) -> None:
    """The uploads holding the submission: what the approver opens to check it."""
    lang = language()
    found = approvals.submission_uploads(code, period, cached.engine())
    frame = pd.DataFrame([{
        "id": u["id"], "at": _cell_time(u["uploaded_at"]), "by": u["uploaded_by"], "file": u["file_name"],
        "task_reports": u["task_reports"], "indicator_values": u["indicator_values"],
    } for u in found], columns=["id", "at", "by", "file", "task_reports", "indicator_values"])
    st.caption(tr("approval_uploads_caption", count=format_number(len(found), lang)))
    show_table(frame, name=f"{tr('approval_uploads')} {code} {period:%Y-%m}", key="approval_uploads", column_config={
        "id": st.column_config.NumberColumn(tr("col_upload_id"), format="%d", width=50),
        "at": st.column_config.TextColumn(with_zone(tr("col_uploaded_at")), width=140),
        "by": st.column_config.TextColumn(tr("col_uploaded_by"), width=100),
        "file": st.column_config.TextColumn(tr("col_file_name"), width=220),
        "task_reports": st.column_config.NumberColumn(tr("reporting_col_task_reports"), format="%d",
                                                      width=header_width(tr("reporting_col_task_reports"))),
        "indicator_values": st.column_config.NumberColumn(tr("reporting_col_indicator_values"), format="%d",
                                                          width=header_width(tr("reporting_col_indicator_values"))),
    })


def _decide(step: str, account: Account, code: str, period: dt.date) -> None:
    """Button callback: the step, checked again in data_loaders."""
    reason = st.session_state.get(_REASON) if step == "return" else None
    try:
        approvals.decide(step, code, period, actor=account.username, account=account, reason=reason,
                         engine=cached.engine())
    except AccountError as error:
        st.session_state[_OUTCOME] = ("error", auth.error_message(error))
        return
    if step == "return":
        st.session_state[_REASON] = ""
    _repick()
    st.session_state[_OUTCOME] = ("success", tr(f"approval_done_{step}", unit=access.unit_label(code, language()),
                                                period=approvals.period_label(period)))


def _outcome() -> None:
    """What the last click did: one (kind, text), or a list of them (approve all)."""
    found = st.session_state.pop(_OUTCOME, [])
    for kind, text in [found] if isinstance(found, tuple) else found:
        if kind == "success":
            st.success(text, icon=":material/task_alt:")
        elif kind == "error":
            st.error(text, icon=":material/block:")


def returned_notice(account: Account | None) -> None:
    """A clerk's returned submissions (inside their scope, not sent again yet), each with its reason."""
    if account is None:
        return
    lang = language()
    for item in approvals.returned_in_scope(account.scope_code, cached.engine(), limit=10):
        day = item["decided_at"].astimezone(reporting.VIETNAM_TIME).date()
        st.warning(tr("approval_returned_notice", unit=escape(item["unit"]),
                      period=approvals.period_label(item["period"]), by=escape(item["decided_by"]),
                      at=format_date(day, lang), reason=escape(item["reason"] or "")), icon=":material/undo:")


def states_by_unit(result: reporting.ReportingStatus) -> dict[str, dict]:
    """The approval state of each unit of a reporting status (read afresh: a decision is not new data)."""
    return approvals.states_for(result, cached.engine())


@st.cache_data(show_spinner=False, max_entries=500)
def _counting_note(database: str, version: int, decisions: int, unit_code: str, day: dt.date, counted: str):
    # keyed on the data and on the decisions (a decision moves no figure in the default mode, only this line)
    return approvals.counting_note(unit_code, day, cached.engine(), counted=counted)


def counting_note(unit: UnitInfo, day: dt.date, counted: str | None = None, engine=None):
    """approvals.counting_note for the unit and the month of `day`, cached as the caption's is (on the data
    version and the latest approval step); `counted` defaults to this run's mode. For the presentation's deck."""
    engine = cached.engine()
    return _counting_note(str(engine.url), cached.data_version(), cached.decisions_version(), unit.code, day,
                          counted or cached.counted())


def approval_caption(unit: UnitInfo, day: dt.date) -> None:
    """What a leader's figures for the month of `day` count (ingest/approvals.py `counting_note`, in the
    mode the page's figures were read in): "gồm N/M báo cáo chưa được phê duyệt", or in approved-only
    mode "chỉ tính số liệu đã phê duyệt: N báo cáo đang chờ … không được tính". Cached on the data version
    and the latest approval step (both read with the run's data version)."""
    engine = cached.engine()
    note = _counting_note(str(engine.url), cached.data_version(), cached.decisions_version(), unit.code, day,
                          cached.counted())
    if note is not None:
        st.caption(render(note, language()))
