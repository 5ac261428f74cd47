"""Committing: a validated sheet is compared with what is stored and written in one transaction, all
or nothing, each row keeping its upload and Excel row (provenance); the upload is recorded in the
history and the audit trail. A dry run takes the same path and writes nothing, so a preview counts
exactly what a commit would write. A database that refuses the write rolls all of it back and the
file is rejected with one message (the error logged with its traceback, its text never shown)."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import logging
import math
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.orm import Session

from data_loaders.figures import indicator_rollups, rollups
from data_loaders.identity import audit
from data_loaders.identity.accounts import Account
from data_loaders.ingest.approvals import locked_changes
from data_loaders.ingest.problems import Problem
from data_loaders.ingest.scope import scope_problems
from data_loaders.ingest.validate import OPTIONAL_TASK_ATTRIBUTES, TASK_ATTRIBUTES, Validated
from data_loaders.store import engine as db
from data_loaders.store.models import (
    ACTOR_LENGTH,
    FILE_NAME_LENGTH,
    Agency,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
    UploadUndo,
)

CHUNK = 5000
MAX_STORED_MESSAGES = 1000  # problems kept per upload; the counts keep the full number
log = logging.getLogger("nq57.ingest")


@dataclass
class Counts:
    """What a commit creates, updates and leaves unchanged: task reports or indicator values (the
    figures that move), with the task counts and the biggest value changes in `details`."""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.details.get("tasks_created")
                    or self.details.get("tasks_updated"))


@dataclass
class Committed:
    status: str  # imported | unchanged | preview | already_imported | rejected
    counts: Counts = field(default_factory=Counts)
    upload_id: int | None = None
    out_of_scope: bool = False
    rows: int = 0
    kind: str | None = None


@dataclass
class Source:
    """Who sends which file: what the history row records."""
    file_name: str
    sha256: str
    user: str
    content: bytes


def stored_problems(problems: list[Problem]) -> list[dict]:
    return [p.stored() for p in problems[:MAX_STORED_MESSAGES]]


def commit(engine: Engine, validated: Validated, source: Source, *, dry_run: bool,
           account: Account | None = None) -> Committed:
    """Compare with the database and (unless dry_run) write, under the import lock. With `account`
    (a restricted uploader), rows outside their scope reject the whole file, as does a new task
    without its attributes; the problems are added to `validated.problems`.

    The safety net: should the database refuse what validation let through (a value or a length it
    does not take), the transaction is rolled back whole and the file rejected with
    "bounds_err_commit_failed"; the error is logged with its traceback, its text (the database's
    internals) never reaches the uploader. A database that is down or busy is raised as before."""
    try:
        return _commit(engine, validated, source, dry_run=dry_run, account=account)
    except Exception as error:
        if not _refused_by_database(engine, error):
            raise
        log.exception("the database refused the upload of %s (%s); rolled back", source.file_name, validated.kind)
        validated.problems.add(None, None, None, "bounds_err_commit_failed")
        return Committed("rejected", rows=len(validated.rows.rows), kind=validated.kind)


def _refused_by_database(engine: Engine, error: Exception) -> bool:
    """An error of the database about the data written (a value out of range, a text too long, a
    constraint), raised through SQLAlchemy or (COPY) by the driver itself; not the database being
    unreachable, down or locked, which the callers report as such."""
    dbapi = engine.dialect.dbapi
    if isinstance(error, (OperationalError, InterfaceError)):
        return False
    if isinstance(error, StatementError):
        return True
    if dbapi is not None and isinstance(error, dbapi.Error):
        return not isinstance(error, (dbapi.OperationalError, dbapi.InterfaceError))
    return False


def _commit(engine: Engine, validated: Validated, source: Source, *, dry_run: bool,
            account: Account | None) -> Committed:
    problems = validated.problems
    with db.session_factory(engine)() as session, session.begin():
        _lock_for_import(session)
        # the scope is checked under the import lock, against the tasks as stored at commit time, and
        # before duplicates: a file someone else imported is still refused outside the uploader's scope
        if account is not None and scope_problems(session, account, validated):
            return Committed("rejected", out_of_scope=True)
        # checked again under the lock: the same file may have been committed meanwhile
        already = _committed_upload(session, source.sha256)
        if already is not None:
            return already
        # an approved unit and month is locked: a file that would change it is refused (ingest/approvals.py)
        if locked_changes(session.connection(), validated):
            return Committed("rejected")
        upload = None
        if not dry_run:
            upload = Upload(file_name=source.file_name[:FILE_NAME_LENGTH], kind=validated.kind, sha256=source.sha256,
                            uploaded_by=source.user[:ACTOR_LENGTH], uploaded_at=dt.datetime.now(dt.timezone.utc),
                            status="imported", rows=len(validated.rows.rows), messages={}, content=source.content)
            session.add(upload)
            session.flush()
        upload_id = upload.id if upload is not None else None
        connection = session.connection()
        if validated.kind == "tasks":
            counts = _write_tasks(connection, upload_id, validated, dry_run)
            if problems.errors:  # a new task without its attributes is found only against the database
                session.rollback()
                return Committed("rejected")
        else:
            counts = _write_indicators(connection, upload_id, validated, dry_run)
        status = ("preview" if dry_run else "imported") if counts.changed else "unchanged"
        if upload is not None:
            upload.status = status
            upload.created, upload.updated, upload.unchanged = counts.created, counts.updated, counts.unchanged
            upload.messages = {"warnings": stored_problems(problems.warnings), "warning_count": len(problems.warnings),
                               "error_count": 0, **counts.details}
            session.flush()
            audit.record_in(connection, "upload_committed", source.user, target=source.file_name[:FILE_NAME_LENGTH],
                            detail={"upload_id": upload_id, "kind": validated.kind, "status": status,
                                    "rows": len(validated.rows.rows), "created": counts.created,
                                    "updated": counts.updated, "unchanged": counts.unchanged})
        return Committed(status, counts, upload_id)


def previous_upload(engine: Engine, sha256: str) -> Committed | None:
    """The same bytes were committed before: nothing to read, nothing changes."""
    with db.session_factory(engine)() as session:
        return _committed_upload(session, sha256)


def _committed_upload(session: Session, sha256: str) -> Committed | None:
    upload = session.scalars(select(Upload).where(Upload.sha256 == sha256, Upload.status.in_(("imported", "unchanged")))
                             .order_by(Upload.id.desc())).first()
    if upload is None:
        return None
    total = upload.created + upload.updated + upload.unchanged
    return Committed("already_imported", Counts(unchanged=total), upload.id, rows=upload.rows, kind=upload.kind)


def _lock_for_import(session: Session) -> None:
    """Serialise imports so two at once cannot interleave (SQLite already has a single writer)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(57057)"))


