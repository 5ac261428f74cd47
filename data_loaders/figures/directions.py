"""Directions (ý kiến chỉ đạo) as figures: each direction's state at a date and how many of each a
unit holds. The rule is written once here; the directions page, the inbox, the accountability
ranking, the warnings and the decks read it from here.

- Closed: its author closed it (whatever else is true).
- Answered: not closed and the responsible unit has answered at least once.
- Overdue: not closed, not answered, and its due date is before the date (due on the date: not yet).
- Open: none of these.
A direction exists from its creation: at a date before it was written it is not counted.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, and_, case, exists, func, select
from sqlalchemy.sql import ColumnElement

from data_loaders.figures.definitions import count_where
from data_loaders.figures.scope import UnitInfo, connect, get_unit, scope_filter
from data_loaders.store.models import AdminUnit, Direction, DirectionAnswer

DIRECTION_STATES = ("overdue", "open", "answered", "closed")  # most urgent first


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)


def is_answered(as_of: dt.date) -> ColumnElement[bool]:
    """SQL: the direction has an answer written by the end of the date."""
    return exists().where(DirectionAnswer.direction_id == Direction.id, DirectionAnswer.created_at < _end_of(as_of))


def is_closed(as_of: dt.date) -> ColumnElement[bool]:
    return and_(Direction.closed_at.is_not(None), Direction.closed_at < _end_of(as_of))


def direction_state(as_of: dt.date) -> ColumnElement[str]:
    """SQL: "closed", "answered", "overdue" or "open" at the date."""
    return case(
        (is_closed(as_of), "closed"),
        (is_answered(as_of), "answered"),
        (and_(Direction.due_date.is_not(None), Direction.due_date < as_of), "overdue"),
        else_="open",
    )


def exists_at(as_of: dt.date) -> ColumnElement[bool]:
    return Direction.created_at < _end_of(as_of)


class DirectionCounts(TypedDict):
    unit_code: str
    total: int
    open: int
    answered: int
    overdue: int
    closed: int


def direction_counts(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> DirectionCounts:
    """How many directions on the unit and every unit under it are in each state at the date."""
    unit = get_unit(unit_code, engine)
    state = direction_state(as_of)
    query = (
        select(func.count(), *(count_where(state == name) for name in ("open", "answered", "overdue", "closed")))
        .select_from(Direction).join(AdminUnit, AdminUnit.code == Direction.unit_code)
        .where(scope_filter(unit, AdminUnit), exists_at(as_of))
    )
    with connect(engine) as conn:
        total, open_, answered, overdue, closed = conn.execute(query).one()
    return DirectionCounts(unit_code=unit.code, total=int(total), open=int(open_), answered=int(answered),
                           overdue=int(overdue), closed=int(closed))


def counts_by_unit(unit: UnitInfo, group_key, as_of: dt.date, engine: Engine | None = None) -> dict[str, dict]:
    """Open and overdue directions per group (`group_key(AdminUnit)`: e.g. the child a unit rolls up
    into), for rankings that count directions left unanswered."""
    state = direction_state(as_of)
    key = group_key(AdminUnit).label("group_code")
    query = (
        select(key, count_where(state == "open"), count_where(state == "overdue"))
        .select_from(Direction).join(AdminUnit, AdminUnit.code == Direction.unit_code)
        .where(scope_filter(unit, AdminUnit), exists_at(as_of))
        .group_by(key)
    )
    with connect(engine) as conn:
        return {row[0]: {"open": int(row[1]), "overdue": int(row[2])} for row in conn.execute(query)}
