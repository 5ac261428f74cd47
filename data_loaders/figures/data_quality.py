"""Data quality scorecard: "đúng, đủ, sạch, sống" (correct, sufficient, clean, live), each 0–100.

`quality(unit_code, as_of)` is the `quality` command's JSON contract:

    {"unit": {...}, "as_of": "YYYY-MM-DD", "scores": {"correct", "sufficient", "clean", "live"},
     "figures": {...}, "children": [{"unit": {...}, "scores": {...}, "figures": {...}}]}

A score is None when there is nothing to measure it on. The definitions (one sentence each, shown on the
page) live in the i18n catalogue under quality_*_def:

- correct = share of uploaded rows that passed validation × (1 − share of task reports up to as_of that
  contradict themselves: "completed" below 100%, "not started" with progress, dated before
  `tasks_start_date`);
- sufficient = for the latest period on or before as_of, the share of communes that reported each
  indicator, averaged over the indicators;
- clean = 100 × (1 − (unresolved + weight × resolved duplicates and conflicts) / uploaded rows); a duplicate
  in an accepted file was resolved by the importer (counted once); a problem in a rejected file is resolved
  when the same person later had a file of the same kind accepted;
- live = 100 when the latest task report or indicator period is at most `live_full_days` old, falling
  linearly to 0 at `live_zero_days`.

Uploads are tied to units through the rows they stored (`upload_id`, `source_row`); a rejected file stored
no rows, so its problems count at the national level only. Task reports and their rows are those of the
national plans' tasks (scope.counted_tasks), as every task figure without a plan filter counts them.

The task reports (how many, how many contradict themselves, the latest date) are read from counts
maintained at commit per owning unit or province, plan and day (figures/rollups.py `report_counts`)
when they are current, else counted from the reports: the same figures
(tests/integration/test_task_status_rollup.py compares them); so are the uploaded rows, the reports'
per owning unit or province, plan and upload (`rollups.uploaded_report_rows`), the values' per unit and
upload (`indicator_rollups.uploaded_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, TypedDict

from sqlalchemy import Engine, case, func, or_, select, union_all

from data_loaders.figures import definitions as rules
from data_loaders.figures import indicator_rollups, rollups
from data_loaders.figures.reporting import monthly_indicator_count, reported_values
from data_loaders.figures.scope import (
    UnitInfo,
    child_key,
    child_units,
    counted_tasks,
    get_unit,
    latest_data_date,
    latest_period,
    scope_filter,
)
from data_loaders.store import engine as db
from data_loaders.store.models import (
    AdminUnit,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
    UploadedReportProvinceRows,
    UploadedValueRows,
)
from data_loaders.store.settings import get_settings

SCORES = ("correct", "sufficient", "clean", "live")

Scores = dict[str, float | None]  # correct, sufficient, clean, live: 0–100, None when nothing to measure


class ChildQuality(TypedDict):
    unit: dict  # {"code", "name", "level"}
    scores: Scores
    figures: dict  # what each score was computed from (uploaded rows, reports, communes, …)


class Quality(TypedDict):
    """The `quality` command's JSON contract."""
    unit: dict
    as_of: str  # ISO date
    scores: Scores
    figures: dict
    children: list[ChildQuality]


def _engine(engine: Engine | None) -> Engine:
    return engine or db.get_engine()


_REPEATED = {"warn_duplicate_row": "duplicate", "err_duplicate_conflict": "conflict"}


def classify(problem: dict) -> tuple[str, int | None] | None:
    """("duplicate" | "conflict", the other row) for a stored upload problem about a repeated row,
    else None. Problems are stored with their message key (data_loaders/ingest/problems.py), so a
    changed translation cannot change a score."""
    kind = _REPEATED.get(problem.get("key"))
    if kind is None:
        return None
    other_row = (problem.get("params") or {}).get("other_row")
    return kind, other_row if isinstance(other_row, int) else None


def live_score(days: int | None, full_days: int, zero_days: int) -> float | None:
    if days is None:
        return None
    if days <= full_days:
        return 100.0
    if days >= zero_days:
        return 0.0
    return 100.0 * (zero_days - days) / (zero_days - full_days)


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


# --- the pieces, each one grouped by child in SQL -------------------------------------------------