# --- tasks ------------------------------------------------------------------------------------


def _write_tasks(connection: Connection, upload_id: int | None, validated: Validated, dry_run: bool) -> Counts:
    """Tasks and their reports compared with what is stored; written unless dry_run. The counts
    created / updated / unchanged are of task reports."""
    tasks, reports, problems = validated.tasks, validated.reports, validated.problems
    task_table, report_table, agency_table = Task.__table__, TaskReport.__table__, Agency.__table__
    existing: dict[str, dict] = {}
    codes = list(tasks)
    columns = [task_table.c.id, task_table.c.code, Agency.name.label("lead_agency"), task_table.c.lead_agency_id,
               task_table.c.upload_id, task_table.c.source_row,
               *(task_table.c[name] for name in TASK_ATTRIBUTES if name != "lead_agency"),
               *(task_table.c[name] for name in OPTIONAL_TASK_ATTRIBUTES)]
    for start in range(0, len(codes), CHUNK):
        query = (select(*columns).join(agency_table, agency_table.c.id == task_table.c.lead_agency_id)
                 .where(task_table.c.code.in_(codes[start:start + CHUNK])))
        for row in connection.execute(query):
            existing[row.code] = row._asdict()
    details = {"tasks_created": 0, "tasks_updated": 0, "tasks_unchanged": 0,
               "reports_created": 0, "reports_updated": 0, "reports_unchanged": 0}
    new_tasks, task_updates = [], []
    for code, task in tasks.items():
        current = existing.get(code)
        if current is None:
            missing = [name for name in TASK_ATTRIBUTES if task.attributes.get(name) is None]
            if missing:
                problems.add(task.first_row, missing[0], None, "err_new_task_incomplete")
                continue
            details["tasks_created"] += 1
            new_tasks.append(task)
            continue
        changes = {name: value for name, value in task.attributes.items() if current[name] != value}
        if changes:
            details["tasks_updated"] += 1
            task_updates.append((current, changes))
        else:
            details["tasks_unchanged"] += 1
    if problems.errors:
        return Counts(details=details)
    # reports: compare with what is stored for the same task and date
    existing_reports: dict[tuple[str, dt.date], object] = {}
    existing_ids = {task["id"]: code for code, task in existing.items()}
    ids = list(existing_ids)
    for start in range(0, len(ids), CHUNK):
        query = select(report_table.c.id, report_table.c.task_id, report_table.c.report_date, report_table.c.status,
                       report_table.c.progress_pct, report_table.c.note, report_table.c.upload_id,
                       report_table.c.source_row).where(
            report_table.c.task_id.in_(ids[start:start + CHUNK]))
        for row in connection.execute(query):
            existing_reports[(existing_ids[row.task_id], row.report_date)] = row
    report_inserts, report_updates = [], []
    for key, report in reports.items():
        current = existing_reports.get(key)
        if current is None:
            report_inserts.append((key, report))
        elif (current.status, current.progress_pct, current.note) != (report.status, report.progress_pct, report.note):
            report_updates.append((current, report))
        else:
            details["reports_unchanged"] += 1
    details["reports_created"], details["reports_updated"] = len(report_inserts), len(report_updates)
    counts = Counts(len(report_inserts), len(report_updates), details["reports_unchanged"], details)
    if dry_run or not counts.changed:
        return counts
    summary_current = rollups.before_writes(connection)  # the task status summary, kept in this transaction

    # agencies named by new or changed tasks, inserted in one statement
    needed = ({t.attributes["lead_agency"] for t in new_tasks}
              | {c["lead_agency"] for _, c in task_updates if "lead_agency" in c})
    agencies = {row.name: row.id for row in connection.execute(select(agency_table.c.id, agency_table.c.name))}
    missing_agencies = sorted(needed - set(agencies))
    if missing_agencies:
        connection.execute(insert(agency_table), [{"name": name} for name in missing_agencies])
        agencies = {row.name: row.id for row in connection.execute(select(agency_table.c.id, agency_table.c.name))}

    task_rows = [{"code": t.code, **{name: t.attributes[name] for name in TASK_ATTRIBUTES if name != "lead_agency"},
                  **{name: t.attributes.get(name) for name in OPTIONAL_TASK_ATTRIBUTES},
                  "lead_agency_id": agencies[t.attributes["lead_agency"]], "upload_id": upload_id,
                  "source_row": t.first_row} for t in new_tasks]
    for start in range(0, len(task_rows), CHUNK):
        connection.execute(insert(task_table), task_rows[start:start + CHUNK])
    task_ids = {code: task["id"] for code, task in existing.items()}
    new_codes = [t.code for t in new_tasks]
    for start in range(0, len(new_codes), CHUNK):
        query = select(task_table.c.id, task_table.c.code).where(task_table.c.code.in_(new_codes[start:start + CHUNK]))
        task_ids.update({row.code: row.id for row in connection.execute(query)})
    _remember(connection, upload_id, "task", [
        (task["id"], {**{name: task[name] for name in changes if name != "lead_agency"},
                      **({"lead_agency_id": task["lead_agency_id"]} if "lead_agency" in changes else {}),
                      "upload_id": task["upload_id"], "source_row": task["source_row"]})
        for task, changes in task_updates])
    _remember(connection, upload_id, "task_report", [
        (current.id, {"status": current.status, "progress_pct": current.progress_pct, "note": current.note,
                      "upload_id": current.upload_id, "source_row": current.source_row})
        for current, _ in report_updates])
    for task, changes in task_updates:
        if "lead_agency" in changes:
            changes["lead_agency_id"] = agencies[changes.pop("lead_agency")]
        connection.execute(update(task_table).where(task_table.c.id == task["id"]).values(**changes,
                                                                                          upload_id=upload_id))
    sqlite = connection.dialect.name == "sqlite"
    _bulk_insert(connection, report_table,
                 ("task_id", "report_date", "status", "progress_pct", "note", "upload_id", "source_row"),
                 [(task_ids[code], day.isoformat() if sqlite else day, r.status, r.progress_pct, r.note, upload_id,
                   r.source_row) for (code, day), r in report_inserts])
    if report_updates:
        statement = (update(report_table).where(report_table.c.id == bindparam("row_id"))
                     .values(status=bindparam("new_status"), progress_pct=bindparam("new_progress"),
                             note=bindparam("new_note"),
                             source_row=bindparam("new_source_row"), upload_id=upload_id))
        params = [{"row_id": current.id, "new_status": r.status, "new_progress": r.progress_pct,
                   "new_note": r.note, "new_source_row": r.source_row} for current, r in report_updates]
        for start in range(0, len(params), CHUNK):
            connection.execute(statement, params[start:start + CHUNK])
    touched = ({task_ids[t.code] for t in new_tasks} | {task["id"] for task, _ in task_updates}
               | {task_ids[code] for (code, _), _ in report_inserts}
               | {current.task_id for current, _ in report_updates})
    rollups.after_writes(connection, summary_current, touched, _appended(existing, task_updates, report_inserts,
                                                                          report_updates, existing_reports))
    return counts


