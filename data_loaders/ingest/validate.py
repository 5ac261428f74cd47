"""Validating: the rows read from a sheet become typed records (tasks and their reports, or indicator
values) and problems (errors and warnings, each a message key naming a cell). Nothing here writes to
the database; reading unit names is all it asks of the reference data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter, le
from typing import Callable, NamedTuple

from data_loaders.i18n.text import fold
from data_loaders.ingest.formats import TASKS, SheetFormat
from data_loaders.ingest.problems import Problem, param
from data_loaders.ingest.read import (
    SheetRows,
    fraction_percent_columns,
    is_blank,
    parse_date,
    parse_number,
    parse_period,
    parse_text,
)
from data_loaders.store.catalogue import AREAS, REPORT_STATUSES, Plausible, Term, plans
from data_loaders.store.models import (
    AGENCY_NAME_LENGTH,
    DOCUMENT_NUMBER_LENGTH,
    OFFICIAL_NAME_LENGTH,
    REPORT_NOTE_LENGTH,
    TASK_CODE_LENGTH,
    TASK_TITLE_LENGTH,
)
from data_loaders.units.matching import unit_index

# the attributes of a task a report row may give (the lead agency by name)
TASK_ATTRIBUTES = ("title", "plan", "area", "lead_agency", "owner_unit_code", "responsible_official", "deadline")
# attributes a task may carry but a new task does not need: its assigning document (number and date)
OPTIONAL_TASK_ATTRIBUTES = ("document_number", "document_date")
# the longest text each column may hold: the database's column lengths (store/models.py)
TEXT_LIMITS = {"task_code": TASK_CODE_LENGTH, "title": TASK_TITLE_LENGTH, "lead_agency": AGENCY_NAME_LENGTH,
               "responsible_official": OFFICIAL_NAME_LENGTH, "note": REPORT_NOTE_LENGTH,
               "document_number": DOCUMENT_NUMBER_LENGTH}
# how much of an over-long cell its problem repeats (the cell itself is named)
SHOWN_TEXT = 80
# a count typed as 12.000000000001 (a formula's rounding) is the whole number it means
INTEGER_TOLERANCE = 1e-6


@dataclass
class TaskRecord:
    """A task as the file declares it: the attributes its rows give, and the row each came from."""
    code: str
    first_row: int
    attributes: dict[str, object] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


class ReportRecord(NamedTuple):
    status: str
    progress_pct: float
    note: str | None
    source_row: int


# an indicator value and its Excel row: a plain tuple, not a named one. A national file holds 200,000 of
# them, and instances of a tuple subclass stay tracked by the garbage collector, whose full passes then
# walk them all again (a third of the validation's time, and more in the commit after it); a tuple of
# two numbers is untracked at its first pass.
ValueRecord = tuple[float, int]


class Claim(NamedTuple):
    """What a valid row touches, for the uploader's scope check."""
    excel_row: int
    unit_code: str | None
    unit_key: str  # the column naming the unit, as the user filled it in
    unit_cell: object
    task_code: str | None
    lead_agency: str | None


class SheetProblems:
    """The errors and warnings of one sheet, each naming its cell as the user sees it."""

    def __init__(self, rows: SheetRows) -> None:
        self.rows = rows
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, excel_row: int | None, key: str | None, value: object, message_key: str,
            warning: bool = False, **params: object) -> None:
        column = self.rows.headers.get(key) if key else None
        cell = f"{self.rows.column_letters[key]}{excel_row}" if key in self.rows.column_letters and excel_row else None
        problem = Problem(self.rows.sheet, excel_row, column, None if is_blank(value) else value, message_key,
                          {name: param(v) for name, v in params.items()}, cell)
        (self.warnings if warning else self.errors).append(problem)


