"""What an upload would change, row by row: for each Excel row that changes something, each field's
old value → new value (a task report's status, progress and note, a task's attributes, an
indicator's value); the rows that change nothing are only counted. Read-only: the importer builds
it in a dry run (the upload page's preview, `import --dry-run`), after the file passed validation
and the scope check, so what it lists is what the commit would write.

A new report of a task shows as old the task's latest stored report before that date (its date,
and its status and progress where the new report differs: as the dashboard shows them now); a new
task or a new indicator value has no old value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Connection, Engine, select

from data_loaders.ingest.validate import OPTIONAL_TASK_ATTRIBUTES, TASK_ATTRIBUTES, Validated
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport

CHUNK = 5000
MAX_LISTED = 2000  # changed rows listed in full (what a person reads); the counts keep the whole number
_REPORT_FIELDS = ("status", "progress_pct", "note")


class FieldChange(NamedTuple):
    """One value of a row: `field` is a report field (status, progress_pct, note), a task attribute
    (title, deadline, …) or an indicator code; `old` is None when nothing was stored."""
    field: str
    old: object
    new: object

    def as_json(self) -> dict:
        return {"field": self.field, "old": _plain(self.old), "new": _plain(self.new)}


@dataclass(frozen=True)
class RowChange:
    """An Excel row that changes something. `subject` is the task code (a task file) or the unit
    code (an indicator file); `date` the report date or the period (its last day); `new` whether the
    row adds a report or values where none was stored for that date."""
    sheet: str
    row: int
    subject: str
    unit_code: str | None
    date: dt.date | None
    new: bool
    changes: tuple[FieldChange, ...]

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "subject": self.subject, "unit": self.unit_code,
                "date": self.date.isoformat() if self.date else None, "new": self.new,
                "changes": [c.as_json() for c in self.changes]}


@dataclass
class Preview:
    """The rows that change something (the first MAX_LISTED, by Excel row) and how many rows change
    nothing; `skipped_rows` were left as they came in a pre-filled template."""
    kind: str
    rows: list[RowChange] = field(default_factory=list)
    changed_rows: int = 0
    unchanged_rows: int = 0
    skipped_rows: int = 0

    def as_json(self, limit: int = 200) -> dict:
        return {"changed_rows": self.changed_rows, "unchanged_rows": self.unchanged_rows,
                "skipped_rows": self.skipped_rows, "changes": [r.as_json() for r in self.rows[:limit]]}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def preview(engine: Engine, validated: Validated, skipped_rows: int = 0) -> Preview:
    """The row-by-row change of a validated sheet against what is stored now."""
    with engine.connect() as conn:
        if validated.kind == "tasks":
            changed, unchanged = _task_rows(conn, validated)
            count = len(changed)
        else:
            changed, unchanged, count = _value_rows(conn, validated)
    changed.sort(key=lambda r: r.row)
    return Preview(validated.kind, changed[:MAX_LISTED], count, unchanged, skipped_rows)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _task_rows(conn: Connection, validated: Validated) -> tuple[list[RowChange], int]:
    sheet = validated.rows.sheet
    codes = list(validated.tasks)
    stored: dict[str, dict] = {}
    columns = [Task.id, Task.code, Agency.name.label("lead_agency"),
               *(Task.__table__.c[name] for name in TASK_ATTRIBUTES if name != "lead_agency"),
               *(Task.__table__.c[name] for name in OPTIONAL_TASK_ATTRIBUTES)]
    for chunk in _chunks(codes):
        query = select(*columns).join(Agency, Agency.id == Task.lead_agency_id).where(Task.code.in_(chunk))
        stored.update({row.code: row._asdict() for row in conn.execute(query)})
    by_id = {task["id"]: code for code, task in stored.items()}
    history: dict[str, list] = {}  # code -> stored reports, oldest first
    for chunk in _chunks(list(by_id)):
        query = (select(TaskReport.task_id, TaskReport.report_date, TaskReport.status, TaskReport.progress_pct,
                        TaskReport.note).where(TaskReport.task_id.in_(chunk))
                 .order_by(TaskReport.task_id, TaskReport.report_date))
        for row in conn.execute(query):
            history.setdefault(by_id[row.task_id], []).append(row)

    # attribute changes of stored tasks, on the row that gives each attribute
    attribute_changes: dict[int, list[FieldChange]] = {}
    for code, task in validated.tasks.items():
        current = stored.get(code)
        if current is None:
            continue
        for name, value in task.attributes.items():
            if value is not None and current[name] != value:
                attribute_changes.setdefault(task.rows[name], []).append(FieldChange(name, current[name], value))

    changed, unchanged, seen_rows = [], 0, set()
    for (code, day), report in validated.reports.items():
        reports = history.get(code, [])
        same_day = next((r for r in reports if r.report_date == day), None)
        before = same_day or next((r for r in reversed(reports) if r.report_date < day), None)
        new = [report.status, report.progress_pct, report.note]
        old = [None] * 3 if before is None else [before.status, before.progress_pct, before.note]
        if before is None:  # the task's first report: everything it says is new
            fields = [FieldChange(name, None, n) for name, n in zip(_REPORT_FIELDS, new) if n is not None]
        else:  # what differs from the report it corrects or follows; the rest is folded away
            fields = [FieldChange(name, o, n) for name, o, n in zip(_REPORT_FIELDS, old, new)
                      if o != n and (same_day is not None or name != "note" or n is not None)]
            if same_day is None:
                fields.insert(0, FieldChange("report_date", before.report_date, day))
        fields += attribute_changes.get(report.source_row, [])
        seen_rows.add(report.source_row)
        owner = validated.tasks[code].attributes.get("owner_unit_code") or (stored.get(code) or {}).get(
            "owner_unit_code")
        if same_day is None or fields:
            changed.append(RowChange(sheet, report.source_row, code, owner, day, same_day is None, tuple(fields)))
        else:
            unchanged += 1
    for row, fields in attribute_changes.items():  # an attribute given on a row whose report was a duplicate
        if row not in seen_rows:
            code = next(c for c, t in validated.tasks.items() if row in t.rows.values())
            changed.append(RowChange(sheet, row, code, stored[code]["owner_unit_code"], None, False, tuple(fields)))
    return changed, unchanged


def _value_rows(conn: Connection, validated: Validated) -> tuple[list[RowChange], int, int]:
    sheet = validated.rows.sheet
    values = validated.values
    periods = sorted({period for _, _, period in values})
    units = sorted({unit for _, unit, _ in values})
    stored: dict[tuple[str, str, dt.date], float] = {}
    for chunk in _chunks(units):
        query = select(IndicatorValue.indicator_code, IndicatorValue.unit_code, IndicatorValue.period,
                       IndicatorValue.value).where(IndicatorValue.period.in_(periods),
                                                   IndicatorValue.unit_code.in_(chunk))
        stored.update({(r.indicator_code, r.unit_code, r.period): r.value for r in conn.execute(query)})
    rows: dict[int, list] = {}  # Excel row -> [unit, period, new, changed, [(indicator, old, new)]]
    for key, (value, excel_row) in values.items():
        indicator, unit, period = key
        entry = rows.get(excel_row)
        if entry is None:
            entry = rows[excel_row] = [unit, period, True, False, []]
        old = stored.get(key)
        if old is not None:
            entry[2] = False
        if old is None or abs(old - value) > 1e-9:
            entry[3] = True
            entry[4].append((indicator, old, value))
    changed_rows = sorted(row for row, entry in rows.items() if entry[3])
    # the rows listed in full (a national file changes ~20,000 rows: the rest are only counted)
    changed = [RowChange(sheet, row, rows[row][0], rows[row][0], rows[row][1], rows[row][2],
                         tuple(FieldChange(*change) for change in rows[row][4])) for row in changed_rows[:MAX_LISTED]]
    return changed, len(rows) - len(changed_rows), len(changed_rows)