def _appended(existing: dict[str, dict], task_updates: list, report_inserts: list, report_updates: list,
              existing_reports: dict) -> dict[int, dt.date]:
    """The stored tasks this import only appends reports to, each with its previous latest report's date:
    the task itself unchanged, none of its reports changed, every new report later than the stored ones
    (the weekly case). Their task status summary is recomputed from that date on only (figures/rollups.py)."""
    latest: dict[str, dt.date] = {}
    for code, day in existing_reports:
        if code not in latest or day > latest[code]:
            latest[code] = day
    excluded = {task["code"] for task, _ in task_updates}
    codes_by_id = {task["id"]: code for code, task in existing.items()}
    excluded |= {codes_by_id[current.task_id] for current, _ in report_updates}
    appended: dict[str, dt.date] = {}
    for (code, day), _ in report_inserts:
        if code in excluded or code not in latest:
            continue
        if day <= latest[code]:
            excluded.add(code)
        else:
            appended[code] = latest[code]
    return {existing[code]["id"]: since for code, since in appended.items() if code not in excluded}


# --- indicators -------------------------------------------------------------------------------


def _write_indicators(connection: Connection, upload_id: int | None, validated: Validated, dry_run: bool) -> Counts:
    """Indicator values compared with what is stored; written unless dry_run."""
    values = validated.values
    _, unit_column, period_column = zip(*values) if values else ((), (), ())  # the keys' columns, in one pass
    periods, units = sorted(set(period_column)), set(unit_column)
    existing: dict[tuple[str, str, dt.date], tuple[int, float, int | None, int | None]] = {}
    if periods:
        query = select(IndicatorValue.id, IndicatorValue.indicator_code, IndicatorValue.unit_code,
                       IndicatorValue.period, IndicatorValue.value, IndicatorValue.upload_id,
                       IndicatorValue.source_row).where(IndicatorValue.period.in_(periods))
        if len(units) <= 500:
            query = query.where(IndicatorValue.unit_code.in_(units))
        for row_id, code, unit, period, value, upload, row in connection.execute(query).all():  # one fetch
            existing[(code, unit, period)] = (row_id, value, upload, row)
    inserts, updates, changes = [], [], []
    unchanged = 0
    # SQLite stores dates as ISO text; the few distinct periods are converted once, not per value
    stored_period = {p: (p.isoformat() if connection.dialect.name == "sqlite" else p) for p in periods}
    for key, (value, excel_row) in values.items():
        current = existing.get(key)
        if current is None:
            inserts.append((key[0], key[1], stored_period[key[2]], value, upload_id, excel_row))
        elif abs(current[1] - value) > 1e-9:
            updates.append({"row_id": current[0], "new_value": value, "new_source_row": excel_row,
                            "before": {"value": current[1], "upload_id": current[2], "source_row": current[3]}})
            changes.append((key, current[1], value))
        else:
            unchanged += 1
    # the ten biggest, as a stable sort of every change would order them (heapq.nlargest is that sort's head)
    biggest = [{"indicator": key[0], "unit": key[1], "period": key[2].isoformat(), "old": old, "new": new}
               for key, old, new in heapq.nlargest(10, changes, key=lambda c: abs(c[2] - c[1]))]
    counts = Counts(len(inserts), len(updates), unchanged,
                    {"values_created": len(inserts), "values_updated": len(updates), "values_unchanged": unchanged,
                     "biggest_changes": biggest})
    if dry_run or not counts.changed:
        return counts
    # the indicator summary (figures/indicator_rollups.py), kept in this transaction
    with indicator_rollups.maintained(connection) as summary:
        summary.touched({row[0] for row in inserts} | {key[0] for key, _, _ in changes},
                        {row[1] for row in inserts} | {key[1] for key, _, _ in changes},
                        periods)  # every period of the sheet: the earliest written is among them
        _write_values(connection, upload_id, inserts, updates)
    return counts


