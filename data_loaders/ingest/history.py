"""The upload history and traceability, all in SQL: who uploaded which file when, what came of it,
the original bytes for audit, and for any stored figure the upload and Excel row it came from.

Every attempt has a history row and an audit entry, whatever became of it: committed (commit.py),
rejected for its cells or its uploader's scope, refused because the uploader may not upload, or not
readable at all (not a spreadsheet, a zip bomb, too large). A rejected file's bytes are stored once
per content (SHA-256): an attempt whose bytes are already stored keeps none of its own, and
`upload_content` finds them by hash. Rejected bytes are kept `rejected_file_retention_days` (a
setting) after the last attempt that sent them, then dropped by `prune_rejected_files`, which runs
each time a rejection is recorded (the only moment that storage grows) and as
`python -m data_loaders prune-rejected`. Committed files keep their bytes for good."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.orm import aliased

from data_loaders.identity import audit
from data_loaders.ingest.commit import Source, stored_problems
from data_loaders.ingest.limits import current_limits
from data_loaders.ingest.problems import Problem
from data_loaders.store import engine as db
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport, Upload
from data_loaders.store.settings import get_settings

COMMITTED = ("imported", "unchanged")

_HISTORY_COLUMNS = (
    Upload.id, Upload.uploaded_at, Upload.uploaded_by, Upload.file_name, Upload.kind, Upload.rows,
    Upload.status, Upload.created, Upload.updated, Upload.unchanged,
)


def _count(key: str):
    # JSON element access renders as json_extract on SQLite and ->> on PostgreSQL
    return func.coalesce(Upload.messages[key].as_integer(), 0)


def list_uploads(limit: int = 200, engine: Engine | None = None, status: str | None = None,
                 uploaded_by: str | None = None) -> list[dict]:
    """The latest uploads first (only `uploaded_by`'s when given): id, uploaded_at, uploaded_by,
    file_name, kind (None for a file that could not be read), rows, status, created, updated,
    unchanged, warnings, errors (counts), has_content (its bytes, or the stored copy of the same
    bytes, can be downloaded). `uploaded_by` is an account's username, "sample", or "cli:<login>"
    for the command line run without --user."""
    copy = aliased(Upload)
    stored_copy = select(copy.id).where(copy.sha256 == Upload.sha256, copy.content.is_not(None)).exists()
    query = (select(*_HISTORY_COLUMNS, _count("warning_count").label("warnings"), _count("error_count").label("errors"),
                    (Upload.content.is_not(None) | stored_copy).label("has_content"))
             .order_by(Upload.id.desc()).limit(limit))
    if status:
        query = query.where(Upload.status == status)
    if uploaded_by is not None:
        query = query.where(Upload.uploaded_by == uploaded_by)
    with (engine or db.get_engine()).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def upload_content(upload_id: int, engine: Engine | None = None) -> tuple[str, bytes] | None:
    """(file name, original bytes) of an upload, or None: its own copy, or the one stored copy of
    the same bytes another attempt keeps (a repeated rejection stores none of its own)."""
    with (engine or db.get_engine()).connect() as conn:
        row = conn.execute(select(Upload.file_name, Upload.sha256, Upload.content)
                           .where(Upload.id == upload_id)).first()
        if row is None:
            return None
        content = row.content if row.content is not None else _stored_copy(conn, row.sha256)
    return None if content is None else (row.file_name, bytes(content))


def _stored_copy(conn: Connection, sha256: str) -> bytes | None:
    return conn.execute(select(Upload.content).where(Upload.sha256 == sha256, Upload.content.is_not(None))
                        .order_by(Upload.id.desc()).limit(1)).scalar()


def record_attempt(engine: Engine, source: Source, *, kind: str | None, rows: int, errors: list[Problem],
                   warnings: list[Problem] = (), out_of_scope: bool = False, reason: str | None = None,
                   outcome: str = "refused", failure: str | None = None) -> int:
    """One attempt that changed no figure, in the history (status "rejected") and the audit trail
    ("upload_rejected", `outcome` refused, or failed for an error of ours whose class is `failure`),
    in one transaction; returns its upload id. `kind` is None for a file that could not be read;
    `reason` (the refusal's message key) goes into the audit entry. The bytes are stored unless they
    are over the upload size limit or a copy of the same bytes is already stored; rejected copies
    past the retention are dropped in the same transaction."""
    keep_content = len(source.content) <= current_limits().max_upload_bytes
    retention_days = get_settings(engine)["rejected_file_retention_days"]
    with engine.begin() as conn:
        already_stored = conn.execute(select(Upload.id).where(Upload.sha256 == source.sha256,
                                                              Upload.content.is_not(None)).limit(1)).first()
        content = source.content if keep_content and already_stored is None else None
        upload_id = conn.execute(Upload.__table__.insert().values(
            file_name=source.file_name[:255], kind=kind, sha256=source.sha256, uploaded_by=source.user[:120],
            uploaded_at=dt.datetime.now(dt.timezone.utc), status="rejected", rows=rows, created=0, updated=0,
            unchanged=0, content=content,
            messages={"errors": stored_problems(errors), "warnings": stored_problems(list(warnings)),
                      "error_count": len(errors), "warning_count": len(warnings)},
        ).returning(Upload.id)).scalar_one()
        detail = {"upload_id": upload_id, "kind": kind, "rows": rows, "errors": len(errors),
                  "out_of_scope": out_of_scope, "size": len(source.content), "sha256": source.sha256}
        if reason is not None:
            detail["reason"] = reason
        if failure is not None:
            detail["failure"] = failure
        audit.record_in(conn, "upload_rejected", source.user, target=source.file_name[:255], outcome=outcome,
                        detail=detail)
        _prune(conn, retention_days, dt.datetime.now(dt.timezone.utc))
    return upload_id


def prune_rejected_files(engine: Engine | None = None, *, retention_days: int | None = None,
                         now: dt.datetime | None = None) -> int:
    """Drop the stored bytes of rejected attempts whose content was last sent more than the
    retention ago (the setting `rejected_file_retention_days` unless given), and rejected copies of
    bytes a committed upload keeps anyway. The history rows stay. Returns how many copies went."""
    engine = engine or db.get_engine()
    days = retention_days if retention_days is not None else get_settings(engine)["rejected_file_retention_days"]
    with engine.begin() as conn:
        return _prune(conn, days, now or dt.datetime.now(dt.timezone.utc))


def _prune(conn: Connection, days: int, now: dt.datetime) -> int:
    cutoff = audit.utc(now) - dt.timedelta(days=days)
    recently_sent = select(Upload.sha256).where(Upload.status == "rejected", Upload.uploaded_at >= cutoff)
    kept_by_commit = select(Upload.sha256).where(Upload.status.in_(COMMITTED), Upload.content.is_not(None))
    result = conn.execute(
        update(Upload).where(Upload.status == "rejected", Upload.content.is_not(None),
                             Upload.sha256.not_in(recently_sent) | Upload.sha256.in_(kept_by_commit))
        .values(content=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _source(upload_id, source_row, file_name, uploaded_by, uploaded_at) -> dict | None:
    if upload_id is None:
        return None
    return {"upload_id": upload_id, "row": source_row, "file_name": file_name, "uploaded_by": uploaded_by,
            "uploaded_at": uploaded_at.isoformat() if isinstance(uploaded_at, dt.datetime) else uploaded_at}


def trace_task(code: str, engine: Engine | None = None) -> dict | None:
    """Where a task and each of its reports came from: {"code", "title", "source": {...},
    "reports": [{"report_date", "status", "progress_pct", "source": {...}}]}; None if unknown."""
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        task = conn.execute(
            select(Task.id, Task.code, Task.title, Agency.name.label("lead_agency"), Task.source_row, Task.upload_id,
                   Upload.file_name, Upload.uploaded_by, Upload.uploaded_at)
            .join(Agency, Agency.id == Task.lead_agency_id)
            .outerjoin(Upload, Upload.id == Task.upload_id)
            .where(Task.code == code)
        ).first()
        if task is None:
            return None
        reports = conn.execute(
            select(TaskReport.report_date, TaskReport.status, TaskReport.progress_pct, TaskReport.source_row,
                   TaskReport.upload_id, Upload.file_name, Upload.uploaded_by, Upload.uploaded_at)
            .outerjoin(Upload, Upload.id == TaskReport.upload_id)
            .where(TaskReport.task_id == task.id).order_by(TaskReport.report_date)
        ).all()
    return {
        "code": task.code, "title": task.title, "lead_agency": task.lead_agency,
        "source": _source(task.upload_id, task.source_row, task.file_name, task.uploaded_by, task.uploaded_at),
        "reports": [{"report_date": r.report_date.isoformat(), "status": r.status, "progress_pct": r.progress_pct,
                     "source": _source(r.upload_id, r.source_row, r.file_name, r.uploaded_by, r.uploaded_at)}
                    for r in reports],
    }


def trace_indicator(indicator_code: str, unit_code: str, period: dt.date, engine: Engine | None = None) -> dict | None:
    """Where an indicator value came from. `period` may be any day of the month."""
    import calendar

    month_end = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    with (engine or db.get_engine()).connect() as conn:
        row = conn.execute(
            select(IndicatorValue.value, IndicatorValue.source_row, IndicatorValue.upload_id,
                   Upload.file_name, Upload.uploaded_by, Upload.uploaded_at)
            .outerjoin(Upload, Upload.id == IndicatorValue.upload_id)
            .where(IndicatorValue.indicator_code == indicator_code, IndicatorValue.unit_code == unit_code,
                   IndicatorValue.period == month_end)
        ).first()
    if row is None:
        return None
    return {"indicator": indicator_code, "unit": unit_code, "period": month_end.isoformat(), "value": row.value,
            "source": _source(row.upload_id, row.source_row, row.file_name, row.uploaded_by, row.uploaded_at)}