@dataclass
class Validated:
    """A validated sheet: its records (tasks and reports, or values), problems and scope claims."""
    sheet_format: SheetFormat
    rows: SheetRows
    problems: SheetProblems
    claims: list[Claim] | None = None  # None when no scope applies
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    reports: dict[tuple[str, dt.date], ReportRecord] = field(default_factory=dict)
    values: dict[tuple[str, str, dt.date], ValueRecord] = field(default_factory=dict)  # (indicator, unit, period)

    @property
    def kind(self) -> str:
        return self.sheet_format.kind


def validate(sheet_format: SheetFormat, rows: SheetRows, today: dt.date, track_scope: bool = False,
             plan_terms: tuple[Term, ...] | None = None) -> Validated:
    """Every row checked; with `track_scope`, what each valid row touches is kept for the scope check.
    `plan_terms` are the plans a task's plan cell may name (by code or name): the importer passes the
    catalogue as stored (store/plans.py); without it, the national plans of the reference file. Whether
    a province's programme fits the task's province is checked against the database (ingest/plans.py)."""
    if sheet_format is TASKS:
        return _validate_tasks(sheet_format, rows, today, track_scope, plan_terms)
    return _validate_indicators(sheet_format, rows, today, track_scope)


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
_UNIT_KEYS = ("province_code", "province_name", "commune_code", "commune_name")


class _RowChecker(SheetProblems):
    """Parses the cells of one sheet, adding a problem for each that does not parse."""

    def __init__(self, rows: SheetRows, track_scope: bool = False) -> None:
        super().__init__(rows)
        self.claims: list[Claim] | None = [] if track_scope else None
        self._unit_cache: dict[tuple, tuple[str | None, list[tuple]]] = {}
        self._province_cache: dict[tuple, object] = {}
        self._choice_cache: dict[tuple[int, object], str | None] = {}
        self.scale: dict[str, float] = {}  # percent columns typed as Excel fractions -> 100

    def parse(self, excel_row: int, raw: dict, key: str, parser, error_key: str, required: bool = False):
        value = raw.get(key)
        if is_blank(value):
            if required:
                self.add(excel_row, key, value, "err_required")
            return None
        try:
            parsed = parser(value)
        except (ValueError, TypeError, OverflowError):
            self.add(excel_row, key, value, error_key)
            return None
        if key in self.scale:
            parsed = round(parsed * self.scale[key], 10)
        return parsed

    def text(self, excel_row: int, raw: dict, key: str, required: bool = False) -> str | None:
        """A text cell, normalised; longer than its column may hold (TEXT_LIMITS) is a cell error
        naming the limit, whichever database is behind (SQLite would store it, PostgreSQL refuse it)."""
        text = self.parse(excel_row, raw, key, parse_text, "err_required", required=required)
        limit = TEXT_LIMITS[key]
        if text is not None and len(text) > limit:
            shown = text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + "…"
            self.add(excel_row, key, shown, "bounds_err_too_long", length=len(text), limit=limit)
            return None
        return text

    def detect_fractions(self, keys: list[str]) -> None:
        """Percent columns holding Excel fractions (0.265 shown as 26.5%) are read times 100, with a warning."""
        for key, (excel_row, value) in fraction_percent_columns(self.rows, keys).items():
            self.scale[key] = 100.0
            self.add(excel_row, key, value, "warn_percent_fraction", warning=True,
                     example=value, scaled=round(parse_number(value) * 100, 6))

    def choice(self, excel_row: int, raw: dict, key: str, lookup: dict[str, str], vocabulary: str,
               required: bool = False) -> str | None:
        value = raw.get(key)
        if is_blank(value):
            if required:
                self.add(excel_row, key, value, "err_required")
            return None
        cache_key = (id(lookup), value)
        try:
            code = self._choice_cache[cache_key]
        except KeyError:
            code = self._choice_cache[cache_key] = lookup.get(fold(value))
        except TypeError:  # unhashable cell value
            code = lookup.get(fold(value))
        if code is None:
            self.add(excel_row, key, value, "err_bad_choice", choices={"terms": vocabulary})
        return code

    def unit(self, excel_row: int, raw: dict, commune_required: bool) -> str | None:
        """The unit a row names. Matching is memoized per distinct cells as typed (a sheet names each
        commune once per period, so the 20,000 rows of a typical file hold about 3,300 distinct units),
        and the province per distinct province cells."""
        code, problems = self.unit_match(raw, commune_required)
        for column, value, message_key, warning, params in problems:
            self.add(excel_row, column, value, message_key, warning=warning, **params)
        return code

    def unit_match(self, raw: dict, commune_required: bool) -> tuple[str | None, list[tuple]]:
        """(unit code or None, problems as `_match_unit` gives them), memoized per distinct cells."""
        key = (raw.get("province_code"), raw.get("province_name"), raw.get("commune_code"), raw.get("commune_name"),
               commune_required)
        try:
            cached = self._unit_cache.get(key)
        except TypeError:  # an unhashable cell
            cached, key = None, None
        if cached is None:
            cells = {k: None if is_blank(raw.get(k)) else raw.get(k) for k in _UNIT_KEYS}
            cached = _match_unit(cells, commune_required, self._province_cache)
            if key is not None:
                self._unit_cache[key] = cached
        return cached

    def claim(self, excel_row: int, raw: dict, unit_code: str | None, task_code: str | None = None,
              lead_agency: str | None = None) -> None:
        if self.claims is not None:
            unit_key = _unit_column(raw)
            self.claims.append(Claim(excel_row, unit_code, unit_key, raw.get(unit_key), task_code, lead_agency))

    def future(self, excel_row: int, key: str, raw: dict, day: dt.date | None, today: dt.date) -> None:
        if day is not None and day > today:
            self.add(excel_row, key, raw.get(key), "err_future_date")


