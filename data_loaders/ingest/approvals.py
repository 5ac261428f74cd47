"""Approval, level by level (issue 13): the level above checks a unit's monthly submission and approves
it — which locks it — or returns it with a reason the clerk sees; an approver may unlock what it
approved. The rules are here, whatever calls them: the Approvals page, `python -m data_loaders
approvals …`, and the importer (files, the web form and a direction's answer all commit through it) and
`withdraw`, which run `locked_changes` / `locked_by_upload` before they change anything.

**Who approves: a role of its own, `approver`, not "a reporter of the level above".** In this access
model (identity/access.py) a reporter's scope is what it uploads, and a province's reporters upload
their communes' figures themselves (the province's templates list every commune). A reporter allowed to
approve the level below would approve numbers it sent itself; approval is meant as a second person's
check ("đúng" before the figures count). So an approver reads (view, export) and approves, but never
uploads, and its scope says whose submissions it decides: a province's approver decides that province's
communes, the nation's approver ("VN") the provinces. Administrators may decide any. One function,
`access.may_approve_unit`, says so.

**A submission** is a unit's data for a month as reporting status defines it (figures/reporting.py):
the uploads — files or web-form reports — holding its communes' indicator values for the month and the
reports, dated in the month, of the tasks it (or a unit under it) owns. A commune's submission is its
own; a province's, decided by the centre, covers the province and all its communes.

**States**: not_submitted, submitted, returned, approved. Approved, returned and unlocked are decisions
stored in `approval` (one row per unit and month, `period` its first day); a returned submission sent
again (an upload after the return) is submitted again, an unlocked one is submitted. Every step is a row
of `approval_step` (who, when, why, what the submission held) and an audit entry.

**The lock**: an approved unit and month — or a commune whose province is approved for the month — is
locked: an import that would change one of its values or task reports, or the withdrawal of an upload
holding some, is refused with a message naming the unit and month, and nothing changes, until the
approver unlocks it. Rows sent again unchanged (a pre-filled template) are no change and pass. The check
runs inside the commit's transaction under the import lock, and approve / return / unlock take the same
lock (PostgreSQL), so no import slips between a decision and its effect.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TypedDict

from sqlalchemy import Connection, Engine, and_, func, insert, select, union, update

from data_loaders.figures import reporting, rollups, sources
from data_loaders.figures.scope import UnitInfo, UnknownUnit, connect, get_unit, scope_filter
from data_loaders.i18n.message import Message
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.ingest.validate import Validated
from data_loaders.store import engine as db
from data_loaders.store.models import (
    ACTOR_LENGTH,
    APPROVAL_REASON_LENGTH,
    NATIONAL_CODE,
    AdminUnit,
    Approval,
    ApprovalStep,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
)
from data_loaders.store.settings import get_settings
from data_loaders.units.divisions import Unit, all_units

STATES = ("not_submitted", "submitted", "returned", "approved")
STEPS = ("approve", "return", "unlock")
STEP_STATE = {"approve": "approved", "return": "returned", "unlock": "unlocked"}
STEP_AUDIT = {"approve": "submission_approved", "return": "submission_returned", "unlock": "submission_unlocked"}
CHUNK = 5000
IMPORT_LOCK = 57057  # the importer's advisory lock (ingest/commit.py)


class ApprovalRefused(AccountError):
    """A step that may not be taken: a message key naming the unit and the month."""

    default_key = "approval_refused"


class Submission(TypedDict):
    unit: dict  # {"code", "name", "level"}
    state: str  # STATES
    reporting: str  # on_time | late | not_submitted | not_due (figures/reporting.py)
    uploads: int
    task_reports: int
    indicator_values: int
    first_submitted_at: dt.datetime | None
    last_submitted_at: dt.datetime | None
    last_submitted_by: str | None
    reason: str | None  # the latest return's reason, while the submission stands returned
    decided_by: str | None
    decided_at: dt.datetime | None
    locked: bool
    locked_above: bool  # locked by the approval of the province it lies in


@functools.cache
def _unit_map() -> dict[str, Unit]:
    return {unit.code: unit for unit in all_units()}


def month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_label(period: dt.date) -> str:
    """"06/2025": a period as every message names it."""
    return f"{period:%m/%Y}"


def parent_code(unit_code: str) -> str | None:
    """The unit whose approver decides this unit's submissions: a commune's province, a province's nation."""
    unit = _unit_map().get(unit_code)
    if unit is None or unit.level == "national":
        return None
    return NATIONAL_CODE if unit.level == "province" else unit.province_code


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return audit.utc(moment)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK)))


