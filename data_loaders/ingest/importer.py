"""Importing a workbook, top to bottom: read (read.py) → validate (validate.py) → commit (commit.py),
all of it or nothing. The upload page and `python -m data_loaders import` call `import_file`, then
`post_commit.after_commit` when data changed. Problems carry message keys; the caller writes them
in the reader's language (`Problem.message(lang)`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Engine

from data_loaders.i18n import DEFAULT_LANGUAGE
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.ingest.commit import Source, commit, previous_upload, record_rejection
from data_loaders.ingest.formats import TASKS
from data_loaders.ingest.problems import Problem
from data_loaders.ingest.read import UnreadableFile, detect_format, read_raw_sheets
from data_loaders.ingest.validate import validate
from data_loaders.store import engine as db

__all__ = ["ImportResult", "Problem", "UnreadableFile", "detect_format", "import_file"]

Progress = Callable[[str, float], None]


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

    def as_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """The command line's contract, every message written in `lang`."""
        warnings = [p.as_json(lang) for p in self.warnings]
        if self.status == "rejected":
            return {"status": "rejected", "kind": self.kind, "rows": self.rows,
                    "errors": [p.as_json(lang) for p in self.errors], "warnings": warnings}
        return {
            "status": self.status, "kind": self.kind, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged, "warnings": warnings,
            "upload_id": self.upload_id, **self.details,
        }


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
    their scope (else the upload is rejected whole, one error per offending row), and `user` is
    their username. Without it (the sample loader, the command line without --user), no scope applies.

    Raises UnreadableFile for a file that is not a readable spreadsheet or breaks a limit (size,
    rows, archive inflation); `lang` is the language of the column list that error names. Returns
    a rejected result, changing no figure, for any error; the rejected attempt is kept in the upload
    history unless dry_run (`record_rejection` overrides, so the upload page records a rejected
    preview). `progress(stage, fraction)` is called with the stages read, validate, commit and done.
    Commits and recorded rejections are audited."""
    engine = engine or db.get_engine()
    if account is not None:
        try:
            account = _uploader(account, engine)
        except AccountError:
            audit.record("upload_rejected", account.username, target=file_name[:255], outcome="refused",
                         detail={"reason": "not_permitted"}, engine=engine)
            raise
        user = account.username
    restricted = account is not None and not access.upload_scope(account).unrestricted
    today = today or dt.date.today()
    record = (not dry_run) if record_rejection is None else record_rejection
    report = progress or (lambda _stage, _fraction: None)
    source = Source(file_name, hashlib.sha256(content).hexdigest(), user, content)

    # read
    report("read", 0.0)
    previous = previous_upload(engine, source.sha256)
    if previous is not None:
        report("done", 1.0)
        return _result(previous)
    detected = detect_format(read_raw_sheets(content, file_name))
    if detected is None:
        raise UnreadableFile("err_no_header", columns=", ".join(c.header(lang) for c in TASKS.columns if c.required))
    sheet_format, rows = detected
    result = ImportResult(status="rejected", kind=sheet_format.kind, rows=len(rows.rows))
    if rows.missing_required:
        result.errors = [Problem(rows.sheet, rows.header_row, {"header": [sheet_format.kind, key]}, None,
                                 "err_missing_column", {"column": {"header": [sheet_format.kind, key]}})
                         for key in rows.missing_required]
        return _rejected(result, engine, source, record)

    # validate
    report("validate", 0.3)
    validated = validate(sheet_format, rows, today, track_scope=restricted)
    result.warnings, result.errors = validated.problems.warnings, validated.problems.errors
    if result.errors:
        return _rejected(result, engine, source, record)

    # commit
    report("commit", 0.6)
    committed = commit(engine, validated, source, dry_run=dry_run, account=account if restricted else None)
    if committed.status == "already_imported":
        return _result(committed)
    if committed.status == "rejected":
        result.details = {"out_of_scope": True} if committed.out_of_scope else {}
        return _rejected(result, engine, source, record, committed.out_of_scope)
    result.status, result.upload_id = committed.status, committed.upload_id
    counts = committed.counts
    result.created, result.updated, result.unchanged, result.details = (
        counts.created, counts.updated, counts.unchanged, counts.details)
    report("done", 1.0)
    return result


def _result(committed) -> ImportResult:
    """The result for a file whose bytes were committed before."""
    return ImportResult(status=committed.status, kind=committed.kind, rows=committed.rows,
                        unchanged=committed.counts.unchanged, upload_id=committed.upload_id)


def _rejected(result: ImportResult, engine: Engine, source: Source, record: bool,
              out_of_scope: bool = False) -> ImportResult:
    result.status = "rejected"
    result.created = result.updated = result.unchanged = 0
    if record:
        result.upload_id = record_rejection(engine, source, result.kind, result.rows, result.errors, result.warnings,
                                            out_of_scope)
    return result