def _match_unit(raw: dict, commune_required: bool, provinces: dict | None = None) -> tuple[str | None, list[tuple]]:
    """(unit code or None, problems as (column key, value, message key, is warning, params));
    `provinces` memoizes the province matches by their cells."""
    index = unit_index()
    problems: list[tuple] = []
    cells = (raw.get("province_code"), raw.get("province_name"))
    try:
        province_match = provinces[cells] if provinces is not None else None
    except (KeyError, TypeError):
        province_match = None
    if province_match is None:
        province_match = index.match_province(*cells)
        if provinces is not None:
            try:
                provinces[cells] = province_match
            except TypeError:
                pass
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


def _unit_column(raw: dict) -> str:
    """The column that names a row's unit, as the user filled it in."""
    for key in ("commune_code", "commune_name", "province_code", "province_name"):
        if not is_blank(raw.get(key)):
            return key
    return "province_name"


# --- tasks ------------------------------------------------------------------------------------


def _validate_tasks(sheet_format: SheetFormat, rows: SheetRows, today: dt.date, track_scope: bool,
                    plan_terms: tuple[Term, ...] | None = None) -> Validated:
    checker = _RowChecker(rows, track_scope)
    plan_lookup = _choice_lookup(plans() if plan_terms is None else plan_terms)
    tasks: dict[str, TaskRecord] = {}
    reports: dict[tuple[str, dt.date], ReportRecord] = {}
    checker.detect_fractions(["progress_pct"])
    for excel_row, raw in rows.rows:
        errors_before = len(checker.errors)
        code = checker.text(excel_row, raw, "task_code", required=True)
        report_date = checker.parse(excel_row, raw, "report_date", parse_date, "err_bad_date", required=True)
        checker.future(excel_row, "report_date", raw, report_date, today)
        status = checker.choice(excel_row, raw, "status", _STATUS_LOOKUP, "status", required=True)
        progress = checker.parse(excel_row, raw, "progress_pct", parse_number, "err_bad_number", required=True)
        if progress is not None and not 0 <= progress <= 100:
            checker.add(excel_row, "progress_pct", raw.get("progress_pct"), "err_percent_range")
        attributes = {
            "title": checker.text(excel_row, raw, "title"),
            "plan": checker.choice(excel_row, raw, "plan", plan_lookup, "plan"),
            "area": checker.choice(excel_row, raw, "area", _AREA_LOOKUP, "area"),
            "lead_agency": checker.text(excel_row, raw, "lead_agency"),
            "responsible_official": checker.text(excel_row, raw, "responsible_official"),
            "deadline": checker.parse(excel_row, raw, "deadline", parse_date, "err_bad_date"),
            "owner_unit_code": None,
            "document_number": checker.text(excel_row, raw, "document_number"),
            "document_date": checker.parse(excel_row, raw, "document_date", parse_date, "err_bad_date"),
        }
        checker.future(excel_row, "document_date", raw, attributes["document_date"], today)
        if any(not is_blank(raw.get(k)) for k in _UNIT_KEYS):
            attributes["owner_unit_code"] = checker.unit(excel_row, raw, commune_required=False)
        note = checker.text(excel_row, raw, "note")
        if len(checker.errors) > errors_before or code is None:
            continue
        checker.claim(excel_row, raw, attributes["owner_unit_code"], code, attributes["lead_agency"])
        if status == "completed" and progress is not None and progress < 100:
            checker.add(excel_row, "progress_pct", raw.get("progress_pct"), "err_completed_progress", warning=True)
        task = tasks.setdefault(code, TaskRecord(code, excel_row))
        for name, value in attributes.items():
            if value is None:
                continue
            if name in task.attributes and task.attributes[name] != value:
                key = "province_name" if name == "owner_unit_code" else name
                checker.add(excel_row, key, raw.get(key), "err_duplicate_conflict", other_row=task.rows[name])
                continue
            task.attributes[name] = value
            task.rows.setdefault(name, excel_row)
        report = ReportRecord(status, progress, note, excel_row)
        key = (code, report_date)
        if key in reports:
            previous = reports[key]
            if previous[:3] == report[:3]:
                checker.add(excel_row, "task_code", code, "warn_duplicate_row", warning=True,
                            other_row=previous.source_row)
            else:
                checker.add(excel_row, "status", raw.get("status"), "err_duplicate_conflict",
                            other_row=previous.source_row)
            continue
        reports[key] = report
    return Validated(sheet_format, rows, checker, checker.claims, tasks=tasks, reports=reports)