# --- the lock ------------------------------------------------------------------------------------


def _approved(conn: Connection, periods: list[dt.date] | None = None) -> set[tuple[str, dt.date]]:
    query = select(Approval.unit_code, Approval.period).where(Approval.state == "approved")
    if periods is not None:
        query = query.where(Approval.period.in_(periods))
    return {(code, period) for code, period in conn.execute(query)}


def _locking_unit(approved: set[tuple[str, dt.date]], unit_code: str | None, period: dt.date) -> str | None:
    """The unit whose approval locks this unit's month (itself or its province), or None."""
    if unit_code is None:
        return None
    if (unit_code, period) in approved:
        return unit_code
    unit = _unit_map().get(unit_code)
    if unit is not None and unit.level == "commune" and (unit.province_code, period) in approved:
        return unit.province_code
    return None


def locked_changes(connection: Connection, validated: Validated) -> int:
    """Called by the commit before it writes, inside its transaction and under the import lock: adds one
    error per locked unit and month the file would change (at the first row changing it) and returns
    how many. Values and reports sent again unchanged are no change. Costs one small query when nothing
    is approved for the file's months."""
    days = {key[2] for key in validated.values} | {key[1] for key in validated.reports}  # a few distinct dates
    periods = sorted({month(day) for day in days})
    if not periods:
        return 0
    approved = _approved(connection, periods)
    if not approved:
        return 0
    found: dict[tuple[str, dt.date], int] = {}
    if validated.kind == "tasks":
        _locked_reports(connection, validated, approved, found)
    else:
        _locked_values(connection, validated, approved, found)
    for (unit_code, period), excel_row in sorted(found.items(), key=lambda item: item[1]):
        validated.problems.add(excel_row, None, None, "approval_locked_import", unit={"unit": unit_code},
                               period=period_label(period))
    return len(found)


def _note(found: dict, unit_code: str, period: dt.date, excel_row: int) -> None:
    key = (unit_code, period)
    found[key] = min(found.get(key, excel_row), excel_row)


def _locked_values(conn: Connection, validated: Validated, approved: set, found: dict) -> None:
    """Values of locked units and months that differ from what is stored (or are new). The locks are
    decided once per unit and month, and stored values are read month by month without their date column,
    so even a national file whose every commune is locked costs one pass."""
    locked: dict[tuple[str, dt.date], bool] = {}
    by_period: dict[dt.date, dict[tuple[str, str], tuple[float, int]]] = {}
    for (indicator, unit, period), (value, excel_row) in validated.values.items():
        key = (unit, period)
        if key not in locked:
            locked[key] = _locking_unit(approved, unit, month(period)) is not None
        if locked[key]:
            by_period.setdefault(period, {})[(indicator, unit)] = (value, excel_row)
    for period, candidates in by_period.items():
        units = sorted({unit for _, unit in candidates})
        stored: dict[tuple[str, str], float] = {}
        for start in range(0, len(units), CHUNK):
            query = select(IndicatorValue.indicator_code, IndicatorValue.unit_code, IndicatorValue.value).where(
                IndicatorValue.period == period, IndicatorValue.unit_code.in_(units[start:start + CHUNK]))
            stored.update({(indicator, unit): value for indicator, unit, value in conn.execute(query).all()})
        for key, (value, excel_row) in candidates.items():
            old = stored.get(key)
            if old is None or abs(old - value) > 1e-9:
                _note(found, key[1], month(period), excel_row)


