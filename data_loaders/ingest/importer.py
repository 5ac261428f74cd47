"""Importing a workbook: read, validate every row, preview what would change, and commit all of it
in one transaction or nothing at all. Every accepted value keeps its upload and Excel row."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Engine, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from data_loaders.i18n import DEFAULT_LANGUAGE, t
from data_loaders.i18n.text import fold
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.ingest.formats import FORMATS, TASKS, SheetFormat
from data_loaders.ingest.read import (
    SheetRows,
    UnreadableFile,
    find_rows,
    fraction_percent_columns,
    is_blank,
    locate_header,
    parse_date,
    parse_number,
    parse_period,
    parse_text,
    read_raw_sheets,
)
from data_loaders.store import engine as db
from data_loaders.store.catalogue import AREAS, INDICATORS, REPORT_STATUSES, Term, plans
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport, Upload
from data_loaders.units.matching import unit_index

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

    def __init__(self, rows: SheetRows, lang: str, track_scope: bool = False) -> None:
        self.rows = rows
        self.lang = lang
        # per valid row, what it touches, for the uploader's scope check: (excel_row, unit code,
        # column key naming the unit, that cell, task code, lead agency); None when nobody needs it
        self.claims: list[tuple] | None = [] if track_scope else None
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._unit_cache: dict[tuple, tuple[str | None, list[tuple]]] = {}
        self._choice_cache: dict[tuple[int, object], str | None] = {}
        self.scale: dict[str, float] = {}  # percent columns typed as Excel fractions -> 100

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
            parsed = parser(value)
        except (ValueError, TypeError, OverflowError):
            self.problem(excel_row, key, value, error_key)
            return None
        if key in self.scale:
            parsed = round(parsed * self.scale[key], 10)
        return parsed

    def detect_fractions(self, keys: list[str]) -> None:
        """Percent columns holding Excel fractions (0.265 shown as 26.5%) are read times 100, with a warning."""
        for key, (excel_row, value) in fraction_percent_columns(self.rows, keys).items():
            self.scale[key] = 100.0
            self.problem(excel_row, key, value, "warn_percent_fraction", warning=True,
                         example=value, scaled=round(parse_number(value) * 100, 6))

    def choice(self, excel_row: int, raw: dict, key: str, lookup: dict[str, str], terms: tuple[Term, ...],
               required: bool = False) -> str | None:
        value = raw.get(key)
        if is_blank(value):
            if required:
                self.problem(excel_row, key, value, "err_required")
            return None
        cache_key = (id(lookup), value)
        try:
            code = self._choice_cache[cache_key]
        except KeyError:
            code = self._choice_cache[cache_key] = lookup.get(fold(value))
        except TypeError:  # unhashable cell value
            code = lookup.get(fold(value))
        if code is None:
            self.problem(excel_row, key, value, "err_bad_choice",
                         choices=", ".join(term.label(self.lang) for term in terms))
        return code

    def unit(self, excel_row: int, raw: dict, commune_required: bool) -> str | None:
        """The unit a row names. Matching is memoized per distinct cells: a sheet names each commune
        once per period, so the 20,000 rows of a typical file hold about 3,300 distinct units."""
        cells = tuple(None if is_blank(raw.get(k)) else raw.get(k) for k in _UNIT_KEYS)
        key = (*cells, commune_required)
        cached = self._unit_cache.get(key)
        if cached is None:
            cached = self._unit_cache[key] = _match_unit(dict(zip(_UNIT_KEYS, cells)), commune_required)
        code, problems = cached
        for column, value, message_key, warning, params in problems:
            self.problem(excel_row, column, value, message_key, warning=warning, **params)
        return code


_UNIT_KEYS = ("province_code", "province_name", "commune_code", "commune_name")


def _match_unit(raw: dict, commune_required: bool) -> tuple[str | None, list[tuple]]:
    """(unit code or None, problems as (column key, value, message key, is warning, params))."""
    index = unit_index()
    problems: list[tuple] = []
    province_match = index.match_province(raw.get("province_code"), raw.get("province_name"))
    key = "province_code" if raw.get("province_code") is not None else "province_name"
    if province_match.warning_key:
        problems.append((key, raw.get(key), province_match.warning_key, True, province_match.warning_params))
    if province_match.unit is None:
        problems.append((key, raw.get(key), province_match.error_key, False, province_match.error_params))
        return None, problems
    province = province_match.unit
    commune_code, commune_name = raw.get("commune_code"), raw.get("commune_name")
    if commune_code is None and commune_name is None:
        if commune_required:
            problems.append(("commune_name", None, "err_commune_required", False, {}))
            return None, problems
        return province.code, problems
    if province.level != "province":
        problems.append((key, raw.get(key), "err_commune_needs_province", False, {}))
        return None, problems
    match = index.match_commune(province, commune_code, commune_name)
    commune_key = "commune_code" if commune_code is not None else "commune_name"
    if match.unit is None:
        problems.append((commune_key, raw.get(commune_key), match.error_key, False, match.error_params))
        return None, problems
    return match.unit.code, problems


def _check_future(checker: _RowChecker, excel_row: int, key: str, raw: dict, day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        checker.problem(excel_row, key, raw.get(key), "err_future_date")


# --- tasks ------------------------------------------------------------------------------------

_TASK_ATTRIBUTES = ("title", "plan", "area", "lead_agency", "owner_unit_code", "responsible_official", "deadline")


def _unit_column(raw: dict) -> str:
    """The column that names a row's unit, as the user filled it in."""
    for key in ("commune_code", "commune_name", "province_code", "province_name"):
        if not is_blank(raw.get(key)):
            return key
    return "province_name"