# --- indicators -------------------------------------------------------------------------------


def _validate_indicators(sheet_format: SheetFormat, rows: SheetRows, today: dt.date, track_scope: bool) -> Validated:
    checker = _RowChecker(rows, track_scope)
    values: dict[tuple[str, str, dt.date], ValueRecord] = {}
    seen_rows: dict[tuple[str, dt.date], int] = {}
    indicator_keys = [i for i in sheet_format.indicators if i.code in rows.headers]
    checker.detect_fractions([i.code for i in indicator_keys if i.percent])
    # (code, is percent, read as a plain cell number, plausible range): number cells skip the text parser
    columns = [(i.code, i.percent, i.code not in checker.scale, i.plausible) for i in indicator_keys]
    clean = _CleanRow(columns)
    codes = clean.codes
    # the catalogue's reach: which levels report each indicator, and a province's own only there
    by_code = {i.code: i for i in indicator_keys}
    above_commune = any("province" in i.levels for i in indicator_keys)
    units = unit_index().by_code
    reach: dict[str, tuple[frozenset[str], bool]] = {}  # unit -> (the indicators it may report, all of them)
    periods: dict[object, tuple[dt.date, bool]] = {}  # a sheet holds a few distinct period cells: each parsed once
    errors = checker.errors
    claims = checker.claims
    commune_required = not above_commune
    unit_cells = _getter(k for k in _UNIT_KEYS if k in rows.headers)
    units_seen: dict[tuple, tuple[str | None, list[tuple]]] = {}
    for excel_row, raw in rows.rows:
        cell = raw.get("period")
        try:
            period, future = periods[cell]  # a period parsed before: not blank, no error
        except (KeyError, TypeError):
            if is_blank(cell) and all(is_blank(raw.get(code)) for code in codes):
                continue  # a commune row of a scoped template left as it came: nothing reported for it
            errors_before = len(errors)
            period = checker.parse(excel_row, raw, "period", parse_period, "err_bad_period", required=True)
            future = period is not None and period.replace(day=1) > today
            if period is not None and len(errors) == errors_before:
                try:
                    periods[cell] = (period, future)
                except TypeError:
                    pass
        else:
            errors_before = len(errors)
        if future:
            checker.add(excel_row, "period", cell, "err_future_date")
        try:  # the unit, looked up by its cells as typed (checker.unit, without a call per row)
            unit_code, unit_problems = units_seen[unit_cells(raw)]
        except (KeyError, TypeError):
            unit_code, unit_problems = checker.unit_match(raw, commune_required)
            try:
                units_seen[unit_cells(raw)] = (unit_code, unit_problems)
            except (KeyError, TypeError):
                pass
        for column, value, message_key, warning, params in unit_problems:
            checker.add(excel_row, column, value, message_key, warning=warning, **params)
        unit = units.get(unit_code) if unit_code else None
        reaches_all = True
        if unit is not None:
            try:
                allowed, reaches_all = reach[unit_code]
            except KeyError:
                allowed = frozenset(c for c, i in by_code.items() if _may_report(i, unit))
                reaches_all = allowed.issuperset(codes)
                reach[unit_code] = (allowed, reaches_all)
        # the common row, every figure a number the catalogue allows, checked column-wise at once;
        # any other row cell by cell, each problem named
        cells = clean.cells(raw) if reaches_all else None
        if cells is None:
            parsed = {}
            for code, percent, plain, plausible in columns:
                value = raw.get(code)
                if plain and value.__class__ is float and value == value:
                    pass
                elif plain and value.__class__ is int:
                    value = float(value)
                else:
                    value = checker.parse(excel_row, raw, code, parse_number, "err_bad_number")
                    if value is None:
                        continue
                if (not plausible.minimum <= value <= plausible.maximum
                        or (plausible.integer and not value.is_integer())):
                    value = _plausible(checker, excel_row, raw, code, value, percent, plausible)
                    if value is None:
                        continue
                if (unit is not None and code not in allowed
                        and not _reaches(checker, excel_row, raw, by_code[code], unit)):
                    continue
                parsed[code] = value
        if len(errors) > errors_before or unit_code is None or period is None:
            continue
        if claims is not None:
            checker.claim(excel_row, raw, unit_code)
        key = (unit_code, period)
        if key in seen_rows:
            if cells is not None:
                parsed = dict(zip(codes, cells))
            other = seen_rows[key]
            conflicts = [c for c, v in parsed.items()
                         if (c, unit_code, period) in values and values[(c, unit_code, period)][0] != v]
            if conflicts:
                checker.add(excel_row, conflicts[0], raw.get(conflicts[0]), "err_duplicate_conflict", other_row=other)
                continue
            checker.add(excel_row, "period", raw.get("period"), "warn_duplicate_row", warning=True, other_row=other)
            for code, value in parsed.items():
                values.setdefault((code, unit_code, period), (value, excel_row))
            continue
        seen_rows[key] = excel_row
        # the first row of its unit and period: none of its values is there yet
        if cells is not None:
            values.update(zip(zip(codes, repeat(unit_code), repeat(period)), zip(cells, repeat(excel_row))))
        else:
            for code, value in parsed.items():
                values[(code, unit_code, period)] = (value, excel_row)
    return Validated(sheet_format, rows, checker, checker.claims, values=values)