def _locked_reports(conn: Connection, validated: Validated, approved: set, found: dict) -> None:
    codes = sorted({code for code, _ in validated.reports})
    owners: dict[str, tuple[int, str]] = {}
    for start in range(0, len(codes), CHUNK):
        query = select(Task.code, Task.id, Task.owner_unit_code).where(Task.code.in_(codes[start:start + CHUNK]))
        owners.update({row.code: (row.id, row.owner_unit_code) for row in conn.execute(query)})
    candidates = []
    for (code, day), record in validated.reports.items():
        declared = validated.tasks[code].attributes.get("owner_unit_code") if code in validated.tasks else None
        stored_owner = owners.get(code, (None, None))[1]
        locked = [unit for unit in dict.fromkeys((stored_owner, declared))
                  if _locking_unit(approved, unit, month(day))]
        if locked:
            candidates.append((code, day, record, locked[0]))
    if not candidates:
        return
    ids = sorted({owners[code][0] for code, *_ in candidates if code in owners})
    stored: dict[tuple[int, dt.date], tuple] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(TaskReport.task_id, TaskReport.report_date, TaskReport.status, TaskReport.progress_pct,
                       TaskReport.note).where(TaskReport.task_id.in_(ids[start:start + CHUNK]),
                                              TaskReport.report_date.in_(sorted({c[1] for c in candidates})))
        stored.update({(row.task_id, row.report_date): (row.status, row.progress_pct, row.note)
                       for row in conn.execute(query)})
    for code, day, record, unit_code in candidates:
        old = stored.get((owners[code][0], day)) if code in owners else None
        if old != (record.status, record.progress_pct, record.note):
            _note(found, unit_code, month(day), record.source_row)


def locked_by_upload(conn: Connection, upload_id: int) -> tuple[str, dt.date] | None:
    """The first locked unit and month among the rows an upload holds (withdrawing it would change
    them), or None. Called by `withdraw` under the import lock before it changes anything."""
    approved = _approved(conn)
    if not approved:
        return None
    values = (select(IndicatorValue.unit_code, IndicatorValue.period)
              .where(IndicatorValue.upload_id == upload_id).distinct())
    reports = (select(Task.owner_unit_code, TaskReport.report_date).join(Task, Task.id == TaskReport.task_id)
               .where(TaskReport.upload_id == upload_id).distinct())
    for query in (values, reports):
        for unit_code, day in conn.execute(query):
            if _locking_unit(approved, unit_code, month(day)):
                return unit_code, month(day)
    return None


# --- states --------------------------------------------------------------------------------------


def derive_state(has_data: bool, last_submitted_at: dt.datetime | None, decision) -> str:
    """The state of a submission from its data and the stored decision (None: none yet)."""
    if decision is not None:
        if decision.state == "approved":
            return "approved"
        if decision.state == "returned" and not (
                last_submitted_at is not None and _aware(last_submitted_at) > _aware(decision.decided_at)):
            return "returned"
    return "submitted" if has_data else "not_submitted"


def _decisions(conn: Connection, codes: list[str], period: dt.date) -> dict[str, object]:
    found = {}
    for start in range(0, len(codes), CHUNK):
        query = select(Approval.unit_code, Approval.state, Approval.reason, Approval.decided_by,
                       Approval.decided_at).where(Approval.period == period,
                                                  Approval.unit_code.in_(codes[start:start + CHUNK]))
        found.update({row.unit_code: row for row in conn.execute(query)})
    return found


def states_for(status: reporting.ReportingStatus, engine: Engine | None = None) -> dict[str, dict]:
    """For each unit a reporting status lists (figures/reporting.py, for the same month): its approval
    state, the reason while it stands returned, who decided and when, and whether it is locked (by its own
    approval or, `locked_above`, its province's). Also under the key of the status's own unit: `own`, the
    decision on that unit's own submission, if any."""
    period = reporting.parse_period(status["period"])
    unit = status["unit"]
    codes = [child["unit"]["code"] for child in status["children"]]
    provinces = sorted({_unit_map()[code].province_code for code in codes
                        if code in _unit_map() and _unit_map()[code].level == "commune"})
    with connect(engine) as conn:
        decisions = _decisions(conn, sorted({*codes, *provinces, unit["code"]}), period)
    states: dict[str, dict] = {}
    for child in status["children"]:
        code = child["unit"]["code"]
        decision = decisions.get(code)
        state = derive_state(child["uploads"] > 0, child["last_submitted_at"], decision)
        known = _unit_map().get(code)
        above = decisions.get(known.province_code) if known is not None and known.level == "commune" else None
        locked_above = above is not None and above.state == "approved"
        states[code] = {"state": state, "reason": decision.reason if state == "returned" else None,
                        "decided_by": decision.decided_by if decision is not None else None,
                        "decided_at": _aware(decision.decided_at) if decision is not None else None,
                        "locked": state == "approved" or locked_above, "locked_above": locked_above}
    own = decisions.get(unit["code"])
    states["own"] = None if own is None else {"state": own.state, "reason": own.reason,
                                              "decided_by": own.decided_by, "decided_at": _aware(own.decided_at)}
    return states


