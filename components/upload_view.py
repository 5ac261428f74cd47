"""UI pieces of the upload page: template downloads, the upload → preview → confirm flow with
progress, the errors table with the marked-up workbook, and the upload history.

All the work is done by data_loaders (importer, error_workbook, uploads); this module only lays it
out. The uploader is the signed-in account: the importer applies its scope and records its
username. User text is shown through st.dataframe and plain st.* calls, never as HTML."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pandas as pd
import streamlit as st

from components import auth, cached
from components.exports import show_table
from components.markdown import escape
from components.state import language, tr
from data_loaders.i18n import format_date, format_datetime, format_number, tn, with_zone
from data_loaders.identity import access
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.ingest import history as uploads
from data_loaders.ingest.error_workbook import error_workbook
from data_loaders.ingest.formats import TASKS
from data_loaders.ingest.importer import ImportResult, import_file
from data_loaders.ingest.limits import MB, current_limits
from data_loaders.ingest.post_commit import after_commit
from data_loaders.ingest.preview import FieldChange, Preview, RowChange
from data_loaders.ingest.problems import render, vocabulary
from data_loaders.ingest.read import UnreadableFile
from data_loaders.ingest.templates import template_bytes
from data_loaders.ingest.withdraw import withdraw_upload
from data_loaders.store.models import NATIONAL_CODE

log = logging.getLogger("nq57.upload")

_PREVIEW = "upload_preview"  # session key: {"sha", "name", "content", "result", "marked"}
_UPLOADER_ROUND = "upload_round"  # bumping it gives a fresh, empty file uploader
_FLASH = "upload_flash"  # a message to show after the rerun that follows a commit
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=200)
def _template(kind: str, scope_code: str, database: str, version: int) -> bytes:
    # `database` and `version` key the cache: an indicator added or retired changes the columns
    return template_bytes(kind, scope_code, engine=cached.engine())


@st.cache_data(show_spinner=False, max_entries=200)
def _yearly_template(scope_code: str, year: int, database: str, version: int) -> bytes:
    # the yearly indicators (the provinces' DTI): one row per reporting unit, the year as its period
    return template_bytes("indicators", scope_code, engine=cached.engine(), frequency="yearly", year=year)


@st.cache_data(show_spinner=False, max_entries=200)
def _prefilled_tasks(scope_code: str, agency: str | None, database: str, version: int, today: dt.date) -> bytes:
    # `database` and `version` key the cache: a new upload changes the tasks' latest reports
    return template_bytes("tasks", scope_code, prefill=True, agency=agency, today=today, engine=cached.engine())


def template_buttons(uploader: Account) -> None:
    """The templates cut to what this person may upload: a province's staff get its communes, a
    commune clerk their commune, already named on the indicator sheet's rows; the task template
    lists every task they report on (a ministry reporter's: its agency's) with its latest report."""
    st.subheader(tr("upload_templates"))
    upload_scope = access.upload_scope(uploader)
    scope, agency = upload_scope.unit_code, upload_scope.agency
    suffix = "" if scope == NATIONAL_CODE else f"_{scope}"
    left, right = st.columns(2)
    # Built on click (then cached): the national indicator template lists 3,321 communes.
    database, version, today = str(cached.engine().url), cached.data_version(), dt.date.today()
    left.download_button(tr("upload_template_tasks"), auth.audited_download(
                             lambda: _prefilled_tasks(scope, agency, database, version, today),
                             f"nq57_mau_tien_do_nhiem_vu{suffix}.xlsx",
                             {"kind": "template", "template": "tasks", "unit": scope, "prefilled": True}),
                         f"nq57_mau_tien_do_nhiem_vu{suffix}.xlsx", mime=_XLSX, icon=":material/download:",
                         key="template_tasks", on_click="ignore")
    right.download_button(tr("upload_template_indicators"), auth.audited_download(
                              lambda: _template("indicators", scope, database, version),
                              f"nq57_mau_chi_tieu_theo_xa{suffix}.xlsx",
                              {"kind": "template", "template": "indicators", "unit": scope}),
                          f"nq57_mau_chi_tieu_theo_xa{suffix}.xlsx", mime=_XLSX, icon=":material/download:",
                          key="template_indicators", on_click="ignore")
    yearly = [i for i in cached.indicator_catalogue(scope) if i.frequency == "yearly"]
    if yearly and cached.get_unit(scope).level != "commune":
        year = today.year - 1  # a year is assessed and reported in the next one
        name = f"nq57_mau_chi_tieu_nam_{year}{suffix}.xlsx"
        st.download_button(tr("upload_template_yearly", year=str(year)), auth.audited_download(
                               lambda: _yearly_template(scope, year, database, version), name,
                               {"kind": "template", "template": "indicators_yearly", "unit": scope, "year": year}),
                           name, mime=_XLSX, icon=":material/download:", key="template_yearly", on_click="ignore")
    if scope != NATIONAL_CODE:
        st.caption(tr("upload_templates_scoped"))
    st.caption(tr("reporting_template_prefilled"))


def _progress_callback(status, bar):
    labels = {"read": "upload_stage_read", "validate": "upload_stage_validate", "commit": "upload_stage_commit",
              "done": "upload_stage_done"}

    def report(stage: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=tr(labels.get(stage, "upload_stage_done")))
        status.update(label=tr(labels.get(stage, "upload_stage_done")))

    return report


def _run_import(content: bytes, name: str, uploader: Account, dry_run: bool, label_key: str) -> ImportResult | str:
    """The import with a status box and progress bar; a message string instead of a result when
    the file cannot be read, the account may not upload, or something fails (never a traceback)."""
    with st.status(tr(label_key), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            result = import_file(content, name, user=uploader.username, account=uploader, dry_run=dry_run,
                                 lang=language(), engine=cached.engine(), progress=_progress_callback(status, bar),
                                 record_rejection=True)
        except UnreadableFile as error:
            status.update(state="error", expanded=False)
            return tr("upload_unreadable", message=render(error.key, error.params, language()))
        except AccountError as error:
            status.update(state="error", expanded=False)
            return auth.error_message(error)
        except Exception:  # noqa: BLE001 - logged with details, the user gets a sentence
            log.exception("upload of %s failed", name)
            status.update(state="error", expanded=False)
            return tr("upload_failed")
        state = "error" if result.status == "rejected" else "complete"
        status.update(label=tr("upload_stage_done"), state=state, expanded=False)
    return result


def upload_scope_notice(uploader: Account) -> None:
    """Whose upload this is and what it may touch, before any file is chosen."""
    st.info(tr("upload_as", name=escape(uploader.display_name or uploader.username), username=escape(uploader.username),
               scope=escape(access.upload_scope_label(uploader, language()))), icon=":material/badge:")


def upload_form(uploader: Account) -> None:
    """File uploader → preview (dry run) → Confirm → commit."""
    limits = current_limits()
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    upload_scope_notice(uploader)
    round_ = st.session_state.setdefault(_UPLOADER_ROUND, 0)
    limit_text = tr("upload_limits", max_mb=format_number(upload_limit_mb(limits), language(), decimals=None),
                    max_rows=format_number(limits.max_rows, language()))
    st.html(uploader_text_css(tr("shell_upload_button"), limit_text))
    uploaded = st.file_uploader(tr("upload_file_label"), type=["xlsx", "xls", "ods", "csv"],
                                key=f"upload_file_{round_}", help=limit_text)
    if uploaded is None:
        st.session_state.pop(_PREVIEW, None)
        return
    content = uploaded.getvalue()
    sha = hashlib.sha256(content).hexdigest()
    preview = st.session_state.get(_PREVIEW)
    if preview is None or preview["sha"] != sha:
        outcome = _run_import(content, uploaded.name, uploader, dry_run=True, label_key="upload_checking")
        preview = {"sha": sha, "name": uploaded.name, "content": content, "result": outcome, "marked": None}
        st.session_state[_PREVIEW] = preview
    outcome = preview["result"]
    if isinstance(outcome, str):
        st.error(outcome, icon=":material/block:")
        return
    _show_outcome(preview, uploader)


def upload_limit_mb(limits) -> float:
    """The largest file that gets through: the importer's limit, or Streamlit's own
    (server.maxUploadSize in .streamlit/config.toml) where that is lower."""
    return min(limits.max_upload_bytes / MB, float(st.get_option("server.maxUploadSize")))


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def uploader_text_css(button: str, instructions: str) -> str:
    """Streamlit's uploader says "Upload" and "50MB per file" in English whatever the language, and
    its limit is not the importer's: its button and its line are given the app's own words."""
    scope = '[class*="st-key-upload_file_"] [data-testid="stFileUploaderDropzone"]'
    return (f"<style>{scope} button [data-testid='stMarkdownContainer'] p {{font-size: 0}}"
            f"{scope} button [data-testid='stMarkdownContainer'] p::after {{content: {_css_string(button)};"
            " font-size: 0.875rem}"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span {{font-size: 0}}"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span::after "
            f"{{content: {_css_string(instructions)}; font-size: 0.875rem}}</style>")


def _show_outcome(preview: dict, uploader: Account) -> None:
    result: ImportResult = preview["result"]
    if result.status == "rejected":
        errors = len(result.errors)
        st.error(tn("upload_rejected", errors, language(), errors=format_number(errors, language())),
                 icon=":material/block:")
        st.subheader(tr("upload_errors_heading"))
        problems_table(result.errors, key="errors")
        lang = language()

        def marked() -> bytes:  # built on click: loading a large workbook takes seconds
            if preview["marked"] is None:
                try:
                    preview["marked"] = error_workbook(preview["content"], preview["name"], result.errors,
                                                       result.warnings, lang)
                except Exception:  # noqa: BLE001 - the table above already says everything
                    log.exception("error workbook for %s failed", preview["name"])
                    preview["marked"] = preview["content"]
            return preview["marked"]

        stem = preview["name"].rsplit(".", 1)[0]
        marked = auth.audited_download(marked, f"{stem}_loi.xlsx", {"kind": "error_workbook", "file": preview["name"]})
        st.download_button(tr("upload_error_workbook"), marked, f"{stem}_loi.xlsx", mime=_XLSX,
                           icon=":material/download:", key="error_workbook", on_click="ignore")
        _warnings(result)
        return
    if result.status == "already_imported":
        st.info(tr("upload_already_imported", upload_id=result.upload_id), icon=":material/info:")
        return
    if result.status == "unchanged":
        st.info(tr("upload_nothing_changes"), icon=":material/info:")
        _warnings(result)
        return
    kind = tr(f"upload_kind_{result.kind}")
    st.success(tn("upload_preview_ready", result.rows, language(), rows=format_number(result.rows, language()),
                  kind=kind),
               icon=":material/fact_check:")
    preview_summary(result)
    _warnings(result)
    with st.container(horizontal=True, gap="small"):  # each button as wide as its words (a column cut them)
        confirmed = st.button(tr("upload_confirm"), type="primary", key="upload_confirm", icon=":material/save:")
        cancelled = st.button(tr("upload_cancel"), key="upload_cancel")
    if cancelled:
        _reset()
        st.rerun()
    if confirmed:
        outcome = _run_import(preview["content"], preview["name"], uploader, dry_run=False, label_key="upload_saving")
        if isinstance(outcome, str):
            st.error(outcome, icon=":material/block:")
            return
        if outcome.status == "rejected":  # the database changed since the preview
            preview["result"], preview["marked"] = outcome, None
            st.rerun()
        # cached figures are keyed on db.data_version(), which this upload's id has just moved;
        # clearing also drops this process's copies at once
        st.cache_data.clear()
        if outcome.status == "imported":
            after_commit(cached.engine(), background=True)  # the same step as `python -m data_loaders import`
        message = imported_message(outcome)
        _reset()
        st.session_state[_FLASH] = message
        st.rerun()


def imported_message(outcome: ImportResult) -> str:
    """What a confirmed upload saved: task reports (and tasks) or indicator values, as committed."""
    if outcome.status == "already_imported":
        return tr("upload_already_imported", upload_id=outcome.upload_id)
    lang = language()
    counts = {name: format_number(value, lang) for name, value in (
        ("created", outcome.created), ("updated", outcome.updated), ("unchanged", outcome.unchanged),
        ("tasks_created", outcome.details.get("tasks_created", 0)),
        ("tasks_updated", outcome.details.get("tasks_updated", 0)))}
    key = "upload_imported_tasks" if outcome.kind == "tasks" else "upload_imported"
    return tr(key, **counts, upload_id=outcome.upload_id)


def _reset() -> None:
    st.session_state.pop(_PREVIEW, None)
    st.session_state[_UPLOADER_ROUND] = st.session_state.get(_UPLOADER_ROUND, 0) + 1


def _warnings(result: ImportResult) -> None:
    if result.warnings:
        with st.expander(f"{tr('upload_warnings_heading')} ({format_number(len(result.warnings), language())})"):
            problems_table(result.warnings, key="warnings")


def problems_table(problems: list, key: str) -> None:
    lang = language()
    frame = pd.DataFrame(
        [{"sheet": p.sheet, "row": p.row, "column": p.column_label(lang) or "",
          "value": "" if p.value is None else str(p.value), "message": p.message(lang)} for p in problems[:5000]],
        columns=["sheet", "row", "column", "value", "message"],
    )
    show_table(frame, name=tr("upload_problems_file"), key=f"problems_{key}", column_config={
        "sheet": st.column_config.TextColumn(tr("col_sheet")),
        "row": st.column_config.NumberColumn(tr("col_row"), format="%d"),
        "column": st.column_config.TextColumn(tr("col_column")),
        "value": st.column_config.TextColumn(tr("col_value")),
        "message": st.column_config.TextColumn(tr("col_message"), width="large"),
    })


def preview_summary(result: ImportResult) -> None:
    st.subheader(tr("upload_preview_heading"))
    lang = language()
    keys = (["tasks_created", "tasks_updated", "tasks_unchanged", "reports_created", "reports_updated",
             "reports_unchanged"]
            if result.kind == "tasks" else ["values_created", "values_updated", "values_unchanged"])
    columns = st.columns(len(keys))
    for column, key in zip(columns, keys):
        column.metric(tr(f"preview_{key}"), format_number(result.details.get(key, 0), lang))
    if result.preview is not None:
        preview_changes(result.preview)
        return
    changes = result.details.get("biggest_changes") or []
    if changes:
        st.caption(tr("upload_biggest_changes"))
        frame = pd.DataFrame(changes, columns=["indicator", "unit", "period", "old", "new"])
        show_table(frame, name=tr("upload_biggest_changes"), key="biggest_changes", column_config={
            "indicator": st.column_config.TextColumn(tr("col_indicator")),
            "unit": st.column_config.TextColumn(tr("col_unit")),
            "period": st.column_config.TextColumn(tr("col_period")),
            "old": st.column_config.NumberColumn(tr("col_old")),
            "new": st.column_config.NumberColumn(tr("col_new")),
        })


def history(uploader: Account) -> None:
    """Who uploaded what and when, with the outcome; the original file downloadable for audit.
    Someone who may upload anything (an administrator) sees every upload; anyone else their own."""
    st.subheader(tr("upload_history"))
    own_only = not access.upload_scope(uploader).unrestricted
    rows = uploads.list_uploads(limit=200, engine=cached.engine(), uploaded_by=uploader.username if own_only else None)
    if own_only:
        st.caption(tr("upload_history_own"))
    if not rows:
        st.info(tr("upload_history_empty"))
        return
    frame = pd.DataFrame([{
        "id": r["id"],
        "uploaded_at": format_datetime(r["uploaded_at"], language(), zone=False),
        "uploaded_by": r["uploaded_by"], "file_name": r["file_name"], "kind": tr(f"upload_kind_{r['kind']}")
        if r["kind"] in ("tasks", "indicators") else r["kind"] or tr("upload_kind_not_read"),  # unreadable, refused
        "rows": r["rows"], "status": tr(f"upload_status_{r['status']}") if r["status"] in (
            "imported", "unchanged", "rejected", "withdrawn", "withdrawal") else r["status"],
        "created": r["created"], "updated": r["updated"], "warnings": r["warnings"], "errors": r["errors"],
    } for r in rows])
    # counts without a format of their own: show_table writes them the language's way (3.367 in Vietnamese)
    show_table(frame, name=tr("upload_history"), key="upload_history", lead=("file_name", "status"), column_config={
        "id": st.column_config.NumberColumn(tr("col_upload_id"), format="%d", width=45),
        "uploaded_at": st.column_config.TextColumn(with_zone(tr("col_uploaded_at")), width=130),
        "uploaded_by": st.column_config.TextColumn(tr("col_uploaded_by"), width=85),
        "file_name": st.column_config.TextColumn(tr("col_file_name"), width=230),
        "kind": st.column_config.TextColumn(tr("col_kind")),
        "rows": st.column_config.NumberColumn(tr("col_rows"), width=65),
        "status": st.column_config.TextColumn(tr("col_outcome"), width=85),
        "created": st.column_config.NumberColumn(tr("col_created"), width=70),
        "updated": st.column_config.NumberColumn(tr("col_updated"), width=75),
        "warnings": st.column_config.NumberColumn(tr("col_warnings")),
        "errors": st.column_config.NumberColumn(tr("col_errors")),
    # on screen what came in, when, from whom and what it changed, to fit a projector beside the sidebar; the
    # kind (the file's template tells it), warnings and errors (its own report) are in the downloads
    }, column_order=("id", "uploaded_at", "uploaded_by", "file_name", "rows", "status", "created", "updated"))
    _withdraw_section(uploader, rows)
    with_content = [r for r in rows if r["has_content"]]
    if not with_content:
        return
    by_id = {r["id"]: r for r in with_content}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(tr("upload_download_original"), list(by_id), key="history_pick",
                            format_func=lambda i: f"{i} · {by_id[i]['file_name']}")
    if chosen is not None:
        engine = cached.engine()

        def original() -> bytes:  # fetched on click, not on every rerun
            found = uploads.upload_content(chosen, engine=engine)
            return found[1] if found else b""

        original = auth.audited_download(original, by_id[chosen]["file_name"],
                                         {"kind": "upload_original", "upload_id": chosen})
        right.download_button(tr("upload_download_button"), original, by_id[chosen]["file_name"],
                              key="history_download", icon=":material/download:", on_click="ignore")


_WITHDRAW_OUTCOME = "_nq57_withdraw_outcome"


def _withdraw_section(uploader: Account, rows: list[dict]) -> None:
    """Withdraw one of one's own committed uploads (an administrator: any): the figures return
    exactly to what they were before it (data_loaders/ingest/withdraw.py checks everything again)."""
    own = [r for r in rows if r["status"] == "imported"
           and (r["uploaded_by"] == uploader.username or access.is_national_admin(uploader))]
    kind, text = st.session_state.pop(_WITHDRAW_OUTCOME, (None, None))
    if kind == "success":
        st.success(text, icon=":material/undo:")
    elif kind == "error":
        st.error(text, icon=":material/block:")
    if not own:
        return
    by_id = {r["id"]: r for r in own}
    with st.expander(tr("withdraw_heading"), icon=":material/undo:"):
        st.caption(tr("withdraw_help"))
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.selectbox(tr("withdraw_pick"), list(by_id), key="withdraw_pick",
                       format_func=lambda i: f"{i} · {by_id[i]['file_name']}")
        right.button(tr("withdraw_button"), key="withdraw_submit", icon=":material/undo:", on_click=_withdraw,
                     args=(uploader,))


def _withdraw(uploader: Account) -> None:
    chosen = st.session_state.get("withdraw_pick")
    try:
        withdrawal = withdraw_upload(chosen, actor=uploader.username, is_admin=access.is_national_admin(uploader),
                                     engine=cached.engine())
    except AccountError as error:
        st.session_state[_WITHDRAW_OUTCOME] = ("error", auth.error_message(error))
        return
    after_commit(cached.engine(), background=True)  # the figures moved: warm them for the next viewer
    cached.refresh_data_version()
    st.session_state[_WITHDRAW_OUTCOME] = ("success", tr("withdraw_done", upload=chosen, withdrawal=withdrawal))


def _field_label(name: str, lang: str) -> str:
    definitions = cached.indicator_definitions()
    if name in definitions:
        indicator = definitions[name]
        return f"{indicator.label(lang)} ({indicator.unit_label(lang)})"
    if name == "owner_unit_code":
        return tr("col_unit")
    return TASKS.column(name).header(lang)


def _field_value(name: str, value: object, lang: str) -> str:
    if value is None:
        return "–"
    if name in ("status", "area", "plan"):
        return next((term.label(lang) for term in vocabulary(name) if term.code == value), str(value))
    if name == "owner_unit_code":
        return access.unit_label(str(value), lang)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if isinstance(value, (int, float)):
        return format_number(value, lang, None if float(value).is_integer() else 1)
    return str(value)


def change_text(change: FieldChange, lang: str) -> str:
    """"Trạng thái: Đang thực hiện → Đã hoàn thành": one field's old → new value."""
    return (f"{_field_label(change.field, lang)}: {_field_value(change.field, change.old, lang)} → "
            f"{_field_value(change.field, change.new, lang)}")