def _write_values(connection: Connection, upload_id: int | None, inserts: list[tuple], updates: list[dict]) -> None:
    if _set_based(connection):
        _upsert_indicators_postgresql(connection, upload_id, inserts, updates)
        return
    table = IndicatorValue.__table__
    with rollups.counted_once(connection, table.name, indicator_rollups.INDICATORS):  # SQLite's row triggers
        _bulk_insert(connection, table, ("indicator_code", "unit_code", "period", "value", "upload_id", "source_row"),
                     inserts)
        if updates:
            _remember(connection, upload_id, "indicator_value", [(u["row_id"], u.pop("before")) for u in updates])
            statement = (update(table).where(table.c.id == bindparam("row_id"))
                         .values(value=bindparam("new_value"), source_row=bindparam("new_source_row"),
                                 upload_id=upload_id))
            for start in range(0, len(updates), CHUNK):
                connection.execute(statement, updates[start:start + CHUNK])


_STAGE = "nq57_indicator_stage"


def _set_based(connection: Connection) -> bool:
    """Whether indicator values are written set-based (PostgreSQL) or row by row (SQLite, whose
    prepared executemany is already as fast as its read)."""
    return connection.dialect.name == "postgresql"


def _upsert_indicators_postgresql(connection: Connection, upload_id: int, inserts: list[tuple],
                                  updates: list[dict]) -> None:
    """The PostgreSQL write of a compared indicator sheet, set-based: every value to write (new ones
    with their keys, changed ones with the id of the row they change) is COPYed into a temporary table
    without indexes or constraints, then one INSERT … SELECT adds the new values and one UPDATE … FROM
    changes the others, each carrying this upload and its Excel row; what an update overwrites is
    COPYed into upload_undo first, exactly as `_remember` writes it. The same rows, ids and undo
    entries as the SQLite path, in the caller's transaction (all or nothing).

    The foreign keys are checked once for the whole sheet instead of once per row by PostgreSQL's
    triggers (which cost more than the insert itself): see `_references_checked`."""
    with connection.connection.dbapi_connection.cursor() as cursor:
        checked = _references_checked(connection, cursor, inserts)
        _stage_and_write(connection, cursor, upload_id, inserts, updates)
        if checked:
            cursor.execute("SET LOCAL session_replication_role = origin")
        _statistics_kept(cursor, len(inserts))