def submissions(unit_code: str, period: dt.date, *, engine: Engine | None = None,
                today: dt.date | None = None) -> dict:
    """The submissions of the units directly below `unit_code` for the month of `period` (a commune: its
    own), each with its state, counts, when and by whom, and the decision on it; `counts` per state;
    `own` is the decision on the unit's own submission (a province's, by the centre), if any. Raises
    figures.scope.UnknownUnit."""
    engine = engine or db.get_engine()
    due_day = get_settings(engine)["report_due_day"]
    status = reporting.reporting_status(unit_code, month(period), due_day, today or dt.date.today(), engine=engine)
    states = states_for(status, engine)
    rows: list[Submission] = []
    for child in status["children"]:
        rows.append({
            "unit": child["unit"], "reporting": child["status"], "uploads": child["uploads"],
            "task_reports": child["task_reports"], "indicator_values": child["indicator_values"],
            "first_submitted_at": child["first_submitted_at"], "last_submitted_at": child["last_submitted_at"],
            "last_submitted_by": child["last_submitted_by"], **states[child["unit"]["code"]],
        })
    order = {"submitted": 0, "returned": 1, "approved": 2, "not_submitted": 3}
    rows.sort(key=lambda row: order[row["state"]])  # stable: names stay in order within a state
    return {"unit": status["unit"], "period": status["period"], "due_date": status["due_date"],
            "counts": {state: sum(1 for row in rows if row["state"] == state) for state in STATES},
            "children": rows, "own": states["own"]}


def submission(unit_code: str, period: dt.date, *, engine: Engine | None = None,
               today: dt.date | None = None) -> Submission:
    """One unit's submission for the month, as its approver's list shows it."""
    engine = engine or db.get_engine()
    unit = get_unit(unit_code, engine)
    above = parent_code(unit.code)
    if above is None:
        raise ApprovalRefused("approval_not_approvable", unit=access.unit_label(unit.code))
    listed = submissions(above, period, engine=engine, today=today)
    return next(row for row in listed["children"] if row["unit"]["code"] == unit.code)


def steps(unit_code: str, period: dt.date, engine: Engine | None = None) -> list[dict]:
    """Every step taken on the unit's submission for the month, oldest first."""
    with connect(engine) as conn:
        rows = conn.execute(select(ApprovalStep.step, ApprovalStep.reason, ApprovalStep.actor, ApprovalStep.at,
                                   ApprovalStep.detail)
                            .where(ApprovalStep.unit_code == unit_code, ApprovalStep.period == month(period))
                            .order_by(ApprovalStep.at, ApprovalStep.id)).all()
    return [{**row._asdict(), "at": _aware(row.at)} for row in rows]


def submission_uploads(unit_code: str, period: dt.date, engine: Engine | None = None) -> list[dict]:
    """The uploads (files and web-form reports) holding the unit's data for the month, oldest first, each
    with how many of its task reports and indicator values belong to the submission: what an approver
    opens to check it."""
    unit = get_unit(unit_code, engine)
    first, last = reporting.period_bounds(month(period))
    found: dict[int, dict] = {}
    values = (select(Upload.id, func.count().label("n")).select_from(IndicatorValue)
              .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
              .join(Upload, Upload.id == IndicatorValue.upload_id)
              .where(scope_filter(unit, AdminUnit), IndicatorValue.period == last).group_by(Upload.id))
    reports = (select(Upload.id, func.count().label("n")).select_from(TaskReport)
               .join(Task, Task.id == TaskReport.task_id)
               .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
               .join(Upload, Upload.id == TaskReport.upload_id)
               .where(scope_filter(unit, AdminUnit),
                      and_(TaskReport.report_date >= first, TaskReport.report_date <= last)).group_by(Upload.id))
    with connect(engine) as conn:
        for field, query in (("indicator_values", values), ("task_reports", reports)):
            for row in conn.execute(query):
                found.setdefault(row.id, {"task_reports": 0, "indicator_values": 0})[field] += int(row.n)
        uploads = conn.execute(select(Upload.id, Upload.file_name, Upload.kind, Upload.uploaded_by,
                                      Upload.uploaded_at, Upload.status).where(Upload.id.in_(list(found)))).all()
    rows = [{**row._asdict(), "uploaded_at": _aware(row.uploaded_at), **found[row.id]} for row in uploads]
    return sorted(rows, key=lambda row: (row["uploaded_at"], row["id"]))


