"""Directions and their answers: writing, answering, closing and reading them, each checked here
against who may do it, whatever page or command calls it.

- Writing a direction: a leader (a `viewer`, the role leaders read with) or an administrator, on a
  unit or a task they may read.
- Answering it: a `reporter` (or an administrator) who may upload for the direction's unit — and,
  for a ministry reporter, the task's lead agency. A new status or progress in an answer is a task
  report: it goes through the importer (read → validate → scope → commit, audited) as a one-row
  workbook named after the direction, so it is validated and traced like any upload.
- Closing it: its author (or an administrator).
- Reading it, its answers and its evidence: anyone who may read its unit.
Every write is audited. States come from the metric layer (figures/directions.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, func, insert, select, update

from data_loaders.figures.directions import direction_state, exists_at
from data_loaders.figures.scope import UnknownUnit, get_unit, scope_filter
from data_loaders.follow_up.evidence import MAX_FILES_PER_ANSWER, EvidenceFile, check_evidence
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.ingest.importer import ImportResult, import_file
from data_loaders.ingest.web_form import task_report_workbook
from data_loaders.store import engine as db
from data_loaders.store.catalogue import REPORT_STATUSES
from data_loaders.store.models import (
    OFFICIAL_NAME_LENGTH,
    AdminUnit,
    Agency,
    Direction,
    DirectionAnswer,
    Evidence,
    Task,
    TaskReport,
)

MAX_TEXT = 4000
MAX_OFFICIAL = OFFICIAL_NAME_LENGTH
DIRECTING_ROLES = ("viewer", "admin")


class DirectionRow(TypedDict):
    id: int
    unit_code: str
    unit_name: str
    task_code: str | None
    task_title: str | None
    task_agency: str | None
    task_document_number: str | None  # the task's assigning document (figures.tasks.document_message)
    task_document_date: dt.date | None
    text: str
    due_date: dt.date | None
    addressed_to: str | None
    author: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    state: str
    answers: int


class AnswerRow(TypedDict):
    id: int
    text: str
    author: str
    created_at: dt.datetime
    upload_id: int | None
    evidence: list[dict]  # id, file_name, media_type, size


class AnswerRefused(AccountError):
    """An answer whose new status or progress the importer rejected: `result` names each problem."""

    default_key = "direction_answer_rejected"

    def __init__(self, result: ImportResult) -> None:
        super().__init__("direction_answer_rejected", count=len(result.errors))
        self.result = result


def _current(account: Account | None, engine: Engine) -> Account:
    """The person as stored now: a disabled or deleted account may do nothing."""
    current = get_account(account.username, engine) if account is not None else None
    if current is None or current.disabled:
        raise AccountError("not_permitted")
    return current


def may_direct(account: Account | None, unit_code: str) -> bool:
    return (account is not None and not account.disabled and account.role in DIRECTING_ROLES
            and access.may_view_unit(account, unit_code))


def _task_agency(conn, task_id: int) -> str | None:
    return conn.execute(select(Agency.name).join(Task, Task.lead_agency_id == Agency.id)
                        .where(Task.id == task_id)).scalar_one_or_none()


def may_answer(account: Account | None, unit_code: str, task_agency: str | None = None) -> bool:
    if account is None or account.disabled or not access.may(account, "upload"):
        return False
    scope = access.upload_scope(account)
    return scope.allows_unit(unit_code) and (task_agency is None or scope.allows_agency(task_agency))


def _text(value: object, missing: str, too_long: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise AccountError(missing)
    if len(text) > MAX_TEXT:
        raise AccountError(too_long, limit=MAX_TEXT)
    return text


def create_direction(account: Account, *, text: str, unit_code: str | None = None, task_code: str | None = None,
                     due_date: dt.date | None = None, addressed_to: str | None = None,
                     engine: Engine | None = None, now: dt.datetime | None = None) -> int:
    """A new direction on a task (by code) or a unit; returns its id."""
    engine = engine or db.get_engine()
    author = _current(account, engine)
    body = _text(text, "direction_text_missing", "direction_text_too_long")
    official = (addressed_to or "").strip() or None
    if official is not None and len(official) > MAX_OFFICIAL:
        raise AccountError("direction_official_too_long", limit=MAX_OFFICIAL)
    now = now or dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        task_id = None
        if task_code:
            task = conn.execute(select(Task.id, Task.owner_unit_code).where(Task.code == task_code.strip())).first()
            if task is None:
                raise AccountError("direction_unknown_task", code=task_code)
            task_id, unit_code = task.id, task.owner_unit_code
        try:
            unit = get_unit(unit_code or "", engine)
        except UnknownUnit:
            raise AccountError("direction_unknown_unit", code=unit_code or "") from None
        if not may_direct(author, unit.code):
            raise AccountError("not_permitted")
        if due_date is not None and due_date < now.date():
            raise AccountError("direction_due_in_past")
        direction_id = conn.execute(insert(Direction).values(
            unit_code=unit.code, task_id=task_id, text=body, due_date=due_date, addressed_to=official,
            author=author.username, created_at=now).returning(Direction.id)).scalar_one()
        audit.record_in(conn, "direction_created", author.username, target=f"direction:{direction_id}",
                        detail={"unit": unit.code, "task": task_code or None,
                                "due_date": due_date.isoformat() if due_date else None})
    return direction_id


def _direction(conn, direction_id: int):
    row = conn.execute(select(Direction.__table__).where(Direction.id == direction_id)).first()
    if row is None:
        raise AccountError("direction_not_found")
    return row


def _readable(account: Account | None, direction: Direction) -> bool:
    return access.may_view_unit(account, direction.unit_code) or (
        account is not None and not account.disabled and account.username == direction.author)


def answer_direction(account: Account, direction_id: int, *, text: str, status: str | None = None,
                     progress_pct: float | None = None, report_date: dt.date | None = None,
                     files: list[tuple[str, bytes]] = (), engine: Engine | None = None,
                     now: dt.datetime | None = None) -> int:
    """The responsible unit's answer; returns its id. `status` (completed | in_progress | not_started)
    or `progress_pct` make a task report dated `report_date` (today by default), committed through
    the importer first: if it is rejected nothing is written (AnswerRefused carries the problems)."""
    engine = engine or db.get_engine()
    answerer = _current(account, engine)
    body = _text(text, "answer_text_missing", "answer_text_too_long")
    if len(files) > MAX_FILES_PER_ANSWER:
        raise AccountError("evidence_too_many", limit=MAX_FILES_PER_ANSWER)
    evidence: list[EvidenceFile] = [check_evidence(name, content) for name, content in files]
    now = now or dt.datetime.now(dt.timezone.utc)
    with engine.connect() as conn:
        direction = _direction(conn, direction_id)
        agency = _task_agency(conn, direction.task_id) if direction.task_id else None
        if not may_answer(answerer, direction.unit_code, agency):
            raise AccountError("not_permitted")
        if direction.closed_at is not None:
            raise AccountError("direction_closed_already")
        task_code, latest = None, None
        if direction.task_id is not None:
            task_code = conn.execute(select(Task.code).where(Task.id == direction.task_id)).scalar_one()
            latest = conn.execute(select(TaskReport.status, TaskReport.progress_pct)
                                  .where(TaskReport.task_id == direction.task_id)
                                  .order_by(TaskReport.report_date.desc()).limit(1)).first()
    upload_id = None
    if status is not None or progress_pct is not None:
        if task_code is None:
            raise AccountError("answer_report_needs_task")
        if status is not None and status not in {term.code for term in REPORT_STATUSES}:
            raise AccountError("answer_unknown_status")
        status = status or (latest.status if latest else "in_progress")
        progress = progress_pct if progress_pct is not None else (
            100.0 if status == "completed" else (latest.progress_pct if latest else 0.0))
        content = task_report_workbook([{"task_code": task_code, "report_date": report_date or now.date(),
                                         "status": status, "progress_pct": progress, "note": body[:1000]}])
        result = import_file(content, f"chi-dao-{direction_id}-{now:%Y%m%d%H%M%S}.xlsx", account=answerer,
                             engine=engine, today=now.date())
        if result.status == "rejected":
            raise AnswerRefused(result)
        upload_id = result.upload_id
    with engine.begin() as conn:
        answer_id = conn.execute(insert(DirectionAnswer).values(
            direction_id=direction_id, text=body, author=answerer.username, created_at=now,
            upload_id=upload_id).returning(DirectionAnswer.id)).scalar_one()
        if evidence:
            conn.execute(insert(Evidence), [
                {"answer_id": answer_id, "file_name": item.file_name, "media_type": item.media_type,
                 "size": item.size, "sha256": item.sha256, "content": item.content} for item in evidence])
        audit.record_in(conn, "direction_answered", answerer.username, target=f"direction:{direction_id}",
                        detail={"answer": answer_id, "upload_id": upload_id,
                                "evidence": [{"file": item.file_name, "size": item.size} for item in evidence]})
    return answer_id


def close_direction(account: Account, direction_id: int, *, engine: Engine | None = None,
                    now: dt.datetime | None = None) -> None:
    """Its author (or an administrator) closes it: it no longer asks anything of anyone."""
    engine = engine or db.get_engine()
    closer = _current(account, engine)
    now = now or dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        direction = _direction(conn, direction_id)
        if closer.username != direction.author and not access.is_national_admin(closer):
            raise AccountError("not_permitted")
        if direction.closed_at is not None:
            raise AccountError("direction_closed_already")
        conn.execute(update(Direction).where(Direction.id == direction_id)
                     .values(closed_at=now, closed_by=closer.username))
        audit.record_in(conn, "direction_closed", closer.username, target=f"direction:{direction_id}")


def list_directions(account: Account | None, unit_code: str, as_of: dt.date, *, states: tuple[str, ...] = (),
                    task_code: str | None = None, engine: Engine | None = None) -> list[DirectionRow]:
    """Directions on the unit and every unit under it that this person may read, existing at the
    date, most urgent state first, then by due date; `states` keeps only those states."""
    engine = engine or db.get_engine()
    if not access.may_view_unit(account, unit_code):
        raise AccountError("not_permitted")
    unit = get_unit(unit_code, engine)
    state = direction_state(as_of).label("state")
    answers = (select(func.count()).where(DirectionAnswer.direction_id == Direction.id)
               .correlate(Direction).scalar_subquery().label("answers"))
    query = (
        select(Direction.id, Direction.unit_code, AdminUnit.name.label("unit_name"), Task.code.label("task_code"),
               Task.title.label("task_title"), Agency.name.label("task_agency"),
               Task.document_number.label("task_document_number"), Task.document_date.label("task_document_date"),
               Direction.text, Direction.due_date,
               Direction.addressed_to,
               Direction.author, Direction.created_at, Direction.closed_at, state, answers)
        .join(AdminUnit, AdminUnit.code == Direction.unit_code)
        .outerjoin(Task, Task.id == Direction.task_id)
        .outerjoin(Agency, Agency.id == Task.lead_agency_id)
        .where(scope_filter(unit, AdminUnit), exists_at(as_of))
    )
    if task_code:
        query = query.where(Task.code == task_code)
    with engine.connect() as conn:
        rows = [DirectionRow(**row._mapping) for row in conn.execute(query)]
    rows = [row for row in rows if access.may_view_unit(account, row["unit_code"])]
    if states:
        rows = [row for row in rows if row["state"] in states]
    urgency = {"overdue": 0, "open": 1, "answered": 2, "closed": 3}
    return sorted(rows, key=lambda r: (urgency[r["state"]], r["due_date"] or dt.date.max, -r["id"]))


def direction_answers(account: Account | None, direction_id: int, *, engine: Engine | None = None) -> list[AnswerRow]:
    """A direction's answers, oldest first, each with its evidence's name, type and size."""
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        direction = _direction(conn, direction_id)
        if not _readable(account, direction):
            raise AccountError("not_permitted")
        answers = conn.execute(select(DirectionAnswer.id, DirectionAnswer.text, DirectionAnswer.author,
                                      DirectionAnswer.created_at, DirectionAnswer.upload_id)
                               .where(DirectionAnswer.direction_id == direction_id)
                               .order_by(DirectionAnswer.created_at, DirectionAnswer.id)).all()
        files = conn.execute(select(Evidence.id, Evidence.answer_id, Evidence.file_name, Evidence.media_type,
                                    Evidence.size)
                             .join(DirectionAnswer, DirectionAnswer.id == Evidence.answer_id)
                             .where(DirectionAnswer.direction_id == direction_id).order_by(Evidence.id)).all()
    by_answer: dict[int, list[dict]] = {}
    for item in files:
        by_answer.setdefault(item.answer_id, []).append(
            {"id": item.id, "file_name": item.file_name, "media_type": item.media_type, "size": item.size})
    return [AnswerRow(id=a.id, text=a.text, author=a.author, created_at=a.created_at, upload_id=a.upload_id,
                      evidence=by_answer.get(a.id, [])) for a in answers]


def evidence_download(account: Account | None, evidence_id: int, *,
                      engine: Engine | None = None) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of one evidence file for someone who may read its direction;
    audited."""
    engine = engine or db.get_engine()
    reader = _current(account, engine) if account is not None else None
    with engine.connect() as conn:
        row = conn.execute(select(Evidence.file_name, Evidence.media_type, Evidence.content,
                                  DirectionAnswer.direction_id)
                           .join(DirectionAnswer, DirectionAnswer.id == Evidence.answer_id)
                           .where(Evidence.id == evidence_id)).first()
        if row is None:
            raise AccountError("direction_not_found")
        direction = _direction(conn, row.direction_id)
    if not _readable(reader, direction):
        audit.record("evidence_download", reader.username if reader else None, target=f"evidence:{evidence_id}",
                     outcome="refused", engine=engine)
        raise AccountError("not_permitted")
    audit.record("evidence_download", reader.username if reader else None, target=f"evidence:{evidence_id}",
                 detail={"file": row.file_name, "direction": row.direction_id}, engine=engine)
    return row.file_name, row.media_type, row.content


def tasks_to_direct(unit_code: str, *, engine: Engine | None = None, limit: int = 2000) -> list[tuple[str, str]]:
    """(code, title) of the tasks owned by the unit or a unit under it, for choosing what a
    direction is about; at most `limit`, by code."""
    engine = engine or db.get_engine()
    unit = get_unit(unit_code, engine)
    query = (select(Task.code, Task.title).join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
             .where(scope_filter(unit, AdminUnit)).order_by(Task.code).limit(limit))
    with engine.connect() as conn:
        return [(row.code, row.title) for row in conn.execute(query)]
