"""Importing a workbook: read, validate every row, preview what would change, and commit all of it
in one transaction or nothing at all. Every accepted value keeps its upload and Excel row."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Callable

from sqlalchemy import Engine, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from . import db
from .catalogue import AREAS, INDICATORS, REPORT_STATUSES, Term, plans
from .excel_reader import (
    SheetRows,
    UnreadableFile,
    find_rows,
    is_blank,
    parse_date,
    parse_number,
    parse_period,
    parse_text,
    read_raw_sheets,
)
from .formats import FORMATS, INDICATOR_VALUES, TASKS, SheetFormat
from .i18n import DEFAULT_LANGUAGE, t
from .models import Agency, IndicatorValue, Task, TaskReport, Upload
from .text import fold
from .unit_matching import unit_index

CHUNK = 5000
Progress = Callable[[str, float], None]


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    value: object
    message: str
    cell: str | None = None  # "C12", for the error workbook

    def as_json(self) -> dict:
        value = self.value
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (int, float, str)):
            value = str(value)
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": value, "message": self.message}


@dataclass
class ImportResult:
    status: str  # imported | unchanged | already_imported | rejected | preview
    kind: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    upload_id: int | None = None
    details: dict = field(default_factory=dict)  # reports created/updated, biggest changes

    def as_json(self) -> dict:
        if self.status == "rejected":
            return {"status": "rejected", "kind": self.kind, "rows": self.rows,
                    "errors": [p.as_json() for p in self.errors], "warnings": [p.as_json() for p in self.warnings]}
        return {
            "status": self.status, "kind": self.kind, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged,
            "warnings": [p.as_json() for p in self.warnings], "upload_id": self.upload_id, **self.details,
        }


def _choice_lookup(terms: tuple[Term, ...], extra: dict[str, str] | None = None) -> dict[str, str]:
    lookup = {}
    for term in terms:
        for name in (term.code, term.vi, term.en):
            lookup[fold(name)] = term.code
    for name, code in (extra or {}).items():
        lookup[fold(name)] = code
    return lookup


_STATUS_LOOKUP = _choice_lookup(REPORT_STATUSES, {
    "hoan thanh": "completed", "da xong": "completed", "done": "completed",
    "dang trien khai": "in_progress", "dang thuc hien theo lo trinh": "in_progress",
    "chua thuc hien": "not_started", "chua bat dau": "not_started",
})
_AREA_LOOKUP = _choice_lookup(AREAS)


class _RowChecker:
    """Collects problems for one sheet, naming each cell as the user sees it."""

    def __init__(self, rows: SheetRows, lang: str) -> None:
        self.rows = rows
        self.lang = lang
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, excel_row: int | None, key: str | None, value: object, message_key: str,
                warning: bool = False, **params: object) -> None:
        column = self.rows.headers.get(key) if key else None
        cell = f"{self.rows.column_letters[key]}{excel_row}" if key in self.rows.column_letters and excel_row else None
        problem = Problem(self.rows.sheet, excel_row, column, None if is_blank(value) else value,
                          t(message_key, self.lang, **params), cell)
        (self.warnings if warning else self.errors).append(problem)

    def parse(self, excel_row: int, raw: dict, key: str, parser, error_key: str, required: bool = False):
        value = raw.get(key)
        if is_blank(value):
            if required:
                self.problem(excel_row, key, value, "err_required")
            return None
        try:
            return parser(value)
        except (ValueError, TypeError, OverflowError):
            self.problem(excel_row, key, value, error_key)
            return None

    def choice(self, excel_row: int, raw: dict, key: str, lookup: dict[str, str], terms: tuple[Term, ...],
               required: bool = False) -> str | None:
        value = raw.get(key)
        if is_blank(value):
            if required:
                self.problem(excel_row, key, value, "err_required")
            return None
        code = lookup.get(fold(value))
        if code is None:
            self.problem(excel_row, key, value, "err_bad_choice",
                         choices=", ".join(term.label(self.lang) for term in terms))
        return code

    def unit(self, excel_row: int, raw: dict, commune_required: bool) -> str | None:
        index = unit_index()
        province_match = index.match_province(raw.get("province_code"), raw.get("province_name"))
        key = "province_code" if not is_blank(raw.get("province_code")) else "province_name"
        if province_match.warning_key:
            self.problem(excel_row, key, raw.get(key), province_match.warning_key, warning=True,
                         **province_match.warning_params)
        if province_match.unit is None:
            self.problem(excel_row, key, raw.get(key), province_match.error_key, **province_match.error_params)
            return None
        province = province_match.unit
        commune_code, commune_name = raw.get("commune_code"), raw.get("commune_name")
        if is_blank(commune_code) and is_blank(commune_name):
            if commune_required:
                self.problem(excel_row, "commune_name", None, "err_commune_required")
                return None
            return province.code
        if province.level != "province":
            self.problem(excel_row, key, raw.get(key), "err_commune_needs_province")
            return None
        match = index.match_commune(province, commune_code, commune_name)
        commune_key = "commune_code" if not is_blank(commune_code) else "commune_name"
        if match.unit is None:
            self.problem(excel_row, commune_key, raw.get(commune_key), match.error_key, **match.error_params)
            return None
        return match.unit.code


def _check_future(checker: _RowChecker, excel_row: int, key: str, raw: dict, day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        checker.problem(excel_row, key, raw.get(key), "err_future_date")


# --- tasks ------------------------------------------------------------------------------------

_TASK_ATTRIBUTES = ("title", "plan", "area", "lead_agency", "owner_unit_code", "responsible_official", "deadline")


def _validate_tasks(rows: SheetRows, lang: str, today: dt.date) -> tuple[_RowChecker, dict, dict]:
    checker = _RowChecker(rows, lang)
    plan_terms = plans()
    plan_lookup = _choice_lookup(plan_terms)
    tasks: dict[str, dict] = {}  # code -> attributes, with the Excel row each came from
    reports: dict[tuple[str, dt.date], dict] = {}
    for excel_row, raw in rows.rows:
        errors_before = len(checker.errors)
        code = checker.parse(excel_row, raw, "task_code", parse_text, "err_required", required=True)
        report_date = checker.parse(excel_row, raw, "report_date", parse_date, "err_bad_date", required=True)
        _check_future(checker, excel_row, "report_date", raw, report_date, today)
        status = checker.choice(excel_row, raw, "status", _STATUS_LOOKUP, REPORT_STATUSES, required=True)
        progress = checker.parse(excel_row, raw, "progress_pct", parse_number, "err_bad_number", required=True)
        if progress is not None and not 0 <= progress <= 100:
            checker.problem(excel_row, "progress_pct", raw.get("progress_pct"), "err_percent_range")
        attributes = {
            "title": checker.parse(excel_row, raw, "title", parse_text, "err_required"),
            "plan": checker.choice(excel_row, raw, "plan", plan_lookup, plan_terms),
            "area": checker.choice(excel_row, raw, "area", _AREA_LOOKUP, AREAS),
            "lead_agency": checker.parse(excel_row, raw, "lead_agency", parse_text, "err_required"),
            "responsible_official": checker.parse(excel_row, raw, "responsible_official", parse_text, "err_required"),
            "deadline": checker.parse(excel_row, raw, "deadline", parse_date, "err_bad_date"),
            "owner_unit_code": None,
        }
        if any(not is_blank(raw.get(k)) for k in ("province_code", "province_name", "commune_code", "commune_name")):
            attributes["owner_unit_code"] = checker.unit(excel_row, raw, commune_required=False)
        if len(checker.errors) > errors_before or code is None:
            continue
        if status == "completed" and progress is not None and progress < 100:
            checker.problem(excel_row, "progress_pct", raw.get("progress_pct"), "err_completed_progress", warning=True)
        task = tasks.setdefault(code, {"first_row": excel_row, "rows": {}})
        for name, value in attributes.items():
            if value is None:
                continue
            if name in task and task[name] != value:
                key = "province_name" if name == "owner_unit_code" else name
                checker.problem(excel_row, key, raw.get(key), "err_duplicate_conflict", other_row=task["rows"][name])
                continue
            task[name] = value
            task["rows"].setdefault(name, excel_row)
        report = {"status": status, "progress_pct": progress, "note": parse_text(raw.get("note")) or None,
                  "source_row": excel_row}
        key = (code, report_date)
        if key in reports:
            previous = reports[key]
            same = all(previous[k] == report[k] for k in ("status", "progress_pct", "note"))
            if same:
                checker.problem(excel_row, "task_code", code, "warn_duplicate_row", warning=True, other_row=previous["source_row"])
            else:
                checker.problem(excel_row, "status", raw.get("status"), "err_duplicate_conflict", other_row=previous["source_row"])
            continue
        reports[key] = report
    return checker, tasks, reports


def _commit_tasks(session: Session, upload_id: int | None, tasks: dict, reports: dict, checker: _RowChecker,
                  dry_run: bool) -> tuple[dict, bool]:
    existing = {}
    codes = list(tasks)
    for start in range(0, len(codes), CHUNK):
        for task in session.scalars(select(Task).where(Task.code.in_(codes[start:start + CHUNK]))):
            existing[task.code] = task
    agencies = {a.name: a.id for a in session.scalars(select(Agency))}
    counts = {"tasks_created": 0, "tasks_updated": 0, "tasks_unchanged": 0,
              "reports_created": 0, "reports_updated": 0, "reports_unchanged": 0}
    new_task_rows, task_updates = [], []
    for code, attributes in tasks.items():
        current = existing.get(code)
        if current is None:
            missing = [name for name in _TASK_ATTRIBUTES if attributes.get(name) is None]
            if missing:
                checker.problem(attributes["first_row"], missing[0], None, "err_new_task_incomplete")
                continue
            counts["tasks_created"] += 1
            new_task_rows.append((code, attributes))
            continue
        changes = {}
        for name in _TASK_ATTRIBUTES:
            value = attributes.get(name)
            if value is None:
                continue
            if name == "lead_agency":
                if current.lead_agency.name != value:
                    changes["lead_agency"] = value
            elif getattr(current, name) != value:
                changes[name] = value
        if changes:
            counts["tasks_updated"] += 1
            task_updates.append((current, changes))
        else:
            counts["tasks_unchanged"] += 1
    if checker.errors:
        return counts, False
    # reports: compare with what is stored for the same task and date
    existing_reports: dict[tuple[str, dt.date], TaskReport] = {}
    existing_ids = {task.id: code for code, task in existing.items()}
    ids = list(existing_ids)
    for start in range(0, len(ids), CHUNK):
        for report in session.scalars(select(TaskReport).where(TaskReport.task_id.in_(ids[start:start + CHUNK]))):
            existing_reports[(existing_ids[report.task_id], report.report_date)] = report
    report_inserts, report_updates = [], []
    for key, report in reports.items():
        current = existing_reports.get(key)
        if current is None:
            counts["reports_created"] += 1
            report_inserts.append((key, report))
        elif (current.status, current.progress_pct, current.note) != (report["status"], report["progress_pct"], report["note"]):
            counts["reports_updated"] += 1
            report_updates.append((current, report))
        else:
            counts["reports_unchanged"] += 1
    changed = bool(new_task_rows or task_updates or report_inserts or report_updates)
    if dry_run or not changed:
        return counts, changed

    def agency_id(name: str) -> int:
        if name not in agencies:
            agencies[name] = session.execute(insert(Agency).values(name=name).returning(Agency.id)).scalar_one()
        return agencies[name]

    task_ids = {code: task.id for code, task in existing.items()}
    for code, attributes in new_task_rows:
        task_ids[code] = session.execute(insert(Task).values(
            code=code, title=attributes["title"], plan=attributes["plan"], area=attributes["area"],
            lead_agency_id=agency_id(attributes["lead_agency"]), owner_unit_code=attributes["owner_unit_code"],
            responsible_official=attributes["responsible_official"], deadline=attributes["deadline"],
            upload_id=upload_id, source_row=attributes["first_row"],
        ).returning(Task.id)).scalar_one()
    for task, changes in task_updates:
        if "lead_agency" in changes:
            changes["lead_agency_id"] = agency_id(changes.pop("lead_agency"))
        session.execute(update(Task).where(Task.id == task.id).values(**changes, upload_id=upload_id))
    rows = [{"task_id": task_ids[code], "report_date": day, "status": r["status"], "progress_pct": r["progress_pct"],
             "note": r["note"], "upload_id": upload_id, "source_row": r["source_row"]}
            for (code, day), r in report_inserts]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(TaskReport), rows[start:start + CHUNK])
    for current, report in report_updates:
        session.execute(update(TaskReport).where(TaskReport.id == current.id).values(
            status=report["status"], progress_pct=report["progress_pct"], note=report["note"],
            upload_id=upload_id, source_row=report["source_row"]))
    return counts, changed


# --- indicators -------------------------------------------------------------------------------


def _validate_indicators(rows: SheetRows, lang: str, today: dt.date) -> tuple[_RowChecker, dict]:
    checker = _RowChecker(rows, lang)
    values: dict[tuple[str, str, dt.date], tuple[float, int]] = {}
    seen_rows: dict[tuple[str, dt.date], int] = {}
    indicator_keys = [i for i in INDICATORS if i.code in rows.headers]
    for excel_row, raw in rows.rows:
        errors_before = len(checker.errors)
        period = checker.parse(excel_row, raw, "period", parse_period, "err_bad_period", required=True)
        if period is not None and period.replace(day=1) > today:
            checker.problem(excel_row, "period", raw.get("period"), "err_future_date")
        unit_code = checker.unit(excel_row, raw, commune_required=True)
        parsed = {}
        for indicator in indicator_keys:
            value = checker.parse(excel_row, raw, indicator.code, parse_number, "err_bad_number")
            if value is None:
                continue
            if value < 0:
                checker.problem(excel_row, indicator.code, raw.get(indicator.code), "err_negative")
            elif indicator.unit_vi == "%" and value > 100:
                checker.problem(excel_row, indicator.code, raw.get(indicator.code), "err_percent_range")
            parsed[indicator.code] = value
        if len(checker.errors) > errors_before or unit_code is None or period is None:
            continue
        key = (unit_code, period)
        if key in seen_rows:
            other = seen_rows[key]
            conflicts = [c for c, v in parsed.items() if (c, unit_code, period) in values and values[(c, unit_code, period)][0] != v]
            if conflicts:
                checker.problem(excel_row, conflicts[0], raw.get(conflicts[0]), "err_duplicate_conflict", other_row=other)
                continue
            checker.problem(excel_row, "period", raw.get("period"), "warn_duplicate_row", warning=True, other_row=other)
        seen_rows.setdefault(key, excel_row)
        for code, value in parsed.items():
            values.setdefault((code, unit_code, period), (value, excel_row))
    return checker, values


def _commit_indicators(session: Session, upload_id: int | None, values: dict, dry_run: bool) -> tuple[dict, bool]:
    periods = sorted({period for _, _, period in values})
    units = {unit for _, unit, _ in values}
    existing: dict[tuple[str, str, dt.date], tuple[int, float]] = {}
    if periods:
        query = select(IndicatorValue.id, IndicatorValue.indicator_code, IndicatorValue.unit_code,
                       IndicatorValue.period, IndicatorValue.value).where(IndicatorValue.period.in_(periods))
        if len(units) <= 500:
            query = query.where(IndicatorValue.unit_code.in_(units))
        for row in session.execute(query):
            existing[(row.indicator_code, row.unit_code, row.period)] = (row.id, row.value)
    inserts, updates, changes = [], [], []
    unchanged = 0
    for key, (value, excel_row) in values.items():
        current = existing.get(key)
        if current is None:
            inserts.append({"indicator_code": key[0], "unit_code": key[1], "period": key[2], "value": value,
                            "upload_id": upload_id, "source_row": excel_row})
        elif abs(current[1] - value) > 1e-9:
            updates.append({"row_id": current[0], "value": value, "source_row": excel_row})
            changes.append({"indicator": key[0], "unit": key[1], "period": key[2].isoformat(),
                            "old": current[1], "new": value})
        else:
            unchanged += 1
    changes.sort(key=lambda c: abs(c["new"] - c["old"]), reverse=True)
    counts = {"values_created": len(inserts), "values_updated": len(updates), "values_unchanged": unchanged,
              "biggest_changes": changes[:10]}
    changed = bool(inserts or updates)
    if dry_run or not changed:
        return counts, changed
    for start in range(0, len(inserts), CHUNK):
        session.execute(insert(IndicatorValue), inserts[start:start + CHUNK])
    if updates:
        statement = (update(IndicatorValue).where(IndicatorValue.id == _bind("row_id"))
                     .values(value=_bind("value"), source_row=_bind("source_row"), upload_id=upload_id))
        for start in range(0, len(updates), CHUNK):
            session.connection().execute(statement, updates[start:start + CHUNK])
    return counts, changed


def _bind(name: str):
    from sqlalchemy import bindparam

    return bindparam(name)


# --- the whole import -------------------------------------------------------------------------


def detect_format(sheets) -> tuple[SheetFormat, SheetRows] | None:
    best = None
    for sheet_format in FORMATS.values():
        rows = find_rows(sheets, sheet_format)
        if rows is None:
            continue
        score = (not rows.missing_required, len(rows.headers))
        if best is None or score > best[0]:
            best = (score, sheet_format, rows)
    return None if best is None else (best[1], best[2])


def _lock_for_import(session: Session) -> None:
    """Serialise imports so two at once cannot interleave (SQLite already has a single writer)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(57057)"))


