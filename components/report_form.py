"""Reporting in the browser: the reporter's tasks (or communes) in an editable table; what they type
goes through the importer like an uploaded workbook (data_loaders/ingest/web_form.py): first a
check (the preview: what will change, every error with its task code — or commune — and column), then the
commit."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from components import cached
from components.directions_view import local_today
from components.markdown import escape
from components.state import as_of, language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.i18n import format_number
from data_loaders.i18n.text import fold
from data_loaders.identity import access
from data_loaders.identity.accounts import Account
from data_loaders.ingest import web_form
from data_loaders.ingest.templates import scope_units
from data_loaders.store.catalogue import REPORT_STATUSES
from data_loaders.store.models import NATIONAL_CODE

_RESULT_KEY = "_nq57_web_form_result"
_TYPED_KEY = "_nq57_web_form_typed_tasks"
SEARCH_FIRST_ABOVE = 2_000  # tasks in the nation above which its list waits for a search or a unit
PAGE_ROWS = 50  # tasks a page: a month's report of a commune or a department fits one or two
MAX_COMMUNES = 400  # a province's communes fit one table; the nation is reported province by province


def _indicator_header(indicator, lang: str) -> str:
    return f"{indicator.label(lang)} ({indicator.unit_vi if lang == 'vi' else indicator.unit_en})"


def _problems(result, kind: str, sent: tuple[str, ...], lang: str) -> pd.DataFrame:
    """The errors, each naming what was typed on its row (`sent`: the task codes or communes in the order
    they were sent), its column and the problem: the form is paged and searched, so a row number of the
    typed reports would point at no row on screen."""
    named = tr("web_form_col_task") if kind == "tasks" else tr("web_form_col_commune")
    indicators = cached.indicator_catalogue(None, include_retired=True) if kind == "indicators" else ()
    return pd.DataFrame([{named: web_form.typed_row(problem.row, sent) or "",
                          tr("web_form_col_column"): web_form.column_label(kind, problem.column_label(lang), lang,
                                                                           indicators) or "",
                          tr("web_form_col_problem"): problem.message(lang)} for problem in result.errors])


def _show_result(kind: str) -> None:
    stored = st.session_state.get(f"{_RESULT_KEY}::{kind}")
    if not stored:
        return
    result, committed, sent = stored
    lang = language()
    if result.status == "rejected":
        st.error(tr("web_form_rejected", count=len(result.errors)), icon=":material/block:")
        st.dataframe(_problems(result, kind, sent, lang), hide_index=True, width="stretch")
    elif committed:
        st.success(tr("web_form_committed", created=format_number(result.created, lang),
                      updated=format_number(result.updated, lang), upload=result.upload_id),
                   icon=":material/check_circle:")
    else:
        st.info(tr("web_form_checked", created=format_number(result.created, lang),
                   updated=format_number(result.updated, lang), unchanged=format_number(result.unchanged, lang)),
                icon=":material/fact_check:")


def _run(account: Account, kind: str, content: bytes, sent: tuple[str, ...], dry_run: bool) -> None:
    """Checks (`dry_run`) or sends what was typed; `sent` names each row of `content` (a task code, a
    commune) for the errors' table."""
    # Vietnam's today, as the form's date pickers: the server's (UTC) date is still yesterday from 0:00 to 7:00
    # there, and a report dated today was refused as "in the future"
    result = web_form.submit(account, kind, content, dry_run=dry_run, engine=cached.engine(), today=local_today())
    st.session_state[f"{_RESULT_KEY}::{kind}"] = (result, not dry_run and result.status != "rejected", sent)
    if not dry_run and result.status != "rejected":
        cached.refresh_data_version()