def _report_figures(unit: UnitInfo, as_of: dt.date, start: dt.date, engine: Engine | None) -> dict[str, dict]:
    """Per child: task reports up to as_of, how many contradict themselves, the latest report date —
    from the counts maintained at commit (figures/rollups.py `report_counts`) when they are current."""
    counted = rollups.report_counts(unit, as_of, start, engine)
    if counted is not None:
        return counted
    child = child_key(unit, AdminUnit).label("child")
    contradicting = or_(rules.contradicts_itself(TaskReport.status, TaskReport.progress_pct),
                        TaskReport.report_date < start)
    query = (
        select(child, func.count().label("reports"),
               func.coalesce(func.sum(case((contradicting, 1), else_=0)), 0).label("contradicting"),
               func.max(TaskReport.report_date).label("last_report"))
        .select_from(TaskReport)
        .join(Task, Task.id == TaskReport.task_id)
        .join(AdminUnit, AdminUnit.code == Task.owner_unit_code)
        .where(scope_filter(unit, AdminUnit), counted_tasks(), TaskReport.report_date <= as_of)
        .group_by(child)
    )
    with _engine(engine).connect() as conn:
        return {row.child: dict(row._mapping) for row in conn.execute(query)}


def _indicator_figures(unit: UnitInfo, as_of: dt.date, engine: Engine | None) -> tuple[dt.date | None, dict, dict,
                                                                                       dict]:
    """The latest period; per child: communes, values reported for that period, the latest period reported."""
    child = child_key(unit, AdminUnit).label("child")
    with _engine(engine).connect() as conn:
        period = latest_period(as_of, engine)  # the same latest period the not-reporting warning uses
        communes = dict(conn.execute(
            select(child, func.count()).where(AdminUnit.level == "commune",
                                              scope_filter(unit, AdminUnit)).group_by(child)
        ).all())
        reported: dict[str, int] = {}
        last: dict[str, dt.date] = {}
        if period is not None:
            values = reported_values(period).subquery("reported_values")  # as the reporting-status page
            reported = dict(conn.execute(
                select(child, func.count()).select_from(values)
                .join(AdminUnit, AdminUnit.code == values.c.unit_code)
                .where(scope_filter(unit, AdminUnit)).group_by(child)
            ).all())
            # the latest period per child: the communes that reported for `period` settle it at once;
            # only children with none of them need a search further back
            last = {code: period for code, count in reported.items() if count}
            missing = [code for code in communes if code not in last]
            if missing:
                last.update(dict(conn.execute(
                    select(child, func.max(IndicatorValue.period))
                    .select_from(IndicatorValue)
                    .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
                    .where(scope_filter(unit, AdminUnit), IndicatorValue.period <= as_of, child.in_(missing))
                    .group_by(child)
                ).all()))
    return period, communes, reported, last


def _stored_rows(unit: UnitInfo, engine: Engine | None) -> dict[str, int]:
    """Per child: the uploaded rows stored for it (a row is one (upload, source row)). The reports' rows
    and the values' rows each come from their count maintained at commit (figures/rollups.py
    `uploaded_report_rows`, figures/indicator_rollups.py `uploaded_rows`) when it is current, the other's
    from its live definition, as long as no upload stored both reports and values (an upload holds one kind
    of sheet; were one to hold both, a row stored as both would count once: the live definition then)."""
    reports = (
        select(TaskReport.upload_id.label("upload_id"), TaskReport.source_row.label("source_row"),
               Task.owner_unit_code.label("unit_code"))
        .join(Task, Task.id == TaskReport.task_id)
        .where(TaskReport.upload_id.is_not(None), counted_tasks())
    )
    values = (
        select(IndicatorValue.upload_id, IndicatorValue.source_row, IndicatorValue.unit_code)
        .where(IndicatorValue.upload_id.is_not(None))
        .distinct()
    )
    counted_reports = rollups.uploaded_report_rows(unit, engine)
    counted_values = indicator_rollups.uploaded_rows(unit, engine)
    if (counted_reports is None and counted_values is None) or \
            _uploads_of_both_kinds(engine, counted_reports is not None, counted_values is not None):
        return _distinct_rows(unit, union_all(reports, values), engine)
    found = dict(counted_reports) if counted_reports is not None else _distinct_rows(unit, reports, engine)
    for key, count in (counted_values if counted_values is not None else _distinct_rows(unit, values, engine)).items():
        found[key] = found.get(key, 0) + count
    return found


def _uploads_of_both_kinds(engine: Engine | None, reports_counted: bool, values_counted: bool) -> bool:
    """Whether any upload stored both task reports and indicator values: the uploads of both counts when
    both are current, else those of the one that is, looked for among the other kind's rows (by the
    uploads' ids, so that the partial index on the reports' uploads is probed, not the reports read)."""
    with _engine(engine).connect() as conn:
        if reports_counted and values_counted:
            both = select(UploadedValueRows.upload_id).intersect(select(UploadedReportProvinceRows.upload_id))
            return conn.execute(both.limit(1)).first() is not None
        counted, other = ((UploadedValueRows, TaskReport) if values_counted
                          else (UploadedReportProvinceRows, IndicatorValue))
        uploads = sorted(conn.execute(select(counted.upload_id).distinct()).scalars())
        return any(conn.execute(select(other.id).where(other.upload_id.in_(uploads[start:start + 500])).limit(1))
                   .first() is not None for start in range(0, len(uploads), 500))