def _row_frame(rows: list[RowChange], kind: str, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "row": row.row,
        "subject": row.subject if kind == "tasks" else access.unit_label(row.subject, lang),
        "unit": access.unit_label(row.unit_code, lang) if kind == "tasks" and row.unit_code else "",
        "date": (format_date(row.date, lang) if kind == "tasks" else f"{row.date:%m/%Y}") if row.date else "",
        "new": tr("reporting_change_new") if row.new else tr("reporting_change_update"),
        "changes": " · ".join(change_text(change, lang) for change in row.changes),
    } for row in rows], columns=["row", "subject", "changes", "date", "new", "unit"])  # old → new first: narrow screens


def preview_changes(preview: Preview) -> None:
    """Each row that changes something, old → new; the rows that change nothing folded away."""
    lang = language()
    st.caption(tn("reporting_changed_rows", preview.changed_rows, lang,
                  count=format_number(preview.changed_rows, lang)))
    if preview.rows:
        kind = preview.kind
        frame = _row_frame(preview.rows, kind, lang)
        if kind != "tasks":
            frame = frame.drop(columns=["unit"])
        show_table(frame, name=tr("reporting_changes_file"), key="preview_changes", column_config={
            "row": st.column_config.NumberColumn(tr("col_row"), format="%d"),
            "subject": st.column_config.TextColumn(
                TASKS.column("task_code").header(lang) if kind == "tasks" else tr("col_unit")),
            "unit": st.column_config.TextColumn(tr("col_unit")),
            "date": st.column_config.TextColumn(tr("reporting_change_date") if kind == "tasks" else tr("col_period")),
            "new": st.column_config.TextColumn(tr("reporting_change_kind")),
            "changes": st.column_config.TextColumn(tr("reporting_change_values"), width="large"),
        })
        if preview.changed_rows > len(preview.rows):
            st.caption(tr("reporting_changes_listed", shown=format_number(len(preview.rows), lang),
                          total=format_number(preview.changed_rows, lang)))
    if preview.unchanged_rows:
        with st.expander(tn("reporting_unchanged_rows", preview.unchanged_rows, lang,
                            count=format_number(preview.unchanged_rows, lang))):
            st.caption(tr("reporting_unchanged_explained"))
    if preview.skipped_rows:
        st.caption(tn("reporting_skipped_rows", preview.skipped_rows, lang,
                      count=format_number(preview.skipped_rows, lang)))
