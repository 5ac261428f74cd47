"""Importing a workbook, top to bottom: read (read.py) → validate (validate.py) → commit (commit.py),
all of it or nothing. The upload page and `python -m data_loaders import` call `import_file`, then
`post_commit.after_commit` when data changed. Problems carry message keys; the caller writes them
in the reader's language (`Problem.message(lang)`).

A task row whose report cells (date, status, progress, note) are all empty is a row of a pre-filled
template left as it came: it is skipped, as an indicator row without period or figures is. A
restricted uploader's file with errors is also checked against their scope, so every error —
format, rule and scope — is reported at once. A dry run that would commit carries `preview`: the
old → new values of every row that changes something (preview.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from data_loaders.i18n import DEFAULT_LANGUAGE
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.ingest import history
from data_loaders.ingest.commit import Source, commit, previous_upload
from data_loaders.ingest.formats import TASKS, formats_for
from data_loaders.ingest.plans import plan_problems, plan_terms
from data_loaders.ingest.preview import Preview, preview
from data_loaders.ingest.problems import Problem, param
from data_loaders.ingest.read import SheetRows, UnreadableFile, detect_format, file_notes, is_blank, read_raw_sheets
from data_loaders.ingest.scope import scope_problems
from data_loaders.ingest.templates import REPORT_KEYS
from data_loaders.ingest.validate import validate
from data_loaders.store import engine as db
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.plans import all_plans

__all__ = ["ImportResult", "Preview", "Problem", "UnreadableFile", "detect_format", "import_file"]

Progress = Callable[[str, float], None]
log = logging.getLogger("nq57.ingest")


@dataclass
class ImportResult:
    """created / updated / unchanged count task reports (a task file) or indicator values, as
    committed, equal to the preview; `details` adds the task counts and the biggest changes."""
    status: str  # imported | unchanged | already_imported | rejected | preview
    kind: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    upload_id: int | None = None
    details: dict = field(default_factory=dict)
    skipped: int = 0  # rows of a pre-filled template left as they came
    preview: Preview | None = None  # a dry run's old → new per row

    def as_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """The command line's contract, every message written in `lang`."""
        warnings = [p.as_json(lang) for p in self.warnings]
        if self.status == "rejected":
            return {"status": "rejected", "kind": self.kind, "rows": self.rows,
                    "errors": [p.as_json(lang) for p in self.errors], "warnings": warnings}
        payload = {
            "status": self.status, "kind": self.kind, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged, "warnings": warnings,
            "upload_id": self.upload_id, **self.details,
        }
        if self.skipped:
            payload["rows_skipped"] = self.skipped
        if self.preview is not None:
            payload["preview"] = self.preview.as_json()
        return payload


def _uploader(account: Account, engine: Engine) -> Account:
    """The uploader as stored now (not as the page remembered them), checked for upload rights."""
    current = get_account(account.username, engine)
    if current is None or current.id != account.id or current.disabled:
        raise AccountError("not_permitted")
    access.check_permission(current, "upload")
    return current


def import_file(content: bytes, file_name: str, *, user: str = "system", account: Account | None = None,
                dry_run: bool = False, lang: str = DEFAULT_LANGUAGE, engine: Engine | None = None,
                today: dt.date | None = None, progress: Progress | None = None,
                record_rejection: bool | None = None) -> ImportResult:
    """Read, validate and (unless dry_run) commit one workbook, all or nothing.

    With `account`, the upload is that person's: AccountError("not_permitted") unless they may
    upload (checked against the stored account, not the one passed in), every row must lie inside
    their scope (else the upload is rejected whole, one error per offending row, even when someone
    else has already imported the same bytes: the scope is checked before duplicates), and `user`
    is their username. Without it (the sample loader, the command line without --user, which
    passes "cli:<login>"), no scope applies.

    Raises UnreadableFile for a file that is not a readable spreadsheet or breaks a limit (size,
    rows, archive inflation); `lang` is the language of the column list that error names. Returns
    a rejected result, changing no figure, for any error. Every attempt that commits nothing —
    rejected, unreadable, or refused because the account may not upload — is kept in the upload
    history and the audit trail unless dry_run (`record_rejection` overrides, so the upload page
    records a rejected preview); an error raised for a recorded attempt carries its `upload_id`. A refused account
    is audited even in a dry run. `progress(stage, fraction)` is called with the stages read,
    validate, commit and done. Commits are audited."""
    engine = engine or db.get_engine()
    record = (not dry_run) if record_rejection is None else record_rejection
    source = Source(file_name, hashlib.sha256(content).hexdigest(), user, content)
    if account is not None:
        source.user = account.username
        try:
            account = _uploader(account, engine)
        except AccountError as error:
            if record:
                error.upload_id = history.record_attempt(engine, source, kind=None, rows=0, reason=error.key,
                                                         errors=[_file_problem(error.key, error.params)])
            else:
                audit.record("upload_rejected", source.user, target=file_name[:255], outcome="refused",
                             detail={"reason": error.key}, engine=engine)
            raise
    restricted = account is not None and not access.upload_scope(account).unrestricted
    try:
        return _import(source, account if restricted else None, dry_run=dry_run, lang=lang, engine=engine,
                       today=today or dt.date.today(), report=progress or (lambda _stage, _fraction: None),
                       record=record)
    except UnreadableFile:
        raise  # recorded as it was raised
    except Exception as error:
        if record:  # a failure is an attempt too: kept with its outcome, then reported as before
            _record_failure(engine, source, error)
        raise


