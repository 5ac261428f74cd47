"""Notes on trend charts: the unit's annotations drawn on the charts of their indicators, listed under
them (with a remove button for their author), and the form a leader adds one with."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from charts.annotations import annotated_trend, note_lines
from components import auth, cached
from components.display import show_chart_of
from components.markdown import escape
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.follow_up import annotations
from data_loaders.follow_up.directions import may_direct
from data_loaders.identity.access import is_national_admin
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store.models import ANNOTATION_TEXT_LENGTH

_OUTCOME_KEY = "_nq57_annotation_outcome"


def unit_notes(unit: UnitInfo, indicator_codes: tuple[str, ...]) -> list[dict]:
    """The unit's notes on these indicators (read afresh: a note is live, not a figure of a data version)."""
    return annotations.annotations_for(unit.code, indicator_codes, engine=cached.engine())


def show_trend(frame, title: str, targets: list[dict], notes: list[dict], codes: tuple[str, ...], **kwargs) -> None:
    """`trend_lines(frame, title)` with its `targets` and the notes of its own indicators (`codes`) marked,
    its spec kept per arguments and data version (building it was ~0.1 s, three times a run of a page)."""
    own = [note for note in notes if note["indicator_code"] in codes]
    show_chart_of(annotated_trend, (frame, title, language()), {"targets": targets or None, "notes": own},
                  name=title, **kwargs)


def notes_section(account: Account | None, unit: UnitInfo, notes: list[dict], charts: tuple[tuple[str, ...], ...],
                  key: str) -> None:
    """The notes listed, numbered per chart as `show_trend` draws them (`charts`: each chart's indicator
    codes), each removable by its author or an administrator; then the form to add one."""
    indicator_codes = tuple(code for codes in charts for code in codes)
    lang = language()
    kind, text = st.session_state.pop(_OUTCOME_KEY, (None, None))
    if kind == "error":
        st.error(text, icon=":material/block:")
    elif kind == "success":
        st.success(text, icon=":material/check_circle:")
    definitions = cached.indicator_definitions()
    for codes in charts:
        own = [note for note in notes if note["indicator_code"] in codes]
        for note, line in zip(own, note_lines(own, lang)):
            text_column, button_column = st.columns([9, 1], vertical_alignment="center")
            text_column.caption(f"{escape(definitions[note['indicator_code']].label(lang))} — {escape(line)}")
            if account is not None and (account.username == note["author"] or is_national_admin(account)):
                button_column.button(tr("annotation_remove"), key=f"{key}::remove::{note['id']}", type="tertiary",
                                     icon=":material/delete:", on_click=_remove, args=(account, note["id"]))
    if may_direct(account, unit.code):
        with st.expander(tr("annotation_add"), icon=":material/sticky_note_2:"):
            with st.form(f"{key}::note_form", enter_to_submit=False):
                left, right = st.columns(2)
                left.selectbox(tr("annotation_indicator"), indicator_codes, key=f"{key}::note_indicator",
                               format_func=lambda code: definitions[code].label(lang))
                right.date_input(tr("annotation_date"), value=dt.date.today(), key=f"{key}::note_date",
                                 format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD")
                st.text_input(tr("annotation_text"), max_chars=ANNOTATION_TEXT_LENGTH, key=f"{key}::note_text",
                              placeholder=tr("annotation_placeholder"))
                st.form_submit_button(tr("annotation_save"), key=f"{key}::note_submit", icon=":material/save:",
                                      on_click=_add, args=(account, unit.code, key))


def _add(account: Account, unit_code: str, key: str) -> None:
    state = st.session_state
    try:
        annotations.add_annotation(account, unit_code, state[f"{key}::note_indicator"], state[f"{key}::note_date"],
                                   state.get(f"{key}::note_text"), engine=cached.engine())
    except AccountError as error:
        state[_OUTCOME_KEY] = ("error", auth.error_message(error))
        return
    state[f"{key}::note_text"] = ""
    state[_OUTCOME_KEY] = ("success", tr("annotation_saved"))


def _remove(account: Account, annotation_id: int) -> None:
    try:
        annotations.remove_annotation(account, annotation_id, engine=cached.engine())
    except AccountError as error:
        st.session_state[_OUTCOME_KEY] = ("error", auth.error_message(error))