_FLOATS = frozenset({float})
_NUMBERS = frozenset({float, int})


class _CleanRow:
    """The indicator cells of a row that needs no cell-by-cell look: every column present and read as
    a plain number (no percent fraction scaling), every cell a float or int (not bool) inside its
    plausible range, a count's a whole number. `cells(raw)` gives them as floats, in the columns'
    order, or None for any other row (a blank, text, NaN, a value out of range…), which the caller
    then checks cell by cell exactly as before."""

    def __init__(self, columns: list[tuple]) -> None:
        self.codes = tuple(code for code, *_ in columns)
        self.usable = bool(columns) and all(plain for _, _, plain, _ in columns)
        self._get = _getter(self.codes)
        self._minimums = [plausible.minimum for *_, plausible in columns]
        self._maximums = [plausible.maximum for *_, plausible in columns]
        self._whole = _getter([n for n, (*_, plausible) in enumerate(columns) if plausible.integer])

    def cells(self, raw: dict) -> tuple | None:
        if not self.usable:
            return None
        try:
            cells = self._get(raw)
        except KeyError:  # a column the row does not reach
            return None
        kinds = set(map(type, cells))
        if kinds != _FLOATS:
            if not kinds <= _NUMBERS:
                return None
            cells = tuple(map(float, cells))
        if (all(map(le, self._minimums, cells)) and all(map(le, cells, self._maximums))  # NaN fails both
                and all(map(float.is_integer, self._whole(cells)))):
            return cells
        return None


