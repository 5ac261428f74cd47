"""The upload history and traceability, all in SQL: who uploaded which file when, what came of it,
the original bytes for audit, and for any stored figure the upload and Excel row it came from."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from data_loaders.store import engine as db
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport, Upload

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
    file_name, kind, rows, status, created, updated, unchanged, warnings, errors (counts), has_content."""
    query = (select(*_HISTORY_COLUMNS, _count("warning_count").label("warnings"), _count("error_count").label("errors"),
                    (Upload.content.is_not(None)).label("has_content"))
             .order_by(Upload.id.desc()).limit(limit))
    if status:
        query = query.where(Upload.status == status)
    if uploaded_by is not None:
        query = query.where(Upload.uploaded_by == uploaded_by)
    with (engine or db.get_engine()).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def upload_content(upload_id: int, engine: Engine | None = None) -> tuple[str, bytes] | None:
    """(file name, original bytes) of an upload, or None."""
    with (engine or db.get_engine()).connect() as conn:
        row = conn.execute(select(Upload.file_name, Upload.content).where(Upload.id == upload_id)).first()
    if row is None or row.content is None:
        return None
    return row.file_name, bytes(row.content)


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
