"""Directions on screen: the counts by state, each direction with its answers and evidence, and the
forms to write, answer and close one (each shown only to who may use it; data_loaders checks again)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import auth, cached
from components.markdown import escape
from components.state import go_to, language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.tasks import document_message
from data_loaders.follow_up import directions
from data_loaders.follow_up.directions import AnswerRefused, DirectionRow
from data_loaders.follow_up.evidence import ACCEPTED_TYPES, MAX_FILES_PER_ANSWER
from data_loaders.i18n import TIME_ZONE, format_date, format_number
from data_loaders.i18n.message import render
from data_loaders.identity.access import is_national_admin
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store.catalogue import REPORT_STATUSES

STATE_COLOUR = {"overdue": "red", "open": "orange", "answered": "blue", "closed": "gray"}
_OUTCOME_KEY = "_nq57_direction_outcome"


def local_today() -> dt.date:
    """Today in Vietnam: directions are live, not frozen at the figures' as-of date."""
    return dt.datetime.now(TIME_ZONE).date()


def _local_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(TIME_ZONE).date()


def _failure(error: AccountError) -> tuple[str, str]:
    """The refusal as the next run shows it, in the person's language."""
    if isinstance(error, AnswerRefused):
        lang = language()
        problems = "\n".join(f"- {escape(problem.message(lang))}" for problem in error.result.errors)
        return "error", tr("direction_answer_rejected", count=len(error.result.errors)) + "\n\n" + problems
    return "error", auth.error_message(error)


def _succeeded(key: str) -> None:
    st.session_state[_OUTCOME_KEY] = ("success", tr(key))
    cached.refresh_data_version()  # an answer may have committed a report: the figures follow it