def _page_of_tasks(scope: access.UploadScope, listed: str, today: dt.date, lang: str) -> tuple[list, str] | None:
    """The tasks shown: those matching the search box, a page of them; and the widget key suffix that
    names that page (a data editor per page and search, so typed cells never move to other rows). None if
    there is nothing to report on. A large nation's list (50,000 tasks: seconds to read) is read only for a
    search: a unit's staff pick their unit in the sidebar, a ministry's list is its own tasks."""
    needle = fold(st.text_input(tr("web_form_search"), key=f"web_form_task_search::{listed}",
                                placeholder=tr("web_form_search_placeholder")))
    if not needle and listed == NATIONAL_CODE and scope.agency is None:
        # the nation's task count (a cached figure) says whether its list is worth reading whole
        count = cached.task_status(NATIONAL_CODE, as_of())["total"]
        if count > SEARCH_FIRST_ABOVE:
            st.info(tr("web_form_search_nation", count=format_number(count, lang)), icon=":material/search:")
            return [], ""
    tasks = cached.tasks_to_report(listed, scope.agency, today)
    if not tasks:
        st.info(tr("web_form_no_tasks"))
        return None
    if needle:
        texts = cached.task_search_texts(listed, scope.agency, today)
        matching = [task for task, text in zip(tasks, texts) if needle in text]
    else:
        matching = list(tasks)
    pages = max(1, math.ceil(len(matching) / PAGE_ROWS))
    page = 1
    if pages > 1:
        # the page count in the key: a list that shrank (a new data version) starts again at page 1
        page = int(st.number_input(tr("web_form_page", pages=format_number(pages, lang)), min_value=1,
                                   max_value=pages, value=1, step=1,
                                   key=f"web_form_task_page::{listed}::{needle}::{pages}"))
    shown = matching[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]
    if shown:
        st.caption(tr("web_form_showing", first=format_number((page - 1) * PAGE_ROWS + 1, lang),
                      last=format_number((page - 1) * PAGE_ROWS + len(shown), lang),
                      total=format_number(len(matching), lang)))
    else:
        st.info(tr("web_form_no_match"))
    return shown, f"{listed}::{needle}::{page}"


