"""Withdrawing a committed upload: every figure returns exactly to what it was before it. The rows
the upload inserted (they carry its id) are deleted, the rows it updated get back what it overwrote
(`upload_undo`, written at commit), and the tasks it created go with their reports. Its uploader (or
an administrator) may withdraw it as long as no later upload has changed what it wrote — otherwise
that later upload must be withdrawn first. The upload stays in the history as "withdrawn", and the
withdrawal itself is a history row (status "withdrawal") whose id is the new data version, so every
app process drops its cached figures at once; both are audited.

    python -m data_loaders withdraw UPLOAD_ID [--user NAME] [--json]
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from data_loaders.figures import indicator_rollups, rollups
from data_loaders.identity import audit
from data_loaders.identity.access import unit_label
from data_loaders.identity.accounts import AccountError
from data_loaders.ingest.approvals import locked_by_upload, period_label
from data_loaders.store import engine as db
from data_loaders.store.models import (
    ACTOR_LENGTH,
    FILE_NAME_LENGTH,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
    UploadUndo,
)

TABLES = {"task": Task.__table__, "task_report": TaskReport.__table__, "indicator_value": IndicatorValue.__table__}
DATE_COLUMNS = {"deadline", "document_date"}


class WithdrawRefused(AccountError):
    default_key = "withdraw_refused"


def _before(table_name: str, before: dict) -> dict:
    return {key: dt.date.fromisoformat(value) if key in DATE_COLUMNS and isinstance(value, str) else value
            for key, value in before.items()}


def _later_change(conn: Connection, upload_id: int) -> int | None:
    """A later upload, still in force, that changed a row this one wrote (or reported on a task it created)."""
    undo, later = UploadUndo.__table__, Upload.__table__
    for table_name in TABLES:  # rows it wrote that a later upload overwrote: their undo says they were this upload's
        found = conn.execute(
            select(undo.c.upload_id).join(later, later.c.id == undo.c.upload_id)
            .where(undo.c.table_name == table_name, undo.c.upload_id > upload_id, later.c.status == "imported",
                   undo.c.before["upload_id"].as_integer() == upload_id)
            .limit(1)).scalar()
        if found is not None:
            return found
    # tasks it created (it also marks the tasks whose attributes it changed: those are in its undo)
    changed_tasks = select(undo.c.row_id).where(undo.c.upload_id == upload_id, undo.c.table_name == "task")
    report = conn.execute(select(TaskReport.upload_id).join(Task, Task.id == TaskReport.task_id)
                          .where(Task.upload_id == upload_id, Task.id.not_in(changed_tasks),
                                 TaskReport.upload_id != upload_id, TaskReport.upload_id.is_not(None))
                          .limit(1)).scalar()
    return report


def withdraw_upload(upload_id: int, *, actor: str, is_admin: bool = False, engine: Engine | None = None,
                    now: dt.datetime | None = None) -> int:
    """Withdraw an upload as `actor` (its uploader, or anyone when `is_admin`); returns the id of the
    withdrawal's history row. Raises WithdrawRefused (a message key) when it may not be withdrawn."""
    engine = engine or db.get_engine()
    now = now or dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(57057)))  # the import lock: no upload meanwhile
        upload = conn.execute(select(Upload.id, Upload.status, Upload.uploaded_by, Upload.kind, Upload.file_name)
                              .where(Upload.id == upload_id)).first()
        if upload is None:
            raise WithdrawRefused("withdraw_not_found", upload=upload_id)
        if upload.uploaded_by != actor and not is_admin:
            raise WithdrawRefused("withdraw_not_yours", upload=upload_id)
        if upload.status != "imported":
            raise WithdrawRefused("withdraw_not_imported", upload=upload_id, status=upload.status)
        later = _later_change(conn, upload_id)
        if later is not None:
            raise WithdrawRefused("withdraw_changed_later", upload=upload_id, later=later)
        locked = locked_by_upload(conn, upload_id)  # an approved unit and month stays as approved
        if locked is not None:
            raise WithdrawRefused("approval_locked_withdraw", upload=upload_id, unit=unit_label(locked[0]),
                                  period=period_label(locked[1]))
        undo = conn.execute(select(UploadUndo.table_name, UploadUndo.row_id, UploadUndo.before)
                            .where(UploadUndo.upload_id == upload_id)).all()
        restored = {name: [row for row in undo if row.table_name == name] for name in TABLES}
        # the tasks whose rows change, for the task status summary (figures/rollups.py), kept in this transaction
        summary_current = rollups.before_writes(conn)
        restored_reports = [row.row_id for row in restored["task_report"]]
        touched = set(conn.execute(select(TaskReport.task_id).where(TaskReport.upload_id == upload_id)).scalars())
        touched |= set(conn.execute(select(Task.id).where(Task.upload_id == upload_id)).scalars())
        touched |= {row.row_id for row in restored["task"]}
        for start in range(0, len(restored_reports), 5000):
            touched |= set(conn.execute(select(TaskReport.task_id)
                                        .where(TaskReport.id.in_(restored_reports[start:start + 5000]))).scalars())
        # the communes and indicators whose values change, for the indicator summary (figures/indicator_rollups.py)
        indicators_current = indicator_rollups.before_writes(conn)
        value_table = IndicatorValue.__table__
        restored_values = [row.row_id for row in restored["indicator_value"]]
        written, periods = set(), set()
        for condition in [value_table.c.upload_id == upload_id,
                          *(value_table.c.id.in_(restored_values[start:start + 5000])
                            for start in range(0, len(restored_values), 5000))]:
            for code, unit, period in conn.execute(
                    select(value_table.c.indicator_code, value_table.c.unit_code, func.min(value_table.c.period))
                    .where(condition).group_by(value_table.c.indicator_code, value_table.c.unit_code)):
                written.add((code, unit))
                periods.add(period)
        counts = {}
        # inserted rows (they carry this upload's id and were not merely updated by it) go first
        for name in ("task_report", "indicator_value"):
            table, kept = TABLES[name], {row.row_id for row in restored[name]}
            condition = table.c.upload_id == upload_id
            if kept:
                condition = condition & table.c.id.not_in(kept)
            counts[f"{name}_deleted"] = conn.execute(delete(table).where(condition)).rowcount
        for name, rows in restored.items():
            table = TABLES[name]
            for row in rows:
                conn.execute(update(table).where(table.c.id == row.row_id).values(**_before(name, row.before)))
            counts[f"{name}_restored"] = len(rows)
        kept_tasks = {row.row_id for row in restored["task"]}
        condition = Task.upload_id == upload_id
        if kept_tasks:
            condition = condition & Task.id.not_in(kept_tasks)
        counts["task_deleted"] = conn.execute(delete(Task.__table__).where(condition)).rowcount
        rollups.after_writes(conn, summary_current, touched)
        indicator_rollups.after_writes(conn, indicators_current, {unit for _, unit in written},
                                       {code for code, _ in written}, min(periods, default=None))
        conn.execute(update(Upload).where(Upload.id == upload_id).values(status="withdrawn"))
        withdrawal = conn.execute(insert(Upload).values(
            file_name=f"rut-lai-{upload_id}-{upload.file_name}"[:FILE_NAME_LENGTH], kind=upload.kind,
            sha256=hashlib.sha256(f"withdrawal:{upload_id}".encode()).hexdigest(), uploaded_by=actor[:ACTOR_LENGTH],
            uploaded_at=now, status="withdrawal", rows=0, created=0,
            updated=sum(v for k, v in counts.items() if k.endswith("_restored")),
            unchanged=0, messages={"withdrawn_upload": upload_id, **counts}, content=None,
        ).returning(Upload.id)).scalar_one()
        audit.record_in(conn, "upload_withdrawn", actor, target=str(upload_id),
                        detail={"withdrawal": withdrawal, **counts})
    return withdrawal