STALE_SHARE = 0.1  # autovacuum's own default (autovacuum_analyze_scale_factor)


def _statistics_kept(cursor, inserted: int) -> None:
    """The indicator summary's refresh (in this transaction, right after the write) is planned on the
    planner's statistics. A write that grew indicator_value by more than a tenth of what they count —
    a first national import, 200,000 values into a table the statistics think empty — leaves them
    wrong by that much until autovacuum's next pass: the refresh then sorts every value instead of
    reading them in the unique index's order, and joins the communes row by row (a national first
    import's refresh 1.1–2.5 → 0.6–1.5 s, analysis included). So the tables it reads are analysed here
    first when that is so, or when they never were (a database just created): a sample, ≈0.1 s. Inside
    the transaction: a rollback forgets it, and its lock until the commit holds off only VACUUM, ANALYZE
    and schema changes of the table, never a reader or a writer."""
    cursor.execute("SELECT relname, reltuples FROM pg_class WHERE oid IN "
                   "('indicator_value'::regclass, 'admin_unit'::regclass)")
    for table, counted in cursor.fetchall():
        if counted < 0 or (table == "indicator_value" and inserted > STALE_SHARE * counted):
            cursor.execute(f"ANALYZE {table}")


def _stage_and_write(connection: Connection, cursor, upload_id: int, inserts: list[tuple], updates: list[dict]) -> None:
    cursor.execute(f"CREATE TEMPORARY TABLE {_STAGE} (sheet_order integer, row_id integer, indicator_code text, "
                   "unit_code text, period date, value double precision, source_row integer) ON COMMIT DROP")
    escaped: dict[object, str] = {}

    def field(value: object) -> str:  # the few distinct codes and periods are escaped once each
        text_value = escaped.get(value)
        if text_value is None:
            text_value = escaped[value] = _copy_text(value)
        return text_value

    def number(value: object) -> str:
        return repr(value) if value.__class__ is float else _copy_text(value)

    step = CHUNK * 4
    with cursor.copy(f"COPY {_STAGE} (sheet_order, row_id, indicator_code, unit_code, period, value, source_row) "
                     "FROM STDIN") as copy:
        for start in range(0, len(inserts), step):
            copy.write("".join(f"{order}\t\\N\t{field(code)}\t{field(unit)}\t{field(period)}\t{number(value)}\t"
                               f"{_copy_text(row)}\n"
                               for order, (code, unit, period, value, _, row)
                               in enumerate(inserts[start:start + step], start)))
        for start in range(0, len(updates), step):
            copy.write("".join(f"0\t{u['row_id']}\t\\N\t\\N\t\\N\t{number(u['new_value'])}\t"
                               f"{_copy_text(u['new_source_row'])}\n" for u in updates[start:start + step]))
    if inserts:
        cursor.execute(f"INSERT INTO indicator_value (indicator_code, unit_code, period, value, upload_id, source_row) "
                       f"SELECT indicator_code, unit_code, period, value, %s, source_row FROM {_STAGE} "
                       "WHERE row_id IS NULL ORDER BY sheet_order", (upload_id,))  # the ids in the sheet's order
    if updates:
        with cursor.copy("COPY upload_undo (upload_id, table_name, row_id, before) FROM STDIN") as copy:
            for start in range(0, len(updates), step):
                copy.write("".join(f"{upload_id}\tindicator_value\t{u['row_id']}\t{_undo_json(u['before'])}\n"
                                   for u in updates[start:start + step]))
        cursor.execute(f"UPDATE indicator_value AS v SET value = s.value, source_row = s.source_row, upload_id = %s "
                       f"FROM {_STAGE} AS s WHERE s.row_id IS NOT NULL AND v.id = s.row_id", (upload_id,))