def import_file(content: bytes, file_name: str, *, user: str = "system", dry_run: bool = False,
                lang: str = DEFAULT_LANGUAGE, engine: Engine | None = None, today: dt.date | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Read, validate and (unless dry_run) commit one workbook. Raises UnreadableFile for a file
    that is not a readable spreadsheet; returns a rejected result, changing nothing, for any error."""
    engine = engine or db.get_engine()
    today = today or dt.date.today()
    report = progress or (lambda _stage, _fraction: None)
    sha256 = hashlib.sha256(content).hexdigest()
    report("read", 0.0)
    sheets = read_raw_sheets(content, file_name)
    detected = detect_format(sheets)
    if detected is None:
        required = ", ".join(c.header(lang) for c in TASKS.columns if c.required)
        raise UnreadableFile("err_no_header", columns=required)
    sheet_format, rows = detected
    result = ImportResult(status="rejected", kind=sheet_format.kind, rows=len(rows.rows))
    if rows.missing_required:
        for key in rows.missing_required:
            column = sheet_format.column(key)
            result.errors.append(Problem(rows.sheet, rows.header_row, column.header(lang), None,
                                         t("err_missing_column", lang, column=column.header(lang))))
        return result
    report("validate", 0.3)
    if sheet_format is TASKS:
        checker, tasks, reports = _validate_tasks(rows, lang, today)
    else:
        checker, values = _validate_indicators(rows, lang, today)
    result.warnings = checker.warnings
    result.errors = checker.errors
    if checker.errors:
        _record_rejection(engine, file_name, sheet_format.kind, sha256, user, content, result, dry_run)
        return result
    report("commit", 0.6)
    session_maker = db.session_factory(engine)
    with session_maker() as session, session.begin():
        _lock_for_import(session)
        previous = session.scalars(select(Upload).where(Upload.sha256 == sha256, Upload.status.in_(("imported", "unchanged")))
                                   .order_by(Upload.id.desc())).first()
        if previous is not None:
            result.status = "already_imported"
            result.upload_id = previous.id
            result.created = result.updated = 0
            result.unchanged = previous.created + previous.updated + previous.unchanged
            return result
        upload_id = None
        if not dry_run:
            upload = Upload(file_name=file_name, kind=sheet_format.kind, sha256=sha256, uploaded_by=user,
                            uploaded_at=dt.datetime.now(dt.timezone.utc), status="imported", rows=len(rows.rows),
                            messages={}, content=content)
            session.add(upload)
            session.flush()
            upload_id = upload.id
        if sheet_format is TASKS:
            counts, changed = _commit_tasks(session, upload_id, tasks, reports, checker, dry_run)
            result.created, result.updated, result.unchanged = (
                counts["tasks_created"], counts["tasks_updated"], counts["tasks_unchanged"])
            if checker.errors:  # a new task without its attributes is found only against the database
                session.rollback()
                result.status = "rejected"
                result.errors = checker.errors
                _record_rejection(engine, file_name, sheet_format.kind, sha256, user, content, result, dry_run)
                return result
        else:
            counts, changed = _commit_indicators(session, upload_id, values, dry_run)
            result.created, result.updated, result.unchanged = (
                counts["values_created"], counts["values_updated"], counts["values_unchanged"])
        result.details = counts
        result.status = ("preview" if dry_run else "imported") if changed else "unchanged"
        if not dry_run:
            upload.status = result.status
            upload.created, upload.updated, upload.unchanged = result.created, result.updated, result.unchanged
            upload.messages = {"warnings": [p.as_json() for p in result.warnings], **counts}
            result.upload_id = upload_id
    report("done", 1.0)
    return result


def _record_rejection(engine: Engine, file_name: str, kind: str, sha256: str, user: str, content: bytes,
                      result: ImportResult, dry_run: bool) -> None:
    """A rejected file changes no figure, but the attempt is kept in the upload history."""
    if dry_run:
        return
    with db.session_factory(engine)() as session, session.begin():
        session.add(Upload(file_name=file_name, kind=kind, sha256=sha256, uploaded_by=user,
                           uploaded_at=dt.datetime.now(dt.timezone.utc), status="rejected", rows=result.rows,
                           messages={"errors": [p.as_json() for p in result.errors[:1000]],
                                     "warnings": [p.as_json() for p in result.warnings[:1000]]},
                           content=content))