def _distinct_rows(unit: UnitInfo, stored, engine: Engine | None) -> dict[str, int]:
    """Per child: the distinct (upload, source row) of a SELECT of (upload_id, source_row, unit_code)."""
    rows = stored.subquery("stored")
    child = child_key(unit, AdminUnit).label("child")
    distinct_rows = (
        select(child, rows.c.upload_id, rows.c.source_row)
        .join(AdminUnit, AdminUnit.code == rows.c.unit_code)
        .where(scope_filter(unit, AdminUnit))
        .distinct()
        .subquery("distinct_rows")
    )
    query = select(distinct_rows.c.child, func.count()).group_by(distinct_rows.c.child)
    with _engine(engine).connect() as conn:
        return dict(conn.execute(query).all())


def _upload_problems(engine: Engine | None) -> tuple[list[dict], dict[int, dict]]:
    """Every upload (without its file) and the duplicate and conflict problems its messages record."""
    with _engine(engine).connect() as conn:
        uploads = [dict(row._mapping) for row in conn.execute(
            select(Upload.id, Upload.kind, Upload.status, Upload.rows, Upload.uploaded_by, Upload.messages)
            .order_by(Upload.id))]
    problems: dict[int, dict] = {}
    for upload in uploads:
        messages = upload.pop("messages") or {}
        errors = messages.get("errors") or []
        error_rows = {(p.get("sheet"), p.get("row")) for p in errors}
        stored_errors = len(errors)
        counted = messages.get("error_count", stored_errors) or 0
        # messages keep the first problems only; scale the distinct error rows up to the full count
        upload["error_rows"] = min(upload["rows"] or 0, round(len(error_rows) * counted / stored_errors)
                                   if stored_errors else 0)
        found = []
        for problem in list(errors) + list(messages.get("warnings") or []):
            kind = classify(problem)
            if kind:
                found.append({"kind": kind[0], "other_row": kind[1], "row": problem.get("row")})
        problems[upload["id"]] = {"found": found}
    return uploads, problems


def _resolved_uploads(uploads: list[dict]) -> set[int]:
    """Rejected uploads followed by an accepted upload of the same kind from the same person."""
    resolved = set()
    for index, upload in enumerate(uploads):
        if upload["status"] != "rejected":
            continue
        if any(later["kind"] == upload["kind"] and later["uploaded_by"] == upload["uploaded_by"]
               and later["status"] in ("imported", "unchanged") for later in uploads[index + 1:]):
            resolved.add(upload["id"])
    return resolved


def _attribute(unit: UnitInfo, pairs: dict[int, set[int]], engine: Engine | None) -> dict[tuple[int, int], str]:
    """(upload, source row) -> child key, for the few rows that problems point at."""
    if not pairs:
        return {}
    child = child_key(unit, AdminUnit).label("child")
    found: dict[tuple[int, int], str] = {}
    with _engine(engine).connect() as conn:
        for upload_id, rows in pairs.items():
            rows_list = sorted(rows)
            for start in range(0, len(rows_list), 500):
                chunk = rows_list[start:start + 500]
                for model, owner in ((TaskReport, Task.owner_unit_code), (IndicatorValue, IndicatorValue.unit_code)):
                    query = select(model.upload_id, model.source_row, child).distinct()
                    if model is TaskReport:
                        query = query.join(Task, Task.id == TaskReport.task_id).where(counted_tasks())
                    query = (query.join(AdminUnit, AdminUnit.code == owner)
                             .where(scope_filter(unit, AdminUnit), model.upload_id == upload_id,
                                    model.source_row.in_(chunk)))
                    for row in conn.execute(query):
                        found[(row.upload_id, row.source_row)] = row.child
    return found


# --- the scorecard ------------------------------------------------------------------------------


def _scores(figures: dict, settings: dict) -> dict[str, float | None]:
    rows = figures["uploaded_rows"]
    reports = figures["reports"]
    correct = None
    if rows or reports:
        passed = (rows - figures["error_rows"]) / rows if rows else 1.0
        sound = 1 - figures["contradicting"] / reports if reports else 1.0
        correct = 100 * passed * sound
    sufficient = None
    if figures["period"] is not None and figures["communes"]:
        sufficient = 100 * figures["values_reported"] / (figures["communes"] * max(1, figures["indicators"]))
    clean = None
    if rows:
        weight = settings["clean_resolved_weight"]
        clean = 100 * (1 - (figures["unresolved"] + weight * figures["resolved"]) / rows)
    live = live_score(figures["days_since_report"], settings["live_full_days"], settings["live_zero_days"])
    return {key: None if value is None else round(_clamp(value), 1)
            for key, value in (("correct", correct), ("sufficient", sufficient), ("clean", clean), ("live", live))}