def _undo_json(before: dict) -> str:
    """An indicator value's `before` as json.dumps writes it (what `_remember` stores through SQLAlchemy),
    built directly for the common case of a finite float and integer or empty provenance; COPY-safe."""
    value, upload, row = before["value"], before["upload_id"], before["source_row"]
    if value.__class__ is float and math.isfinite(value) and upload.__class__ in _JSON_PLAIN \
            and row.__class__ in _JSON_PLAIN:
        return (f'{{"value": {value!r}, "upload_id": {"null" if upload is None else upload}, '
                f'"source_row": {"null" if row is None else row}}}')
    return _copy_text(json.dumps(before))


_JSON_PLAIN = (int, type(None))


_COUNTING_TRIGGER = "nq57_indicator_value_rollup_written"  # migration 0021: counts writes, enabled ALWAYS


def _references_checked(connection: Connection, cursor, inserts: list[tuple]) -> bool:
    """PostgreSQL checks a foreign key with one query per row written (a trigger locking the row it
    points to): for 200,000 values, three times as long as writing them. When the database role may
    set `session_replication_role` (a superuser, or `GRANT SET ON PARAMETER session_replication_role`
    on PostgreSQL 15+) and neither indicator_value nor upload_undo has a trigger of its own (but the
    indicator summary's write counter, which fires in replica mode too: migration 0021), the same
    check is made once for the sheet — every indicator and commune of the new values exists, locked
    FOR KEY SHARE until the commit as the per-row check would lock it (the upload row is this
    transaction's own) — and the per-row triggers are skipped for this write only (SET LOCAL, reset
    by the caller; a rollback resets it too). Should a code be missing, or the role lack the right,
    nothing is skipped: the triggers check every row and the database refuses what they refuse."""
    if connection.dialect.server_version_info >= (15,):
        privilege = "has_parameter_privilege('session_replication_role', 'SET')"
    else:
        privilege = "current_setting('is_superuser') = 'on'"
    cursor.execute(f"SELECT {privilege} AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
                   "AND tgrelid IN ('indicator_value'::regclass, 'upload_undo'::regclass) "
                   f"AND NOT (tgname = '{_COUNTING_TRIGGER}' AND tgenabled = 'A'))")
    if not cursor.fetchone()[0]:
        return False
    units, indicators = sorted({row[1] for row in inserts}), sorted({row[0] for row in inserts})
    if units:
        cursor.execute("SELECT code FROM admin_unit WHERE code = ANY(%s) FOR KEY SHARE", (units,))
        if len(cursor.fetchall()) != len(units):
            return False
        cursor.execute("SELECT code FROM indicator WHERE code = ANY(%s) FOR KEY SHARE", (indicators,))
        if len(cursor.fetchall()) != len(indicators):
            return False
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _remember(connection: Connection, upload_id: int, table_name: str, rows: list[tuple[int, dict]]) -> None:
    """What the upload is about to overwrite, so withdrawing it restores exactly that (ingest/withdraw.py)."""
    entries = [{"upload_id": upload_id, "table_name": table_name, "row_id": row_id,
                "before": {key: value.isoformat() if isinstance(value, dt.date) else value
                           for key, value in before.items()}} for row_id, before in rows]
    for start in range(0, len(entries), CHUNK):
        connection.execute(insert(UploadUndo), entries[start:start + CHUNK])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, int)):
        return str(value)
    return str(value).translate(_COPY_ESCAPES)


def _bulk_insert(connection: Connection, table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows inside the caller's transaction: COPY on PostgreSQL, one prepared
    executemany on SQLite (dates already as ISO text, as SQLAlchemy stores them there). Both skip
    SQLAlchemy's per-row parameter processing, which costs more than the database itself for the
    200,000 values of a national indicator file."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()
        columns = ", ".join(f'"{name}"' for name in names)
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for start in range(0, len(rows), CHUNK * 4):  # COPY text built in Python: 5× faster than write_row
                copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in rows[start:start + CHUNK * 4]))
        return
    if dialect == "sqlite":
        sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})'
        connection.exec_driver_sql(sql, rows)
        return
    dicts = [dict(zip(names, row)) for row in rows]
    for start in range(0, len(dicts), CHUNK):
        connection.execute(insert(table), dicts[start:start + CHUNK])