def _getter(keys) -> Callable:  # noqa: ANN001
    """itemgetter giving a tuple for any number of keys."""
    keys = tuple(keys)
    if len(keys) > 1:
        return itemgetter(*keys)
    if len(keys) == 1:
        only = keys[0]
        return lambda items: (items[only],)
    return lambda _items: ()


LEVEL_KEYS = {"commune": "catalogue_level_commune", "province": "catalogue_level_province",
              "national": "catalogue_level_national"}


def _may_report(indicator, unit) -> bool:
    """Whether the catalogue lets a unit report an indicator: its level, and a province's own
    indicator in that province only."""
    province = unit.code if unit.level == "province" else unit.province_code
    return unit.level in indicator.levels and indicator.owner_province_code in (None, province)


def _reaches(checker: _RowChecker, excel_row: int, raw: dict, indicator, unit) -> bool:
    """Whether a row's unit may report this indicator: its level is one the catalogue names, and a
    province's own indicator is reported by that province's units only (else a cell error)."""
    province = unit.code if unit.level == "province" else unit.province_code
    if unit.level not in indicator.levels:
        checker.add(excel_row, indicator.code, raw.get(indicator.code), "catalogue_err_level",
                    level={"key": LEVEL_KEYS[unit.level]})
        return False
    if indicator.owner_province_code is not None and province != indicator.owner_province_code:
        checker.add(excel_row, indicator.code, raw.get(indicator.code), "catalogue_err_other_province",
                    unit={"unit": indicator.owner_province_code})
        return False
    return True


def _plausible(checker: _RowChecker, excel_row: int, raw: dict, code: str, value: float, percent: bool,
               plausible: Plausible) -> float | None:
    """A value the catalogue's plausible range allows (a count's rounding slip made whole), or None
    with a cell error naming the range: not a finite number, negative, a percentage over 100,
    beyond what one commune can hold, or a fraction of a count."""
    cell = raw.get(code)
    if not math.isfinite(value):
        checker.add(excel_row, code, cell, "err_bad_number")
    elif value < plausible.minimum == 0:
        checker.add(excel_row, code, cell, "err_negative")
    elif percent and value > plausible.maximum:
        checker.add(excel_row, code, cell, "err_percent_range")
    elif not plausible.allows(value):
        checker.add(excel_row, code, cell, "bounds_err_out_of_range", minimum=plausible.minimum,
                    maximum=plausible.maximum)
    elif plausible.integer and abs(value - round(value)) > INTEGER_TOLERANCE:
        checker.add(excel_row, code, cell, "bounds_err_not_integer")
    else:
        return float(round(value)) if plausible.integer else value
    return None
