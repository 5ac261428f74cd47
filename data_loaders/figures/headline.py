"""The headline figures of a unit at a date: the `summary` command's JSON contract."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine

from data_loaders.figures.indicators import indicator_totals, json_number, unit_indicators
from data_loaders.figures.scope import child_count, get_unit, latest_data_date
from data_loaders.figures.tasks import TaskStatus, task_status


class Summary(TypedDict):
    unit: dict  # {"code", "name", "level"}
    as_of: str  # ISO date
    tasks: TaskStatus
    indicators: dict[str, float | int | None]  # the catalogue indicators of the unit: counts whole, else 2 decimals
    children: int


def summary(unit_code: str, as_of: dt.date | None = None, engine: Engine | None = None) -> Summary:
    unit = get_unit(unit_code, engine)
    as_of = as_of or latest_data_date(engine) or dt.date.today()
    indicators = indicator_totals(unit.code, as_of, engine)
    # the catalogue's indicators of the unit: the ten NQ57 keys first, then those an administrator added;
    # one the unit can never have (neither reported at its level nor rolled up to it from its communes,
    # e.g. the provinces' DTI at the nation or a commune) is left out rather than listed as null
    definitions = {i.code: i for i in unit_indicators(unit, engine)}

    def has(code: str) -> bool:
        definition = definitions.get(code)
        return definition is None or definition.rolled_up or unit.level in definition.levels

    return {
        "unit": unit.as_json(),
        "as_of": as_of.isoformat(),
        "tasks": task_status(unit.code, as_of, engine),
        "indicators": {code: json_number(code, value, definitions.get(code)) for code, value in indicators.items()
                       if has(code)},
        "children": child_count(unit.code, engine),
    }