def show_outcome() -> None:
    """What the last write said: done, or why it was refused."""
    kind, text = st.session_state.pop(_OUTCOME_KEY, (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/block:")


_OPEN_FORM_KEY = "_nq57_direction_form_open"


def start_direction_on(task_code: str) -> None:
    """Ask the directions page to open its form on this task (a warning card's "Direct" button)."""
    st.session_state["direction_new_task"] = task_code
    st.session_state[_OPEN_FORM_KEY] = True


_PAGE_KEY = "_nq57_direction_page_requested"


def request_direction(unit_code: str, task_code: str = "") -> None:
    """Button callback (a ranking row, a slide's unit): drill to the unit and ask the next run to open
    the directions page there with the form open, on the unit itself (or on `task_code`). A page
    switch cannot happen inside a callback: open_requested_direction does it."""
    start_direction_on(task_code)
    go_to(unit_code)
    st.session_state[_PAGE_KEY] = True


def open_requested_direction() -> None:
    """Open the directions page a button asked for, keeping the drill path and date in the URL."""
    if st.session_state.pop(_PAGE_KEY, False):
        st.switch_page("pages/directions.py", query_params=st.query_params.to_dict())


def new_direction_form(account: Account, unit: UnitInfo, tasks: list[tuple[str, str]], today: dt.date) -> None:
    """Write a direction on the unit or one of its tasks."""
    lang = language()
    if st.session_state.get("direction_new_task") not in {"", *(code for code, _ in tasks)}:
        st.session_state["direction_new_task"] = ""  # a task of another unit: the whole unit instead
    with st.expander(tr("direction_new"), icon=":material/edit_note:",
                     expanded=bool(st.session_state.pop(_OPEN_FORM_KEY, False))):
        with st.form("direction_new_form", enter_to_submit=False):
            choices = [""] + [code for code, _ in tasks]  # "": the whole unit (None would show a placeholder)
            titles = dict(tasks)
            st.selectbox(tr("direction_about"), choices, index=0, key="direction_new_task",
                         format_func=lambda code: tr("direction_about_unit", unit=unit.name) if not code
                         else f"{code} — {titles[code][:90]}")
            st.text_area(tr("direction_text"), max_chars=directions.MAX_TEXT, key="direction_new_text")
            left, right = st.columns(2)
            left.date_input(tr("direction_due"), value=None, min_value=today, key="direction_new_due",
                            format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD")
            right.text_input(tr("direction_addressed_to"), max_chars=directions.MAX_OFFICIAL,
                             key="direction_new_official")
            st.form_submit_button(tr("direction_send"), type="primary", icon=":material/send:",
                                  key="direction_new_submit", on_click=_create, args=(account, unit.code))


# The forms work in on_click callbacks: a callback runs before the script, so a click is never lost
# to a rerun, and the run that follows shows the outcome (show_outcome) and the updated list.

def _create(account: Account, unit_code: str) -> None:
    state = st.session_state
    try:
        directions.create_direction(account, text=state.get("direction_new_text"), unit_code=unit_code,
                                    task_code=state.get("direction_new_task") or None,
                                    due_date=state.get("direction_new_due"),
                                    addressed_to=state.get("direction_new_official"), engine=cached.engine())
    except AccountError as error:
        state[_OUTCOME_KEY] = _failure(error)
        return
    for key in ("direction_new_text", "direction_new_official"):
        state[key] = ""
    state["direction_new_due"] = None
    state["direction_new_task"] = ""
    _succeeded("direction_sent")


def _answer_form(account: Account, row: DirectionRow) -> None:
    lang = language()
    key = f"direction_answer_{row['id']}"
    with st.form(key, clear_on_submit=True, enter_to_submit=False):
        st.text_area(tr("answer_text"), max_chars=directions.MAX_TEXT, key=f"{key}_text")
        if row["task_code"]:
            left, right = st.columns(2)
            labels = {term.code: term.label(lang) for term in REPORT_STATUSES}
            left.selectbox(tr("answer_new_status"), [None, *labels], index=0, key=f"{key}_status",
                           format_func=lambda code: tr("answer_status_unchanged") if code is None else labels[code])
            right.number_input(tr("answer_new_progress"), min_value=0.0, max_value=100.0, value=None, step=5.0,
                               key=f"{key}_progress")
        st.file_uploader(tr("answer_evidence", count=MAX_FILES_PER_ANSWER), key=f"{key}_files",
                         type=[extension.lstrip(".") for extension in ACCEPTED_TYPES], accept_multiple_files=True)
        st.form_submit_button(tr("answer_send"), type="primary", icon=":material/reply:", key=f"{key}_submit",
                              on_click=_answer, args=(account, row["id"]))


def _answer(account: Account, direction_id: int) -> None:
    state = st.session_state
    key = f"direction_answer_{direction_id}"
    try:
        directions.answer_direction(account, direction_id, text=state.get(f"{key}_text"),
                                    status=state.get(f"{key}_status"), progress_pct=state.get(f"{key}_progress"),
                                    files=[(item.name, item.getvalue()) for item in state.get(f"{key}_files") or []],
                                    engine=cached.engine())
    except AccountError as error:
        state[_OUTCOME_KEY] = _failure(error)
        return
    _succeeded("answer_sent")


def _close(account: Account, direction_id: int) -> None:
    try:
        directions.close_direction(account, direction_id, engine=cached.engine())
    except AccountError as error:
        st.session_state[_OUTCOME_KEY] = _failure(error)
        return
    _succeeded("direction_closed")


def _answers(account: Account | None, row: DirectionRow) -> None:
    lang = language()
    engine = cached.engine()
    for answer in directions.direction_answers(account, row["id"], engine=engine):
        with st.container(border=True):
            st.caption(tr("answer_by", author=escape(answer["author"]),
                          date=format_date(_local_date(answer["created_at"]), lang)))
            st.markdown(escape(answer["text"]))
            if answer["upload_id"]:
                st.caption(tr("answer_committed_report", upload=answer["upload_id"]))
            for item in answer["evidence"]:
                st.download_button(
                    f"{item['file_name']} ({format_number(item['size'] / 1024, lang, 0)} KB)",
                    data=auth.audited_download(_evidence_bytes(account, item["id"]), item["file_name"],
                                               {"kind": "evidence", "evidence_id": item["id"]},
                                               record_success=False),  # evidence_download audits itself
                    file_name=item["file_name"],
                    mime=item["media_type"], key=f"evidence_{item['id']}", icon=":material/attach_file:",
                    on_click="ignore", type="tertiary")


def _evidence_bytes(account: Account | None, evidence_id: int):
    engine = cached.engine()

    def build() -> bytes:  # read (and audited) only when the person clicks
        return directions.evidence_download(account, evidence_id, engine=engine)[2]

    return build


def direction_list(account: Account | None, rows: list[DirectionRow], empty_key: str = "directions_none") -> None:
    lang = language()
    if not rows:
        st.info(tr(empty_key), icon=":material/inbox:")
        return
    for row in rows:
        state_label = tr(f"direction_state_{row['state']}")
        badge = f":{STATE_COLOUR[row['state']]}-badge[{state_label}]"
        about = f"{row['task_code']} · {row['unit_name']}" if row["task_code"] else row["unit_name"]
        with st.expander(f"{badge} {escape(about)} — {escape(row['text'][:80])}"):
            if row["task_title"]:
                st.markdown(f"**{escape(row['task_title'])}**")
            document = document_message(row["task_document_number"], row["task_document_date"])
            if document:
                st.caption(escape(render(document, language())))
            st.markdown(escape(row["text"]))
            facts = [tr("direction_by", author=escape(row["author"]),
                        date=format_date(_local_date(row["created_at"]), lang))]
            if row["due_date"]:
                facts.append(tr("direction_due_on", date=format_date(row["due_date"], lang)))
            if row["addressed_to"]:
                facts.append(tr("direction_to", official=escape(row["addressed_to"])))
            st.caption(" · ".join(facts))
            _answers(account, row)
            if row["state"] != "closed" and directions.may_answer(account, row["unit_code"], row["task_agency"]):
                _answer_form(account, row)
            if row["state"] != "closed" and account is not None and (
                    account.username == row["author"] or is_national_admin(account)):
                st.button(tr("direction_close"), key=f"direction_close_{row['id']}", icon=":material/done_all:",
                          on_click=_close, args=(account, row["id"]))


def directions_by_unit(unit: UnitInfo, key: str) -> None:
    """Directions left unanswered today per unit below (the unit's own directions in its own row):
    overdue first, then open; a unit with none is not listed. Part of accountability: who has not
    answered what they were asked."""
    import pandas as pd

    from components.exports import show_table
    from data_loaders.figures.directions import counts_by_unit
    from data_loaders.figures.scope import child_key, get_unit

    counts = counts_by_unit(unit, lambda owner: child_key(unit, owner), local_today(), engine=cached.engine())
    rows = [(code, c["overdue"], c["open"]) for code, c in counts.items() if c["overdue"] or c["open"]]
    if not rows:
        st.caption(tr("directions_by_unit_none"))
        return
    rows.sort(key=lambda row: (-row[1], -row[2], row[0]))
    name_of = {code: (tr("national") if code == "VN" else get_unit(code, cached.engine()).name) for code, *_ in rows}
    frame = pd.DataFrame([{tr("col_unit"): name_of[code], tr("direction_state_overdue"): overdue,
                           tr("direction_state_open"): open_} for code, overdue, open_ in rows])
    show_table(frame, name=tr("directions_by_unit_heading"), key=key)


def overdue_directions(account: Account | None, unit: UnitInfo) -> None:
    """The directions past their answer date in the unit and below, most overdue first (warnings page)."""
    rows = directions.list_directions(account, unit.code, local_today(), states=("overdue",), engine=cached.engine())
    if rows:
        st.subheader(tr("directions_overdue_heading", count=len(rows)))
        direction_list(account, rows[:10])


def task_directions(account: Account | None, unit: UnitInfo, task_code: str) -> None:
    """The directions on one task (its detail on the tasks page), with their answers and forms."""
    rows = directions.list_directions(account, unit.code, local_today(), task_code=task_code, engine=cached.engine())
    st.markdown(f"###### {escape(tr('task_directions_heading', count=len(rows)))}")
    direction_list(account, rows, empty_key="task_directions_none")