def task_form(account: Account, unit: UnitInfo, today: dt.date) -> None:
    """The reporter's tasks — those of the unit chosen in the sidebar when it is in their scope — a page at
    a time (a nation holds 50,000: one table of them all took seconds a rerun); what is typed on any page
    is kept in the session, so paging or searching loses nothing."""
    lang = language()
    scope = access.upload_scope(account)
    listed = unit.code if scope.allows_unit(unit.code) else scope.unit_code
    page = _page_of_tasks(scope, listed, today, lang)
    if page is None:
        return
    shown, page_key = page
    typed: dict[str, dict] = st.session_state.setdefault(_TYPED_KEY, {})  # task code -> status, progress, note
    if shown:
        labels = {term.code: term.label(lang) for term in REPORT_STATUSES}
        kept = [typed.get(task.code, {}) for task in shown]
        frame = pd.DataFrame({
            "code": [t.code for t in shown], "title": [t.title for t in shown], "unit": [t.owner_name for t in shown],
            "latest": [f"{labels.get(t.reported_status, t.reported_status)} · {format_number(t.progress_pct, lang)}%"
                       for t in shown],
            "status": pd.Series([k.get("status") for k in kept], dtype="object"),
            "progress": pd.Series([k.get("progress") for k in kept], dtype="float"),
            "note": pd.Series([k.get("note") for k in kept], dtype="object"),
        })
        edited = st.data_editor(
            frame, key=f"web_form_tasks::{page_key}", hide_index=True, width="stretch", num_rows="fixed",
            placeholder="",  # an empty cell is left empty, not Streamlit's English "None"
            disabled=("code", "title", "unit", "latest"),
            # what the clerk types first, beside the code: on a projector or a laptop it is in view
            column_order=("code", "status", "progress", "note", "latest", "title", "unit"),
            column_config={
                "code": st.column_config.TextColumn(tr("col_code")),
                "title": st.column_config.TextColumn(tr("col_title"), width="medium"),
                "unit": st.column_config.TextColumn(tr("col_owner")),
                "latest": st.column_config.TextColumn(tr("web_form_col_latest")),
                "status": st.column_config.SelectboxColumn(tr("web_form_col_status"), options=list(labels),
                                                           format_func=lambda code: labels.get(code, code)),
                "progress": st.column_config.NumberColumn(tr("web_form_col_progress"), min_value=0, max_value=100,
                                                          step=1),
                "note": st.column_config.TextColumn(tr("web_form_col_note"), max_chars=1000),
            })
        for row in edited.itertuples():
            entry = {"status": row.status if pd.notna(row.status) else None,
                     "progress": row.progress if pd.notna(row.progress) else None,
                     "note": row.note if isinstance(row.note, str) and row.note != "" else None}
            if any(value is not None for value in entry.values()):
                typed[row.code] = entry
            else:
                typed.pop(row.code, None)
    report_date = st.date_input(tr("web_form_report_date"), value=today, max_value=today,
                                format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD", key="web_form_task_date")
    # the reports typed for this list's tasks, on every page, in the list's order
    tasks = cached.tasks_to_report(listed, scope.agency, today) if typed else ()
    reports = [{"task_code": task.code, "report_date": report_date,
                "status": entry["status"] if entry["status"] is not None else task.reported_status,
                "progress_pct": entry["progress"] if entry["progress"] is not None else task.progress_pct,
                "note": entry["note"]}
               for task in tasks if (entry := typed.get(task.code)) is not None]
    st.caption(tr("web_form_typed", count=len(reports)))
    check, send = st.columns(2)
    content = web_form.task_report_workbook(reports) if reports else None
    sent = tuple(report["task_code"] for report in reports)
    check.button(tr("web_form_check"), key="web_form_tasks_check", icon=":material/fact_check:",
                 disabled=content is None, on_click=_run, args=(account, "tasks", content, sent, True))
    send.button(tr("web_form_send"), key="web_form_tasks_send", type="primary", icon=":material/send:",
                disabled=content is None, on_click=_run, args=(account, "tasks", content, sent, False))
    _show_result("tasks")


def indicator_form(account: Account, unit: UnitInfo, today: dt.date) -> None:
    lang = language()
    scope = access.upload_scope(account)
    if not scope.allows_indicators:
        st.info(tr("web_form_no_indicators"))
        return
    if not scope.allows_unit(unit.code) or unit.level == "national":
        st.info(tr("web_form_pick_province"))
        return
    communes = [u for u in scope_units(unit.code) if u.level == "commune"][:MAX_COMMUNES]
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    period = st.date_input(tr("web_form_period"), value=last_month, max_value=today, key="web_form_period",
                           format="DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD", help=tr("web_form_period_help"))
    # the catalogue's active indicators that communes report, a province's own included there
    indicators = tuple(i for i in cached.indicator_catalogue(unit.code) if "commune" in i.levels)
    frame = pd.DataFrame({"commune_code": [c.code for c in communes], "commune": [c.name for c in communes],
                          **{i.code: pd.Series([None] * len(communes), dtype="float") for i in indicators}})
    edited = st.data_editor(
        frame, key=f"web_form_values::{unit.code}", hide_index=True, width="stretch", num_rows="fixed",
        placeholder="",
        disabled=("commune_code", "commune"),
        column_config={"commune_code": st.column_config.TextColumn(tr("col_code")),
                       "commune": st.column_config.TextColumn(tr("col_unit")),
                       **{i.code: st.column_config.NumberColumn(_indicator_header(i, lang), min_value=0)
                          for i in indicators}})
    codes = [i.code for i in indicators]
    typed = edited[edited[codes].notna().any(axis=1)]
    values = [{"commune_code": row["commune_code"], **{c: (None if pd.isna(row[c]) else row[c]) for c in codes}}
              for _, row in typed.iterrows()]
    st.caption(tr("web_form_typed_values", count=len(values)))
    content = web_form.indicator_workbook(period, values, indicators) if values else None
    names = {c.code: c.name for c in communes}
    sent = tuple(f"{names.get(v['commune_code'], '')} ({v['commune_code']})" for v in values)
    check, send = st.columns(2)
    check.button(tr("web_form_check"), key="web_form_values_check", icon=":material/fact_check:",
                 disabled=content is None, on_click=_run, args=(account, "indicators", content, sent, True))
    send.button(tr("web_form_send"), key="web_form_values_send", type="primary", icon=":material/send:",
                disabled=content is None, on_click=_run, args=(account, "indicators", content, sent, False))
    _show_result("indicators")
    st.caption(escape(tr("web_form_same_path")))
