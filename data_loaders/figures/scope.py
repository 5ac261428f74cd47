"""Which rows a figure covers: the unit (the nation, a province or a commune) and everything under
it, the tasks counted (`counted_tasks`: the national plans' unless a plan is chosen), the child each
row rolls up into, and the dates the data spans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, literal, select
from sqlalchemy.sql import ColumnElement

from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.store import engine as db
from data_loaders.store.models import (
    NATIONAL_CODE,
    SAMPLE_USER,
    AdminUnit,
    IndicatorValue,
    Plan,
    Task,
    TaskReport,
    Upload,
)
from data_loaders.units.divisions import candidate_codes, short_fold_name

CENTRAL_GROUP = NATIONAL_CODE  # at the national level, central ministries' tasks form their own group


class UnknownUnit(LookupError):
    pass


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    level: str  # national | province | commune
    parent_code: str | None
    province_code: str | None

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level}


def connect(engine: Engine | None):
    return (engine or db.get_engine()).connect()


def get_unit(code: str, engine: Engine | None = None) -> UnitInfo:
    """A unit by code: "VN", a province code or a commune code, with or without leading zeros."""
    try:
        candidates = candidate_codes(code)
    except ValueError as error:
        raise UnknownUnit(code) from error
    with connect(engine) as conn:
        rows = {
            row.code: row
            for row in conn.execute(
                select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_code, AdminUnit.province_code)
                .where(AdminUnit.code.in_(candidates))
            )
        }
    for candidate in candidates:
        if candidate in rows:
            return UnitInfo(*rows[candidate])
    raise UnknownUnit(code)


def unit_path(code: str, engine: Engine | None = None) -> list[UnitInfo]:
    """The nation, then the province, then the commune: the breadcrumb to a unit."""
    path = [get_unit(code, engine)]
    while path[0].parent_code:
        path.insert(0, get_unit(path[0].parent_code, engine))
    return path


def child_units(code: str, engine: Engine | None = None) -> list[UnitInfo]:
    """The units directly under a unit, in Vietnamese alphabetical order."""
    with connect(engine) as conn:
        rows = conn.execute(
            select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_code, AdminUnit.province_code)
            .where(AdminUnit.parent_code == code)
        ).all()
    return sorted((UnitInfo(*row) for row in rows), key=lambda u: vietnamese_sort_key(short_fold_name(u.name)))


def child_count(code: str, engine: Engine | None = None) -> int:
    with connect(engine) as conn:
        return conn.execute(select(func.count()).where(AdminUnit.parent_code == code)).scalar_one()


def unit_coordinates(code: str, engine: Engine | None = None) -> dict[str, tuple[float | None, float | None]]:
    """Latitude and longitude of a unit's children (commune points on the province map)."""
    with connect(engine) as conn:
        rows = conn.execute(select(AdminUnit.code, AdminUnit.lat, AdminUnit.lon).where(AdminUnit.parent_code == code))
        return {row.code: (row.lat, row.lon) for row in rows}


def units_for_search(engine: Engine | None = None) -> list[dict]:
    """Every province and commune with its province's name, for the sidebar search."""
    province = AdminUnit.__table__.alias("province")
    query = (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.province_code,
               province.c.name.label("province_name"))
        .join(province, province.c.code == AdminUnit.province_code)
        .where(AdminUnit.level.in_(("province", "commune")))
    )
    with connect(engine) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def scope_filter(unit: UnitInfo, owner: type[AdminUnit] | object) -> ColumnElement[bool]:
    """SQL: the row's owning unit is the unit or lies under it."""
    if unit.level == "national":
        return literal(True)
    if unit.level == "province":
        return owner.province_code == unit.code
    return owner.code == unit.code


def counted_tasks(plan: str | None = None, plan_column=None) -> ColumnElement[bool]:
    """SQL on `Task` (or on the rows whose plan is `plan_column`: the task summary, figures/rollups.py):
    the tasks a task figure counts. With `plan` (a plan the unit sees:
    figures/plans.plan_filter), that plan's tasks, a province's own programme included. Without, the
    tasks of the national plans (NQ57): every task whose plan is not a province's own programme (a
    plan code missing from the `plan` table counts as national, as every code did before migration
    0015). So every headline without a plan filter counts the same set of plans in every unit: the
    nation's figures are the sum of its provinces', and a province adding a programme and its tasks
    changes no figure at the nation or in the province until that programme is chosen.

    The one definition: the task figures (tasks.latest_reports, which warnings and rankings build on),
    reporting status, data quality and the data dates all apply it."""
    column = Task.plan if plan_column is None else plan_column
    if plan is not None:
        return column == plan
    return column.not_in(select(Plan.code).where(Plan.owner_province_code.is_not(None)))


def child_key(unit: UnitInfo, owner: type[AdminUnit] | object) -> ColumnElement:
    """SQL: the child a row rolls up into: its province at national level, its commune at province
    level. Rows owned by the unit itself (central ministries; the province's own tasks) keep the unit's code."""
    if unit.level == "national":
        return func.coalesce(owner.province_code, literal(NATIONAL_CODE))
    return owner.code


# --- the dates the data spans -------------------------------------------------------------------


def _report_dates():
    """The dates of the reports of the tasks the figures count without a plan filter (`counted_tasks`):
    a province's programme reported later (or earlier) than the national plans moves no default date.
    Ordered and limited by the caller, so the (report_date, task_id) index is walked from one end."""
    return select(TaskReport.report_date).join(Task, Task.id == TaskReport.task_id).where(counted_tasks())


def latest_data_date(engine: Engine | None = None) -> dt.date | None:
    """The latest report date or indicator period: the default as-of date."""
    with connect(engine) as conn:
        report = conn.execute(_report_dates().order_by(TaskReport.report_date.desc()).limit(1)).scalar()
        period = conn.execute(select(func.max(IndicatorValue.period))).scalar_one()
    dates = [d for d in (report, period) if d is not None]
    return max(dates) if dates else None


def earliest_data_date(engine: Engine | None = None) -> dt.date | None:
    with connect(engine) as conn:
        report = conn.execute(_report_dates().order_by(TaskReport.report_date).limit(1)).scalar()
        period = conn.execute(select(func.min(IndicatorValue.period))).scalar_one()
    dates = [d for d in (report, period) if d is not None]
    return min(dates) if dates else None


def latest_period(as_of: dt.date, engine: Engine | None = None) -> dt.date | None:
    """The latest indicator period on or before as_of for which any commune reported."""
    with connect(engine) as conn:
        return conn.execute(select(func.max(IndicatorValue.period)).where(IndicatorValue.period <= as_of)).scalar_one()


def holds_sample_data(engine: Engine | None = None) -> bool:
    """Whether the figures come (at least partly) from the bundled sample workbooks."""
    with connect(engine) as conn:
        found = conn.execute(
            select(Upload.id).where(Upload.uploaded_by == SAMPLE_USER, Upload.status == "imported").limit(1)
        ).first()
    return found is not None