def overall(scores: Scores) -> float | None:
    values = [v for v in scores.values() if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def quality(unit_code: str, as_of: dt.date | None = None, settings: dict[str, Any] | None = None,
            engine: Engine | None = None) -> Quality:
    """The four scores for a unit and for each unit below it."""
    unit = get_unit(unit_code, engine)
    as_of = as_of or latest_data_date(engine) or dt.date.today()
    settings = settings or get_settings(engine)
    reports = _report_figures(unit, as_of, settings["tasks_start_date"], engine)
    period, communes, reported, last_period = _indicator_figures(unit, as_of, engine)
    with _engine(engine).connect() as conn:
        indicator_count = monthly_indicator_count(conn)  # what a complete monthly report of a commune holds
    stored = _stored_rows(unit, engine)
    uploads, problems = _upload_problems(engine)
    resolved_uploads = _resolved_uploads(uploads)

    # problems in accepted uploads, tied to a unit through the row they point at
    pairs: dict[int, set[int]] = defaultdict(set)
    for upload in uploads:
        if upload["status"] != "rejected":
            for problem in problems[upload["id"]]["found"]:
                if problem["other_row"] is not None:
                    pairs[upload["id"]].add(problem["other_row"])
    where = _attribute(unit, pairs, engine)
    by_child: dict[str, dict[str, int]] = defaultdict(lambda: {"resolved": 0, "unresolved": 0})
    national = {"resolved": 0, "unresolved": 0, "rejected_rows": 0, "error_rows": 0, "duplicates": 0, "conflicts": 0}
    for upload in uploads:
        accepted = upload["status"] != "rejected"
        if not accepted:
            national["rejected_rows"] += upload["rows"] or 0
            national["error_rows"] += upload["error_rows"]
        for problem in problems[upload["id"]]["found"]:
            national["duplicates" if problem["kind"] == "duplicate" else "conflicts"] += 1
            is_resolved = accepted or upload["id"] in resolved_uploads
            national["resolved" if is_resolved else "unresolved"] += 1
            if accepted:
                key = where.get((upload["id"], problem["other_row"]))
                if key is not None:
                    by_child[key]["resolved"] += 1

    def figures_for(keys: list[str], whole_unit: bool) -> dict:
        def total(mapping: dict, field: str | None = None) -> int:
            return sum(int((mapping.get(k) or {}).get(field, 0) if field else mapping.get(k) or 0) for k in keys)

        last_dates = [d for d in ([(reports.get(k) or {}).get("last_report") for k in keys]
                                  + [last_period.get(k) for k in keys]) if d is not None]
        last = max(last_dates) if last_dates else None
        figures = {
            "uploaded_rows": total(stored), "error_rows": 0,
            "reports": total(reports, "reports"), "contradicting": total(reports, "contradicting"),
            "period": period.isoformat() if period else None,
            "communes": total(communes), "values_reported": total(reported), "indicators": indicator_count,
            "resolved": total(by_child, "resolved"), "unresolved": total(by_child, "unresolved"),
            "last_report": last.isoformat() if last else None,
            "days_since_report": (as_of - last).days if last else None,
        }
        if whole_unit and unit.level == "national":
            # uploads that were not accepted are tied to no unit: they count for the nation
            figures["uploaded_rows"] += national["rejected_rows"]
            figures["error_rows"] = national["error_rows"]
            figures["resolved"], figures["unresolved"] = national["resolved"], national["unresolved"]
            figures["duplicates"], figures["conflicts"] = national["duplicates"], national["conflicts"]
        return figures

    every_key = set(reports) | set(communes) | set(stored) | set(by_child) | {unit.code}
    own = figures_for(sorted(every_key), whole_unit=True)
    children = []
    if unit.level != "commune":
        for child in child_units(unit.code, engine):
            figures = figures_for([child.code], whole_unit=False)
            children.append({"unit": child.as_json(), "scores": _scores(figures, settings), "figures": figures})
    return {"unit": unit.as_json(), "as_of": as_of.isoformat(), "scores": _scores(own, settings), "figures": own,
            "children": children}


def needing_attention(result: Quality, count: int) -> list[dict]:
    """The children with the lowest overall score (mean of the scores they have), worst first."""
    scored = [(overall(child["scores"]), child) for child in result["children"]]
    scored = [(score, child) for score, child in scored if score is not None and score < 100]
    scored.sort(key=lambda pair: (pair[0], pair[1]["unit"]["code"]))
    return [{**child, "overall": score} for score, child in scored[:count]]