def returned_in_scope(scope_code: str, engine: Engine | None = None, limit: int = 50) -> list[dict]:
    """Submissions inside a scope that stand returned (not sent again since), newest first, each with
    the reason: what a clerk must correct."""
    with connect(engine) as conn:
        rows = conn.execute(select(Approval.unit_code, Approval.period, Approval.reason, Approval.decided_by,
                                   Approval.decided_at).where(Approval.state == "returned")
                            .order_by(Approval.decided_at.desc()).limit(limit * 4)).all()
        found = []
        for row in rows:
            if not access.unit_in_scope(row.unit_code, scope_code):
                continue
            last = _last_submitted_at(conn, row.unit_code, row.period)
            if last is not None and last > _aware(row.decided_at):
                continue  # sent again: waiting for the approver
            found.append({"unit_code": row.unit_code, "unit": access.unit_label(row.unit_code),
                          "period": row.period, "reason": row.reason, "decided_by": row.decided_by,
                          "decided_at": _aware(row.decided_at)})
            if len(found) >= limit:
                break
    return found


def _last_submitted_at(conn: Connection, unit_code: str, period: dt.date) -> dt.datetime | None:
    known = _unit_map()[unit_code]  # the unit catalogue is the same in every database
    unit = UnitInfo(known.code, known.name, known.level, known.parent_code, known.province_code)
    first, last = reporting.period_bounds(period)
    values = (select(func.max(Upload.uploaded_at)).select_from(IndicatorValue)
              .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
              .join(Upload, Upload.id == IndicatorValue.upload_id)
              .where(scope_filter(unit, AdminUnit), IndicatorValue.period == last))
    reports = (select(func.max(Upload.uploaded_at)).select_from(TaskReport)
               .join(Task, Task.id == TaskReport.task_id)
               .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
               .join(Upload, Upload.id == TaskReport.upload_id)
               .where(scope_filter(unit, AdminUnit), TaskReport.report_date >= first, TaskReport.report_date <= last))
    moments = [_aware(conn.execute(query).scalar()) for query in (values, reports)]
    moments = [moment for moment in moments if moment is not None]
    return max(moments) if moments else None


def unapproved_submissions(unit_code: str, period: dt.date, engine: Engine | None = None) -> dict[str, int]:
    """How many of the submissions inside a unit that hold data for the month are not approved (neither
    the unit's own approval nor its province's): {"unapproved", "submissions"}. A submission is a commune
    with data for the month, or a province with reports on its own tasks; the nation's own tasks are
    not submitted to anyone. What leaders' views say they include.

    The owners with reports in the month come from the task report counts maintained at commit when they
    are current (figures/rollups.py `report_owners`: nationally a month's index entries instead of 200,000
    reports joined with their tasks), else from the reports themselves; the same units either way."""
    engine = engine or db.get_engine()
    unit = get_unit(unit_code, engine)
    period = month(period)
    first, last = reporting.period_bounds(period)
    values = select(IndicatorValue.unit_code.label("code")).where(IndicatorValue.period == last)
    if unit.level != "national":  # the nation: every unit's values, no join needed
        values = values.join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code).where(scope_filter(unit, AdminUnit))
    counted = rollups.report_owners(unit, first, last)
    found = None
    if counted is not None:
        found = rollups.read_if_current(engine, functools.partial(_submitting, values=values, owners=counted,
                                                                   period=period))
    if found is None:  # inside rollups.live(), or the counts not current: the reports themselves
        reports = (select(Task.owner_unit_code.label("code")).select_from(TaskReport)
                   .join(Task, Task.id == TaskReport.task_id)
                   .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
                   .where(scope_filter(unit, AdminUnit), AdminUnit.level != "national",
                          TaskReport.report_date >= first, TaskReport.report_date <= last))
        with connect(engine) as conn:
            found = _submitting(conn, values=values, owners=reports, period=period)
    codes, approved = found
    unapproved = sum(1 for code in codes if not _locking_unit(approved, code, period))
    return {"unapproved": unapproved, "submissions": len(codes)}


def _submitting(conn: Connection, *, values, owners, period: dt.date) -> tuple[set[str], set[tuple[str, dt.date]]]:
    """The units with values or (`owners`) task reports for the month, each once, and the month's approvals."""
    return set(conn.execute(union(values, owners)).scalars()), _approved(conn, [period])


