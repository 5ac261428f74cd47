"""Indicator figures: each indicator rolled up for a unit and its children at a date, per 100,000
inhabitants, and at each month end.

Rules:
- a commune's value at a date is its latest value on or before the date (a commune that has not yet
  sent the latest month still counts with what it sent before);
- "sum" indicators add the communes' values; "population_weighted" percentages are averaged over
  the communes that reported them, weighted by each commune's population at the same date.
A unit's figure is always combined from its children's partial sums, so a unit and the units below
it can never disagree, whichever page, warning or slide asks.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, case, func, select, true

from data_loaders.figures.scope import UnitInfo, child_key, child_units, connect, get_unit, scope_filter
from data_loaders.figures.tasks import at_month_ends
from data_loaders.store.catalogue import INDICATOR_BY_CODE, INDICATORS
from data_loaders.store.models import AdminUnit, Indicator, IndicatorValue

PERCENT_INDICATORS = tuple(i.code for i in INDICATORS if i.rollup == "population_weighted")
PER_INHABITANTS = 100_000

IndicatorValues = dict[str, float | None]  # indicator code -> value (None: nothing reported)


class ChildIndicatorValues(TypedDict):
    code: str
    name: str
    # plus one key per indicator code (IndicatorValues)


class DatedIndicatorValues(TypedDict):
    date: dt.date
    # plus one key per indicator code


class IndicatorSeries(TypedDict):
    """An indicator at each month end, for a unit and for each unit below it."""
    dates: list[dt.date]
    unit: list[float | None]
    children: dict[str, list[float | None]]


def _latest_values(unit: UnitInfo, as_of: dt.date):
    """Each (indicator, commune in scope)'s latest value on or before `as_of`: indicator_code,
    unit_code, value, child (the child unit it rolls up into). One backward probe of the
    (indicator_code, unit_code, period) unique index per pair."""
    latest_value = (
        select(IndicatorValue.value)
        .where(IndicatorValue.indicator_code == Indicator.code, IndicatorValue.unit_code == AdminUnit.code,
               IndicatorValue.period <= as_of)
        .order_by(IndicatorValue.period.desc())
        .limit(1)
        .correlate(Indicator, AdminUnit)
        .scalar_subquery()
    )
    pairs = (
        select(Indicator.code.label("indicator_code"), AdminUnit.code.label("unit_code"),
               latest_value.label("value"), child_key(unit, AdminUnit).label("child"))
        .select_from(AdminUnit)
        .join(Indicator, true())
        .where(scope_filter(unit, AdminUnit), AdminUnit.level == "commune")
        .offset(0)
        .subquery("latest_pair")
    )
    return (
        select(pairs.c.indicator_code, pairs.c.unit_code, pairs.c.value, pairs.c.child)
        .where(pairs.c.value.is_not(None))
        .cte("latest_value")
    )


Partials = dict[str, dict[str, tuple[float, float] | float | None]]


def _partials(unit: UnitInfo, as_of: dt.date, engine: Engine | None) -> Partials:
    """Per child: each sum indicator's sum, and each percentage's (Σ value × population, Σ population
    of the communes that reported it)."""
    values = _latest_values(unit, as_of)
    # Pivot to one row per commune first, so a percentage meets its commune's population without a
    # self-join, then aggregate per child.
    per_commune = (
        select(values.c.child, *(
            func.sum(case((values.c.indicator_code == indicator.code, values.c.value))).label(indicator.code)
            for indicator in INDICATORS
        ))
        .group_by(values.c.unit_code, values.c.child)
        .subquery("per_commune")
    )
    population = per_commune.c.population
    columns = []
    for indicator in INDICATORS:
        column = per_commune.c[indicator.code]
        if indicator.code in PERCENT_INDICATORS:
            columns.append(func.sum(column * population).label(f"{indicator.code}__weighted"))
            columns.append(func.sum(case((column.is_not(None), population))).label(f"{indicator.code}__weight"))
        else:
            columns.append(func.sum(column).label(indicator.code))
    query = select(per_commune.c.child, *columns).group_by(per_commune.c.child)
    partials: Partials = {}
    with connect(engine) as conn:
        for row in conn.execute(query):
            mapping = row._mapping
            partials[mapping["child"]] = {
                indicator.code: ((mapping[f"{indicator.code}__weighted"], mapping[f"{indicator.code}__weight"])
                                 if indicator.code in PERCENT_INDICATORS else mapping[indicator.code])
                for indicator in INDICATORS
            }
    return partials


def _combine(parts: list[dict]) -> IndicatorValues:
    """Children's partial sums into the figure of the unit above them."""
    result: IndicatorValues = {}
    for indicator in INDICATORS:
        if indicator.code in PERCENT_INDICATORS:
            pairs = [part[indicator.code] for part in parts if part[indicator.code][1]]
            weight = sum(float(w) for _, w in pairs)
            result[indicator.code] = sum(float(v) for v, _ in pairs) / weight if weight else None
        else:
            sums = [float(part[indicator.code]) for part in parts if part[indicator.code] is not None]
            result[indicator.code] = sum(sums) if sums else None
    return result


def indicator_totals(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> IndicatorValues:
    """Every indicator rolled up for a unit at a date: sums, and population-weighted percentages."""
    unit = get_unit(unit_code, engine)
    return _combine(list(_partials(unit, as_of, engine).values()))


def indicators_by_child(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[ChildIndicatorValues]:
    """One row per child unit with every indicator rolled up (None where nothing was reported)."""
    unit = get_unit(unit_code, engine)
    partials = _partials(unit, as_of, engine)
    empty = {indicator.code: None for indicator in INDICATORS}
    return [{"code": child.code, "name": child.name,
             **(_combine([partials[child.code]]) if child.code in partials else empty)}
            for child in child_units(unit.code, engine)]


def indicator_trend(unit_code: str, as_of: dt.date, months: int = 6,
                    engine: Engine | None = None) -> list[DatedIndicatorValues]:
    """Every indicator rolled up at each of the last `months` month ends (state on that date)."""
    return [{"date": day, **values}
            for day, values in at_month_ends(indicator_totals, unit_code, as_of, months, engine)]


def indicator_series(unit_code: str, indicator_code: str, as_of: dt.date, months: int,
                     engine: Engine | None = None) -> IndicatorSeries:
    """One indicator at each of the last `months` month ends, for the unit (the same value as
    `indicator_totals` at each date) and for each unit below it (as `indicators_by_child`)."""
    unit = get_unit(unit_code, engine)
    children = [child.code for child in child_units(unit.code, engine)] if unit.level != "commune" else []
    dated = at_month_ends(lambda code, day, eng: _partials(unit, day, eng), unit.code, as_of, months, engine)
    series: IndicatorSeries = {"dates": [day for day, _ in dated], "unit": [], "children": {c: [] for c in children}}
    for _, partials in dated:
        series["unit"].append(_combine(list(partials.values()))[indicator_code])
        for child in children:
            series["children"][child].append(_combine([partials[child]])[indicator_code] if child in partials else None)
    return series


def per_inhabitants(value: float | None, population: float | None) -> float | None:
    """A count per 100,000 inhabitants of the same unit at the same date."""
    return PER_INHABITANTS * value / population if value is not None and population else None


def json_number(code: str, value: float | None) -> float | int | None:
    """An indicator's value as the command line prints it: percentages to two decimals, counts whole."""
    if value is None:
        return None
    if code in PERCENT_INDICATORS:
        return round(value, 2)
    return int(round(value))


def decimals(code: str) -> int:
    """The decimals an indicator is shown with."""
    return INDICATOR_BY_CODE[code].decimals
