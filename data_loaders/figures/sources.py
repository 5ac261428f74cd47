"""Which stored rows the figures count: the one place that says it (issue 13).

An administrator chooses, as the setting `figures_counted`, what leaders' views count:

- "submitted" (the default): every indicator value and task report as stored, approved or not — the
  views say how many of the month's submissions are not approved yet;
- "approved": only the rows whose unit and month their approver approved (ingest/approvals.py: a
  row of `approval` in state approved for the unit and the month's first day; a province approved by
  the centre covers its communes). The nation's own tasks (central ministries) are submitted to
  nobody and always count. A commune's unapproved June values are then not counted: its figure at
  30/06 is its latest *approved* value, as if June had not been sent.

Every figure of the metric layer reads indicator values and task reports through `indicator_values()`
and `task_reports()`, which return the ORM entity itself in the default mode (the SQL is exactly what
it was) or, in approved-only mode, an entity of the same shape over the approved rows (an aliased
subquery: the figures' queries do not change, only what they select from). `counted=` forces a mode.
Figures about the submissions themselves read every stored row whatever the mode: reporting status
(who sent what, when), the approvals, and the data-quality scores, which judge what was sent.

The mode travels with the data version (store/engine.py `data_version`: negative in approved-only
mode, and moved by every approval step then), so every cache keyed on the version — the shared
rollup cache, each app process's st.cache_data — switches at once, and `figures.cache.read` computes a
figure in the mode of the version it is stored under (`counting`). A figure called directly reads the
setting.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

from sqlalchemy import Date, Engine, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from data_loaders.store import engine as db
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Approval, IndicatorValue, Task, TaskReport
from data_loaders.store.settings import get_settings

SUBMITTED, APPROVED = "submitted", "approved"
MODES = (SUBMITTED, APPROVED)

_COUNTED: contextvars.ContextVar[str | None] = contextvars.ContextVar("nq57_figures_counted", default=None)


def mode_of_version(version: int) -> str:
    """The counting mode a data version was read in (store/engine.py: negative in approved-only mode)."""
    return APPROVED if version < 0 else SUBMITTED


def mode(engine: Engine | None = None) -> str:
    """What the figures count now: the mode of the computation under way (`counting`), else the setting."""
    chosen = _COUNTED.get()
    if chosen is not None:
        return chosen
    return get_settings(engine or db.get_engine())["figures_counted"]


@contextlib.contextmanager
def counting(counted: str) -> Iterator[None]:
    """Compute the figures inside in the given mode (what `figures.cache.read` does with the version's)."""
    if counted not in MODES:
        raise ValueError(f"unknown counting mode {counted!r}")
    token = _COUNTED.set(counted)
    try:
        yield
    finally:
        _COUNTED.reset(token)


class month_start(FunctionElement):
    """SQL: the first day of a date's month (an approval's `period`)."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start)
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def approved(unit_code: ColumnElement, day: ColumnElement) -> ColumnElement[bool]:
    """SQL: the row of unit `unit_code` dated `day` lies in an approved unit and month — the unit's own
    approval, or, for a commune, its province's — or belongs to the nation (submitted to nobody).
    Each test is one probe of approval's (unit_code, period) unique index."""
    decision = Approval.__table__.alias("counted_approval")
    commune = AdminUnit.__table__.alias("counted_unit")
    period = month_start(day)
    own = select(decision.c.id).where(decision.c.unit_code == unit_code, decision.c.period == period,
                                      decision.c.state == "approved").exists()
    above = (select(decision.c.id).select_from(commune)
             .join(decision, decision.c.unit_code == commune.c.province_code)
             .where(commune.c.code == unit_code, commune.c.level == "commune", decision.c.period == period,
                    decision.c.state == "approved").exists())
    return or_(unit_code == literal(NATIONAL_CODE), own, above)


def indicator_values(engine: Engine | None = None, counted: str | None = None):
    """The indicator values the figures count (see the module): `IndicatorValue`, or in approved-only
    mode an entity of the same columns over the values of approved units and months."""
    if (counted or mode(engine)) == SUBMITTED:
        return IndicatorValue
    table = IndicatorValue.__table__
    rows = select(table).where(approved(table.c.unit_code, table.c.period)).subquery("counted_value")
    return aliased(IndicatorValue, rows, name="counted_value")


def task_reports(engine: Engine | None = None, counted: str | None = None):
    """The task reports the figures count (see the module): `TaskReport`, or in approved-only mode an
    entity of the same columns over the reports of approved units (the task's owner) and months."""
    if (counted or mode(engine)) == SUBMITTED:
        return TaskReport
    table, owner = TaskReport.__table__, Task.__table__.alias("counted_task")
    rows = (select(table).join(owner, owner.c.id == table.c.task_id)
            .where(approved(owner.c.owner_unit_code, table.c.report_date)).subquery("counted_report"))
    return aliased(TaskReport, rows, name="counted_report")


__all__ = ["APPROVED", "MODES", "SUBMITTED", "approved", "counting", "indicator_values", "mode",
           "mode_of_version", "month_start", "task_reports"]