def _validate_tasks(rows: SheetRows, lang: str, today: dt.date,
                    track_scope: bool = False) -> tuple[_RowChecker, dict, dict]:
    checker = _RowChecker(rows, lang, track_scope)
    plan_terms = plans()
    plan_lookup = _choice_lookup(plan_terms)
    tasks: dict[str, dict] = {}  # code -> attributes, with the Excel row each came from
    reports: dict[tuple[str, dt.date], dict] = {}
    checker.detect_fractions(["progress_pct"])
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
        if checker.claims is not None:
            unit_key = _unit_column(raw)
            checker.claims.append((excel_row, attributes["owner_unit_code"], unit_key, raw.get(unit_key), code,
                                   attributes["lead_agency"]))
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
        report = {"status": status, "progress_pct": progress, "note": None if is_blank(raw.get("note")) else parse_text(raw.get("note")),
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
    connection = session.connection()
    task_table, report_table, agency_table = Task.__table__, TaskReport.__table__, Agency.__table__
    existing: dict[str, dict] = {}
    codes = list(tasks)
    columns = [task_table.c.id, task_table.c.code, Agency.name.label("lead_agency"),
               *(task_table.c[name] for name in _TASK_ATTRIBUTES if name != "lead_agency")]
    for start in range(0, len(codes), CHUNK):
        query = (select(*columns).join(agency_table, agency_table.c.id == task_table.c.lead_agency_id)
                 .where(task_table.c.code.in_(codes[start:start + CHUNK])))
        for row in connection.execute(query):
            existing[row.code] = row._asdict()
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
        changes = {name: attributes[name] for name in _TASK_ATTRIBUTES
                   if attributes.get(name) is not None and current[name] != attributes[name]}
        if changes:
            counts["tasks_updated"] += 1
            task_updates.append((current, changes))
        else:
            counts["tasks_unchanged"] += 1
    if checker.errors:
        return counts, False
    # reports: compare with what is stored for the same task and date
    existing_reports: dict[tuple[str, dt.date], dict] = {}
    existing_ids = {task["id"]: code for code, task in existing.items()}
    ids = list(existing_ids)
    for start in range(0, len(ids), CHUNK):
        query = select(report_table.c.id, report_table.c.task_id, report_table.c.report_date, report_table.c.status,
                       report_table.c.progress_pct, report_table.c.note).where(
            report_table.c.task_id.in_(ids[start:start + CHUNK]))
        for row in connection.execute(query):
            existing_reports[(existing_ids[row.task_id], row.report_date)] = row
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

    # agencies named by new or changed tasks, inserted in one statement
    needed = {a["lead_agency"] for _, a in new_task_rows} | {c["lead_agency"] for _, c in task_updates if "lead_agency" in c}
    agencies = {row.name: row.id for row in connection.execute(select(agency_table.c.id, agency_table.c.name))}
    missing_agencies = sorted(needed - set(agencies))
    if missing_agencies:
        connection.execute(insert(agency_table), [{"name": name} for name in missing_agencies])
        agencies = {row.name: row.id for row in connection.execute(select(agency_table.c.id, agency_table.c.name))}

    task_rows = [{"code": code, "title": a["title"], "plan": a["plan"], "area": a["area"],
                  "lead_agency_id": agencies[a["lead_agency"]], "owner_unit_code": a["owner_unit_code"],
                  "responsible_official": a["responsible_official"], "deadline": a["deadline"],
                  "upload_id": upload_id, "source_row": a["first_row"]} for code, a in new_task_rows]
    for start in range(0, len(task_rows), CHUNK):
        connection.execute(insert(task_table), task_rows[start:start + CHUNK])
    task_ids = {code: task["id"] for code, task in existing.items()}
    new_codes = [code for code, _ in new_task_rows]
    for start in range(0, len(new_codes), CHUNK):
        query = select(task_table.c.id, task_table.c.code).where(task_table.c.code.in_(new_codes[start:start + CHUNK]))
        task_ids.update({row.code: row.id for row in connection.execute(query)})
    for task, changes in task_updates:
        if "lead_agency" in changes:
            changes["lead_agency_id"] = agencies[changes.pop("lead_agency")]
        connection.execute(update(task_table).where(task_table.c.id == task["id"]).values(**changes, upload_id=upload_id))
    rows = [{"task_id": task_ids[code], "report_date": day, "status": r["status"], "progress_pct": r["progress_pct"],
             "note": r["note"], "upload_id": upload_id, "source_row": r["source_row"]}
            for (code, day), r in report_inserts]
    names = ("task_id", "report_date", "status", "progress_pct", "note", "upload_id", "source_row")
    sqlite = connection.dialect.name == "sqlite"
    _bulk_insert(connection, report_table, names, [
        (r["task_id"], r["report_date"].isoformat() if sqlite else r["report_date"], *(r[n] for n in names[2:]))
        for r in rows])
    if report_updates:
        statement = (update(report_table).where(report_table.c.id == bindparam("row_id"))
                     .values(status=bindparam("new_status"), progress_pct=bindparam("new_progress"), note=bindparam("new_note"),
                             source_row=bindparam("new_source_row"), upload_id=upload_id))
        params = [{"row_id": current.id, "new_status": r["status"], "new_progress": r["progress_pct"],
                   "new_note": r["note"], "new_source_row": r["source_row"]} for current, r in report_updates]
        for start in range(0, len(params), CHUNK):
            connection.execute(statement, params[start:start + CHUNK])
    return counts, changed


# --- indicators -------------------------------------------------------------------------------


def _validate_indicators(rows: SheetRows, lang: str, today: dt.date,
                         track_scope: bool = False) -> tuple[_RowChecker, dict]:
    checker = _RowChecker(rows, lang, track_scope)
    values: dict[tuple[str, str, dt.date], tuple[float, int]] = {}
    seen_rows: dict[tuple[str, dt.date], int] = {}
    indicator_keys = [i for i in INDICATORS if i.code in rows.headers]
    checker.detect_fractions([i.code for i in indicator_keys if i.unit_vi == "%"])
    # (code, is percent, read as a plain cell number): number cells skip the text parser
    columns = [(i.code, i.unit_vi == "%", i.code not in checker.scale) for i in indicator_keys]
    periods: dict[object, dt.date] = {}  # a sheet holds a few distinct period cells: parse each once
    for excel_row, raw in rows.rows:
        cell = raw.get("period")
        if is_blank(cell) and all(is_blank(raw.get(code)) for code, _, _ in columns):
            continue  # a commune row of a scoped template left as it came: nothing reported for it
        errors_before = len(checker.errors)
        try:
            period = periods[cell]
        except (KeyError, TypeError):
            period = checker.parse(excel_row, raw, "period", parse_period, "err_bad_period", required=True)
            if period is not None and len(checker.errors) == errors_before:
                try:
                    periods[cell] = period
                except TypeError:
                    pass
        if period is not None and period.replace(day=1) > today:
            checker.problem(excel_row, "period", cell, "err_future_date")
        unit_code = checker.unit(excel_row, raw, commune_required=True)
        parsed = {}
        for code, percent, plain in columns:
            value = raw.get(code)
            if plain and value.__class__ is float and value == value:
                pass
            elif plain and value.__class__ is int:
                value = float(value)
            else:
                value = checker.parse(excel_row, raw, code, parse_number, "err_bad_number")
                if value is None:
                    continue
            if value < 0:
                checker.problem(excel_row, code, raw.get(code), "err_negative")
            elif percent and value > 100:
                checker.problem(excel_row, code, raw.get(code), "err_percent_range")
            parsed[code] = value
        if len(checker.errors) > errors_before or unit_code is None or period is None:
            continue
        if checker.claims is not None:
            unit_key = _unit_column(raw)
            checker.claims.append((excel_row, unit_code, unit_key, raw.get(unit_key), None, None))
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
    # SQLite stores dates as ISO text; the few distinct periods are converted once, not per value
    stored_period = {p: (p.isoformat() if session.bind.dialect.name == "sqlite" else p) for p in periods}
    for key, (value, excel_row) in values.items():
        current = existing.get(key)
        if current is None:
            inserts.append((key[0], key[1], stored_period[key[2]], value, upload_id, excel_row))
        elif abs(current[1] - value) > 1e-9:
            updates.append({"row_id": current[0], "new_value": value, "new_source_row": excel_row})
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
    connection = session.connection()
    table = IndicatorValue.__table__
    _bulk_insert(connection, table, ("indicator_code", "unit_code", "period", "value", "upload_id", "source_row"), inserts)
    if updates:
        statement = (update(table).where(table.c.id == bindparam("row_id"))
                     .values(value=bindparam("new_value"), source_row=bindparam("new_source_row"), upload_id=upload_id))
        for start in range(0, len(updates), CHUNK):
            connection.execute(statement, updates[start:start + CHUNK])
    return counts, changed


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


def _bulk_insert(connection, table, names: tuple[str, ...], rows: list[tuple]) -> None:
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


# --- the whole import -------------------------------------------------------------------------


def detect_format(sheets) -> tuple[SheetFormat, SheetRows] | None:
    """The format whose header row the file matches best (all required columns first), with its rows."""
    best = None
    for sheet_format in FORMATS.values():
        located = locate_header(sheets, sheet_format)
        if located is None:
            continue
        keys = set(located[2].values())
        complete = all(c.key in keys for c in sheet_format.columns if c.required)
        score = (complete, len(keys))
        if best is None or score > best[0]:
            best = (score, sheet_format, located)
    if best is None:
        return None
    return best[1], find_rows(sheets, best[1], best[2])


def _lock_for_import(session: Session) -> None:
    """Serialise imports so two at once cannot interleave (SQLite already has a single writer)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(57057)"))


def _uploader(account: Account, engine: Engine) -> Account:
    """The uploader as stored now (not as the page remembered them), checked for upload rights."""
    current = get_account(account.username, engine)
    if current is None or current.id != account.id or current.disabled:
        raise AccountError("not_permitted")
    access.check_permission(current, "upload")
    return current


def _scope_problems(session: Session, account: Account, kind: str, rows: SheetRows, checker: _RowChecker,
                    tasks: dict) -> list[Problem]:
    """One Problem per row outside the uploader's scope. A task row is checked against the unit
    and lead agency it names, those another row of the file names for the same task, and those
    already stored for the task, so no upload can take over or move someone else's task."""
    stored: dict[str, tuple[str, str]] = {}
    if kind == "tasks":
        codes = list({claim[4] for claim in checker.claims})
        for start in range(0, len(codes), CHUNK):
            query = (select(Task.code, Task.owner_unit_code, Agency.name).join(Agency, Agency.id == Task.lead_agency_id)
                     .where(Task.code.in_(codes[start:start + CHUNK])))
            stored.update({code: (owner, agency) for code, owner, agency in session.execute(query)})
    claims = {}
    checks = []
    for excel_row, unit_code, unit_key, unit_cell, task_code, agency in checker.claims:
        claims[excel_row] = (unit_code, unit_key, unit_cell, task_code, agency)
        if kind == "tasks":
            declared = tasks.get(task_code, {})
            known = stored.get(task_code, (None, None))
            units = tuple(dict.fromkeys(u for u in (unit_code, declared.get("owner_unit_code"), known[0]) if u))
            agencies = tuple(dict.fromkeys(a for a in (agency, declared.get("lead_agency"), known[1]) if a))
        else:
            units, agencies = (unit_code,), ()
        checks.append((rows.sheet, excel_row, units, agencies))
    if kind == "indicators" and not checks:
        checks.append((rows.sheet, rows.header_row, (), ()))
    try:
        access.check_upload_rows(account, kind, checks)
    except access.ScopeRefused as refusal:
        lang = checker.lang
        scope = access.upload_scope_label(account, lang)
        before = len(checker.errors)
        for (_sheet, excel_row, value), reason in zip(refusal.rows, refusal.reasons):
            if reason == "indicators":
                checker.problem(rows.header_row, None, None, "scope_no_indicators", agency=account.agency or "")
                continue
            unit_code, unit_key, unit_cell, task_code, agency = claims[excel_row]
            if reason == "unit" and value == unit_code:
                checker.problem(excel_row, unit_key, unit_cell, "scope_unit_outside",
                                unit=access.unit_label(value, lang), scope=scope)
            elif reason == "unit":
                checker.problem(excel_row, "task_code", task_code, "scope_task_unit_outside", task=task_code,
                                unit=access.unit_label(value, lang), scope=scope)
            elif agency is not None and fold(agency) == fold(value):
                checker.problem(excel_row, "lead_agency", agency, "scope_agency_outside", agency=value,
                                own=account.agency or "")
            else:
                checker.problem(excel_row, "task_code", task_code, "scope_task_agency_outside", task=task_code,
                                agency=value, own=account.agency or "")
        return checker.errors[before:]
    return []


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
    rows, archive inflation). Returns a rejected result, changing no figure, for any error; the
    rejected attempt is kept in the upload history unless dry_run (`record_rejection` overrides,
    so the upload page records a rejected preview). `progress(stage, fraction)` is called with the
    stages read, validate, commit and done. Commits and recorded rejections are audited."""
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
    sha256 = hashlib.sha256(content).hexdigest()
    report("read", 0.0)
    previous = _previous_upload(engine, sha256)
    if previous is not None:
        report("done", 1.0)
        return previous
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
        if record:
            result.upload_id = _record_rejection(engine, file_name, sheet_format.kind, sha256, user, content, result)
        return result
    report("validate", 0.3)
    tasks: dict = {}
    if sheet_format is TASKS:
        checker, tasks, reports = _validate_tasks(rows, lang, today, track_scope=restricted)
    else:
        checker, values = _validate_indicators(rows, lang, today, track_scope=restricted)
    result.warnings = checker.warnings
    result.errors = checker.errors
    if checker.errors:
        if record:
            result.upload_id = _record_rejection(engine, file_name, sheet_format.kind, sha256, user, content, result)
        return result
    report("commit", 0.6)
    session_maker = db.session_factory(engine)
    rejected = out_of_scope = False
    with session_maker() as session, session.begin():
        _lock_for_import(session)
        # checked again under the lock: the same file may have been committed meanwhile
        already = session.scalars(select(Upload).where(Upload.sha256 == sha256, Upload.status.in_(("imported", "unchanged")))
                                  .order_by(Upload.id.desc())).first()
        if already is not None:
            return _already_imported(already)
        # the scope is checked under the import lock, against the tasks as stored at commit time
        if restricted and _scope_problems(session, account, sheet_format.kind, rows, checker, tasks):
            rejected = out_of_scope = True
        upload_id = None
        if not dry_run and not rejected:
            upload = Upload(file_name=file_name[:255], kind=sheet_format.kind, sha256=sha256, uploaded_by=user[:120],
                            uploaded_at=dt.datetime.now(dt.timezone.utc), status="imported", rows=len(rows.rows),
                            messages={}, content=content)
            session.add(upload)
            session.flush()
            upload_id = upload.id
        if rejected:
            pass
        elif sheet_format is TASKS:
            counts, changed = _commit_tasks(session, upload_id, tasks, reports, checker, dry_run)
            result.created, result.updated, result.unchanged = (
                counts["tasks_created"], counts["tasks_updated"], counts["tasks_unchanged"])
            if checker.errors:  # a new task without its attributes is found only against the database
                session.rollback()
                rejected = True
        else:
            counts, changed = _commit_indicators(session, upload_id, values, dry_run)
            result.created, result.updated, result.unchanged = (
                counts["values_created"], counts["values_updated"], counts["values_unchanged"])
        if not rejected:
            result.details = counts
            result.status = ("preview" if dry_run else "imported") if changed else "unchanged"
            if not dry_run:
                upload.status = result.status
                upload.created, upload.updated, upload.unchanged = result.created, result.updated, result.unchanged
                upload.messages = {"warnings": [p.as_json() for p in result.warnings[:MAX_STORED_MESSAGES]],
                                   "warning_count": len(result.warnings), "error_count": 0, **counts}
                result.upload_id = upload_id
                session.flush()
                audit.record_in(session.connection(), "upload_committed", user, target=file_name[:255],
                                detail={"upload_id": upload_id, "kind": sheet_format.kind, "status": result.status,
                                        "rows": result.rows, "created": result.created, "updated": result.updated,
                                        "unchanged": result.unchanged})
    if rejected:
        result.status = "rejected"
        result.created = result.updated = result.unchanged = 0
        result.errors = checker.errors
        result.details = {"out_of_scope": True} if out_of_scope else {}
        if record:
            result.upload_id = _record_rejection(engine, file_name, sheet_format.kind, sha256, user, content, result)
        return result
    report("done", 1.0)
    return result


MAX_STORED_MESSAGES = 1000


def _already_imported(upload: Upload) -> ImportResult:
    return ImportResult(status="already_imported", kind=upload.kind, rows=upload.rows, created=0, updated=0,
                        unchanged=upload.created + upload.updated + upload.unchanged, upload_id=upload.id)


def _previous_upload(engine: Engine, sha256: str) -> ImportResult | None:
    """The same bytes were committed before: nothing to read, nothing changes."""
    with db.session_factory(engine)() as session:
        upload = session.scalars(select(Upload).where(Upload.sha256 == sha256, Upload.status.in_(("imported", "unchanged")))
                                 .order_by(Upload.id.desc())).first()
        return None if upload is None else _already_imported(upload)


def _record_rejection(engine: Engine, file_name: str, kind: str, sha256: str, user: str, content: bytes,
                      result: ImportResult) -> int:
    """A rejected file changes no figure, but the attempt is kept in the upload history."""
    with db.session_factory(engine)() as session, session.begin():
        upload = Upload(file_name=file_name[:255], kind=kind, sha256=sha256, uploaded_by=user[:120],
                        uploaded_at=dt.datetime.now(dt.timezone.utc), status="rejected", rows=result.rows,
                        messages={"errors": [p.as_json() for p in result.errors[:MAX_STORED_MESSAGES]],
                                  "warnings": [p.as_json() for p in result.warnings[:MAX_STORED_MESSAGES]],
                                  "error_count": len(result.errors), "warning_count": len(result.warnings)},
                        content=content)
        session.add(upload)
        session.flush()
        audit.record_in(session.connection(), "upload_rejected", user, target=file_name[:255], outcome="refused",
                        detail={"upload_id": upload.id, "kind": kind, "rows": result.rows,
                                "errors": len(result.errors), "out_of_scope": bool(result.details.get("out_of_scope"))})
        return upload.id