def decisions_version(engine: Engine | None = None) -> int:
    """The latest approval step (0 before any): what a cached counting line is keyed on besides the data
    version, since in the default mode a decision moves no figure, only that line."""
    with connect(engine) as conn:
        return conn.execute(select(func.coalesce(func.max(ApprovalStep.id), 0))).scalar_one()


def counting_note(unit_code: str, day: dt.date, engine: Engine | None = None,
                  counted: str | None = None) -> Message | None:
    """The line every leader's view and deck carries on what its figures for the month of `day` count
    (figures/sources.py; `counted` defaults to the setting): in the default mode "the 06/2025 figures
    include 2 of 3 submissions not yet approved" (or all approved); in approved-only mode "approved
    figures only: 2 submissions awaiting approval are not counted" (or all approved). None when nothing
    inside the unit was submitted for the month."""
    engine = engine or db.get_engine()
    counted = counted or sources.mode(engine)
    found = unapproved_submissions(unit_code, day, engine)
    if not found["submissions"]:
        return None
    params = {"period": period_label(month(day)), "unapproved": found["unapproved"], "total": found["submissions"]}
    if counted == sources.APPROVED:
        key = "approval_approved_only_caption" if found["unapproved"] else "approval_approved_only_all"
    else:
        key = "approval_leader_caption" if found["unapproved"] else "approval_leader_all_approved"
    return Message(key, params)


# --- the steps -----------------------------------------------------------------------------------


def _approver(account: Account, engine: Engine) -> Account:
    """The approver as stored now (not as a page remembered them)."""
    current = get_account(account.username, engine)
    if current is None or current.id != account.id or current.disabled:
        raise AccountError("not_permitted")
    return current


def decide(step: str, unit_code: str, period: dt.date, *, actor: str, account: Account | None = None,
           reason: str | None = None, engine: Engine | None = None, now: dt.datetime | None = None) -> dict:
    """Approve, return (with `reason`) or unlock a unit's submission for the month of `period`.

    With `account` (a page, or the command line's --user) the step is that person's and must be theirs
    to take (`access.may_approve_unit`, against the account as stored); a refusal is audited. Without it
    the caller is trusted (the command line without --user, recorded as `actor` "cli:<login>").
    Raises ApprovalRefused (a message key naming the unit and month) and changes nothing when the step
    may not be taken: not this person's; nothing submitted; approving what is approved; returning what
    is approved (unlock it first); unlocking what is not approved; returning or unlocking a commune
    whose province the centre has approved (the centre unlocks the province first); a return without
    a reason. Raises figures.scope.UnknownUnit. Returns the new decision."""
    if step not in STEPS:
        raise ValueError(f"unknown approval step {step!r}")
    engine = engine or db.get_engine()
    period = month(period)
    unit = get_unit(unit_code, engine)
    label, when = access.unit_label(unit.code), period_label(period)
    target = f"{unit.code}/{period:%Y-%m}"
    if account is not None:
        try:
            account = _approver(account, engine)
        except AccountError:
            account = None
        if account is None or not access.may_approve_unit(account, unit.code):
            audit.record(STEP_AUDIT[step], actor, target=target, outcome="refused",
                         detail={"reason": "approval_not_permitted"}, engine=engine)
            raise ApprovalRefused("approval_not_permitted", unit=label, period=when)
    if parent_code(unit.code) is None:
        raise ApprovalRefused("approval_not_approvable", unit=label)
    reason = (reason or "").strip() or None
    if step == "return" and reason is None:
        raise ApprovalRefused("approval_reason_required", unit=label, period=when)
    if reason is not None and len(reason) > APPROVAL_REASON_LENGTH:
        raise ApprovalRefused("approval_reason_too_long", count=APPROVAL_REASON_LENGTH)
    held = submission_uploads(unit.code, period, engine)  # only this unit's rows: cheap at any level
    current = {"uploads": len(held), "task_reports": sum(u["task_reports"] for u in held),
               "indicator_values": sum(u["indicator_values"] for u in held),
               "last_submitted_at": max((u["uploaded_at"] for u in held), default=None)}
    now = now or dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        _lock(conn)
        decision = conn.execute(select(Approval.id, Approval.state, Approval.decided_at)
                                .where(Approval.unit_code == unit.code, Approval.period == period)).first()
        state = derive_state(current["uploads"] > 0, current["last_submitted_at"], decision)
        above = unit.province_code if unit.level == "commune" else None
        locked_above = above is not None and (above, period) in _approved(conn, [period])
        refusal = _refusal(step, state, locked_above)
        if refusal is not None:
            raise ApprovalRefused(refusal, unit=label, period=when,
                                  above=access.unit_label(above) if locked_above else "")
        values = {"state": STEP_STATE[step], "reason": reason if step == "return" else None,
                  "decided_by": actor[:ACTOR_LENGTH], "decided_at": now}
        if decision is None:
            conn.execute(insert(Approval).values(unit_code=unit.code, period=period, **values))
        else:
            conn.execute(update(Approval).where(Approval.id == decision.id).values(**values))
        detail = {"unit": unit.code, "period": f"{period:%Y-%m}", "from": state, "uploads": current["uploads"],
                  "task_reports": current["task_reports"], "indicator_values": current["indicator_values"]}
        conn.execute(insert(ApprovalStep).values(unit_code=unit.code, period=period, step=step, reason=reason,
                                                 actor=actor[:ACTOR_LENGTH], at=now, detail=detail))
        audit.record_in(conn, STEP_AUDIT[step], actor, target=target, detail={**detail, "reason": reason})
    return {"status": STEP_STATE[step], "unit": unit.as_json(), "period": f"{period:%Y-%m}", "reason": values["reason"],
            "decided_by": values["decided_by"], "decided_at": now}