def _import(source: Source, restricted: Account | None, *, dry_run: bool, lang: str, engine: Engine,
            today: dt.date, report: Progress, record: bool) -> ImportResult:
    """read → validate → commit; `restricted` is the uploader whose scope applies, if any."""
    content, file_name = source.content, source.file_name
    # read
    report("read", 0.0)
    if restricted is None:  # a restricted uploader's rows are checked against their scope first (at commit)
        previous = previous_upload(engine, source.sha256)
        if previous is not None:
            report("done", 1.0)
            return _result(previous)
    try:
        # the catalogue's active indicators (a restricted uploader: those of their scope) are the columns read
        catalogue = indicator_catalogue(engine, scope=restricted.scope_code if restricted is not None else None)
        detected = detect_format(read_raw_sheets(content, file_name), formats_for(catalogue))
        if detected is None:
            raise UnreadableFile("err_no_header",
                                 columns=", ".join(c.header(lang) for c in TASKS.columns if c.required))
    except UnreadableFile as error:
        if record:  # kept like any rejected attempt (a file over the size limit without its bytes)
            error.upload_id = history.record_attempt(engine, source, kind=None, rows=0, reason=error.key,
                                                     errors=[_file_problem(error.key, error.params)])
        raise
    sheet_format, rows = detected
    skipped = _skip_untouched(rows) if sheet_format is TASKS else 0
    result = ImportResult(status="rejected", kind=sheet_format.kind, rows=len(rows.rows), skipped=skipped)
    if rows.missing_required:
        result.errors = [Problem(rows.sheet, rows.header_row, {"header": [sheet_format.kind, key]}, None,
                                 "err_missing_column", {"column": {"header": [sheet_format.kind, key]}})
                         for key in rows.missing_required]
        return _rejected(result, engine, source, record)

    # validate
    report("validate", 0.3)
    plans = all_plans(engine) if sheet_format is TASKS else []
    validated = validate(sheet_format, rows, today, track_scope=restricted is not None,
                         plan_terms=plan_terms(plans) if sheet_format is TASKS else None)
    if plans:  # a programme's tasks stay in its province; a retired plan takes no new task
        with engine.connect() as conn:
            plan_problems(conn, validated, plans)
    # what the file carries and is not imported (macros, links to other files), said first
    validated.problems.warnings[:0] = [_file_problem(key, {}) for key in file_notes(content)]
    result.warnings, result.errors = validated.problems.warnings, validated.problems.errors
    if result.errors:
        # every error at once: the valid rows are checked against the uploader's scope too
        out_of_scope = restricted is not None and _scope_errors(engine, restricted, validated) > 0
        result.errors.sort(key=lambda p: (p.row is None, p.row or 0))
        if out_of_scope:
            result.details = {"out_of_scope": True}
        return _rejected(result, engine, source, record, out_of_scope)

    # commit
    report("commit", 0.6)
    committed = commit(engine, validated, source, dry_run=dry_run, account=restricted)
    if committed.status == "already_imported":
        report("done", 1.0)
        return _result(committed)
    if committed.status == "rejected":
        result.details = {"out_of_scope": True} if committed.out_of_scope else {}
        return _rejected(result, engine, source, record, committed.out_of_scope)
    result.status, result.upload_id = committed.status, committed.upload_id
    counts = committed.counts
    result.created, result.updated, result.unchanged, result.details = (
        counts.created, counts.updated, counts.unchanged, counts.details)
    if dry_run and committed.status == "preview":
        result.preview = preview(engine, validated, skipped)
    report("done", 1.0)
    return result


def _skip_untouched(rows: SheetRows) -> int:
    """Drop the task rows whose report cells are all empty (a pre-filled template's rows left as they
    came); returns how many."""
    kept = [(excel_row, raw) for excel_row, raw in rows.rows if not all(is_blank(raw.get(k)) for k in REPORT_KEYS)]
    skipped = len(rows.rows) - len(kept)
    rows.rows = kept
    return skipped


def _scope_errors(engine: Engine, account: Account, validated) -> int:
    """The scope check of the commit, run read-only on a file with other errors; adds its errors."""
    with db.session_factory(engine)() as session:
        return scope_problems(session, account, validated)


def _record_failure(engine: Engine, source: Source, error: Exception) -> None:
    if isinstance(error, (OperationalError, InterfaceError)):
        return  # the database is unreachable or locked: nothing can be written, the caller says so
    try:
        history.record_attempt(engine, source, kind=None, rows=0, reason="upload_failed", outcome="failed",
                               errors=[_file_problem("upload_failed", {})], failure=type(error).__name__)
    except Exception as failure:  # noqa: BLE001 - the original error is what the caller reports
        log.debug("recording the failed upload of %s failed: %s", source.file_name, type(failure).__name__)


def _file_problem(key: str, params: dict) -> Problem:
    """A problem with the whole file (no sheet, row or cell), as the history stores it."""
    return Problem(None, None, None, None, key, {name: param(value) for name, value in params.items()})


def _result(committed) -> ImportResult:
    """The result for a file whose bytes were committed before."""
    return ImportResult(status=committed.status, kind=committed.kind, rows=committed.rows,
                        unchanged=committed.counts.unchanged, upload_id=committed.upload_id)


def _rejected(result: ImportResult, engine: Engine, source: Source, record: bool,
              out_of_scope: bool = False) -> ImportResult:
    result.status = "rejected"
    result.created = result.updated = result.unchanged = 0
    if record:
        result.upload_id = history.record_attempt(engine, source, kind=result.kind, rows=result.rows,
                                                  errors=result.errors, warnings=result.warnings,
                                                  out_of_scope=out_of_scope)
    return result