def awaiting(unit_code: str, period: dt.date, *, engine: Engine | None = None,
             today: dt.date | None = None) -> list[str]:
    """The codes of the units directly below `unit_code` whose submission for the month awaits approval
    (state "submitted"), in the approver's list order."""
    listed = submissions(unit_code, period, engine=engine, today=today)
    return [row["unit"]["code"] for row in listed["children"] if row["state"] == "submitted"]


def approve_all(unit_codes: list[str], period: dt.date, *, actor: str, account: Account | None = None,
                reason: str | None = None, engine: Engine | None = None) -> dict:
    """Approve each of these units' submissions for the month: each its own `decide("approve", …)` — its
    own transaction, checks, `approval_step` and audit entry, exactly as one approval. A unit whose step
    is refused (not this approver's, approved or returned meanwhile, nothing submitted, an unknown code)
    changes nothing and is reported, never skipped silently; the others are approved all the same.
    Returns {"period", "approved": [decide's result, …], "refused": [{"unit": {"code", "name", "level"},
    "key", "params"}, …]} in the order given (an unknown code's unit is {"code"} alone)."""
    engine = engine or db.get_engine()
    approved: list[dict] = []
    refused: list[dict] = []
    for code in unit_codes:
        try:
            approved.append(decide("approve", code, period, actor=actor, account=account, reason=reason,
                                   engine=engine))
        except ApprovalRefused as error:
            known = _unit_map().get(code)
            unit = {"code": code, "name": known.name, "level": known.level} if known is not None else {"code": code}
            refused.append({"unit": unit, "key": error.key, "params": dict(error.params)})
        except UnknownUnit:
            refused.append({"unit": {"code": code}, "key": "cli_unknown_unit", "params": {"code": code}})
    return {"period": f"{month(period):%Y-%m}", "approved": approved, "refused": refused}


def _refusal(step: str, state: str, locked_above: bool) -> str | None:
    if step == "approve":
        if state == "approved":
            return "approval_already_approved"
        return "approval_nothing_submitted" if state == "not_submitted" else None
    if locked_above:
        return "approval_locked_above"
    if step == "return":
        if state == "approved":
            return "approval_return_approved"
        return "approval_nothing_submitted" if state == "not_submitted" else None
    return None if state == "approved" else "approval_not_approved"


def as_json(listed: dict) -> dict:
    """`approvals list --json`: times as ISO text (UTC)."""
    def iso(value):
        return value.isoformat() if value is not None else None

    times = ("first_submitted_at", "last_submitted_at", "decided_at")
    own = listed["own"]
    return {**listed, "due_date": iso(listed["due_date"]),
            "own": None if own is None else {**own, "decided_at": iso(own["decided_at"])},
            "children": [{**row, **{name: iso(row[name]) for name in times}} for row in listed["children"]]}


__all__ = ["ApprovalRefused", "Submission", "approve_all", "awaiting", "counting_note", "decide", "decisions_version",
           "locked_by_upload", "locked_changes", "returned_in_scope", "steps", "submission", "submission_uploads",
           "submissions", "unapproved_submissions"]
