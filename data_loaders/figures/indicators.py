"""Indicator figures: each indicator of the catalogue rolled up for a unit and its children at a
date, per 100,000 inhabitants, and at each month end.

Rules (the rollup kinds of store/catalogue.py ROLLUPS, defined here once, in SQL):
- a unit's value at a date is its latest value on or before the date (a commune that has not yet
  sent the latest month still counts with what it sent before);
- "sum" indicators add the communes' values; "population_weighted" percentages are averaged over
  the communes that reported them, weighted by each commune's population at the same date;
  "average" is the plain mean over the communes that reported it; "latest" is the value of the
  newest period any commune in the scope reported (the mean when several reported that period);
- "none" (and any indicator not reported by communes) is never combined: a unit's figure is the
  value it reported itself, None where it reported none.
A unit's figure is always combined from its children's partial sums, so a unit and the units below
it can never disagree, whichever page, warning or slide asks. Which indicators a unit has comes from
the catalogue (store/indicator_catalogue.py): the national ones, and a province's own at that
province and its communes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy import Engine, and_, case, func, literal_column, select, true, union_all

from data_loaders.figures import indicator_rollups, sources
from data_loaders.figures.scope import UnitInfo, child_key, child_units, connect, get_unit, scope_filter
from data_loaders.figures.tasks import month_ends_with_data, on_days
from data_loaders.i18n import format_number, format_percent
from data_loaders.store import engine as db
from data_loaders.store.catalogue import INDICATOR_BY_CODE, IndicatorDef
from data_loaders.store.indicator_catalogue import indicator_catalogue, visible_at
from data_loaders.store.models import AdminUnit, Indicator

PER_INHABITANTS = 100_000
WEIGHT = "population"  # the indicator population_weighted percentages are weighted by

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


def unit_indicators(unit: UnitInfo, engine: Engine | None) -> tuple[IndicatorDef, ...]:
    """The indicators a unit has figures for: the national ones and its province's own, retired
    ones too (their history stays)."""
    province = None if unit.level == "national" else (unit.code if unit.level == "province" else unit.province_code)
    return tuple(i for i in indicator_catalogue(engine or db.get_engine(), include_retired=True)
                 if visible_at(i, province, everything=False))


def _pairs(unit: UnitInfo, as_of: dt.date, codes: list[str], *, with_period: bool = False,
           engine: Engine | None = None):
    """Each (indicator, commune in scope)'s latest value on or before `as_of`: indicator_code,
    unit_code, value (and period), child (the child unit it rolls up into). One backward probe of
    the (indicator_code, unit_code, period) unique index per pair. Only the values the figures count
    (figures/sources.py)."""
    stored = sources.indicator_values(engine)

    def latest(column):
        return (
            select(column)
            .where(stored.indicator_code == Indicator.code, stored.unit_code == AdminUnit.code,
                   stored.period <= as_of)
            .order_by(stored.period.desc())
            .limit(1)
            .correlate(Indicator, AdminUnit)
            .scalar_subquery()
        )
    pairs = (
        select(Indicator.code.label("indicator_code"), AdminUnit.code.label("unit_code"),
               latest(stored.value).label("value"), child_key(unit, AdminUnit).label("child"),
               *((latest(stored.period).label("period"),) if with_period else ()))
        .select_from(AdminUnit)
        .join(Indicator, true())
        .where(scope_filter(unit, AdminUnit), AdminUnit.level == "commune", Indicator.code.in_(codes))
        .offset(0)
        .subquery("latest_pair")
    )
    return pairs


def _latest_values(unit: UnitInfo, as_of: dt.date, codes: list[str], engine: Engine | None):
    pairs = _pairs(unit, as_of, codes, engine=engine)
    return (
        select(pairs.c.indicator_code, pairs.c.unit_code, pairs.c.value, pairs.c.child)
        .where(pairs.c.value.is_not(None))
        .cte("latest_value")
    )


@dataclass
class Parts:
    """What a unit's figures are combined from: per child, each rolled-up indicator's partial
    (a sum; (Σ value × population, Σ population); (Σ value, count); (period, Σ value, count) for
    latest), and the values units reported themselves (rollup none), by unit."""
    children: dict[str, dict] = field(default_factory=dict)
    own: dict[str, dict[str, float]] = field(default_factory=dict)


def _rolled_partials(unit: UnitInfo, as_of: dt.date, indicators: tuple[IndicatorDef, ...],
                     engine: Engine | None, *, whole: bool = False) -> dict[str, dict]:
    """Per child, the partial sums of the sum, average and population-weighted indicators. At the
    nation (per province), and at a province when only its `whole` is asked (one part, the province's),
    from the summary maintained at commit when it may be read (figures/indicator_rollups.py: the same
    sums); otherwise, and for a province's communes, computed here."""
    pivoted = [i for i in indicators if i.rolled_up and i.rollup != "latest"]
    if not pivoted:
        return {}
    codes = [i.code for i in pivoted]
    if unit.level == "national" or (whole and unit.level == "province"):
        summed = indicator_rollups.partials(unit, as_of, codes, engine)
        if summed is not None:
            return _summary_partials(pivoted, summed)
    weighted = any(i.rollup == "population_weighted" for i in pivoted)
    values = _latest_values(unit, as_of, codes + ([WEIGHT] if weighted and WEIGHT not in codes else []), engine)
    # Pivot to one row per commune first, so a percentage meets its commune's population without a
    # self-join, then aggregate per child.
    per_commune = (
        select(values.c.child, *(
            func.sum(case((values.c.indicator_code == code, values.c.value))).label(code)
            for code in dict.fromkeys([*codes, *([WEIGHT] if weighted else [])])
        ))
        .group_by(values.c.unit_code, values.c.child)
        .subquery("per_commune")
    )
    columns = []
    for indicator in pivoted:
        column = per_commune.c[indicator.code]
        if indicator.rollup == "population_weighted":
            population = per_commune.c[WEIGHT]
            columns.append(func.sum(column * population).label(f"{indicator.code}__weighted"))
            columns.append(func.sum(case((column.is_not(None), population))).label(f"{indicator.code}__weight"))
        elif indicator.rollup == "average":
            columns.append(func.sum(column).label(f"{indicator.code}__sum"))
            columns.append(func.count(column).label(f"{indicator.code}__count"))
        else:
            columns.append(func.sum(column).label(indicator.code))
    query = select(per_commune.c.child, *columns).group_by(per_commune.c.child)
    partials: dict[str, dict] = {}
    with connect(engine) as conn:
        for row in conn.execute(query):
            mapping = row._mapping
            part = partials[mapping["child"]] = {}
            for indicator in pivoted:
                code = indicator.code
                if indicator.rollup == "population_weighted":
                    part[code] = (mapping[f"{code}__weighted"], mapping[f"{code}__weight"])
                elif indicator.rollup == "average":
                    part[code] = (mapping[f"{code}__sum"], mapping[f"{code}__count"])
                else:
                    part[code] = mapping[code]
    return partials


def _rolled_partials_on(unit: UnitInfo, days: list[dt.date], indicators: tuple[IndicatorDef, ...],
                        engine: Engine | None) -> list[dict[str, dict]] | None:
    """`_rolled_partials` of the unit as a whole at each of `days` from the summary in one pass
    (indicator_rollups.partials_on); None where `_rolled_partials` would not read it (a commune, the summary
    not readable): the caller computes each day."""
    pivoted = [i for i in indicators if i.rolled_up and i.rollup != "latest"]
    if not pivoted:
        return [{} for _ in days]
    summed = indicator_rollups.partials_on(unit, days, [i.code for i in pivoted], engine)
    return None if summed is None else [_summary_partials(pivoted, at_day) for at_day in summed]


def _summary_partials(pivoted: list[IndicatorDef], summed: dict[str, dict[str, indicator_rollups.Sums]]
                      ) -> dict[str, dict]:
    """The summary's sums in the shape `_rolled_partials` computes them (a sum: None where no commune
    reported; a weighted percentage: (Σ value × population, Σ population); an average: (Σ value, count))."""
    partials: dict[str, dict] = {}
    for child, by_code in summed.items():
        part = partials[child] = {}
        for indicator in pivoted:
            total, reported, weighted, weight, weighed = by_code.get(indicator.code, (0.0, 0, 0.0, 0.0, 0))
            if indicator.rollup == "population_weighted":
                part[indicator.code] = (weighted, weight) if weighed else (None, None)
            elif indicator.rollup == "average":
                part[indicator.code] = (total, reported)
            else:
                part[indicator.code] = total if reported else None
    return partials


def _latest_partials(unit: UnitInfo, as_of: dt.date, indicators: tuple[IndicatorDef, ...],
                     engine: Engine | None) -> dict[str, dict]:
    """Per child, each "latest" indicator's newest period and the Σ value and count of the communes
    that reported that period."""
    codes = [i.code for i in indicators if i.rolled_up and i.rollup == "latest"]
    if not codes:
        return {}
    pairs = _pairs(unit, as_of, codes, with_period=True, engine=engine)
    ranked = (
        select(pairs.c.child, pairs.c.indicator_code, pairs.c.period, pairs.c.value,
               func.max(pairs.c.period).over(partition_by=(pairs.c.child, pairs.c.indicator_code)).label("newest"))
        .where(pairs.c.value.is_not(None))
        .subquery("ranked")
    )
    query = (
        select(ranked.c.child, ranked.c.indicator_code, ranked.c.period, func.sum(ranked.c.value).label("total"),
               func.count(ranked.c.value).label("count"))
        .where(ranked.c.period == ranked.c.newest)
        .group_by(ranked.c.child, ranked.c.indicator_code, ranked.c.period)
    )
    partials: dict[str, dict] = {}
    with connect(engine) as conn:
        for row in conn.execute(query):
            partials.setdefault(row.child, {})[row.indicator_code] = (row.period, row.total, row.count)
    return partials


def _own_values(unit: UnitInfo, as_of: dt.date, indicators: tuple[IndicatorDef, ...], unit_codes: list[str],
                engine: Engine | None) -> dict[str, dict[str, float]]:
    """The latest value each of `unit_codes` reported itself of each indicator that is not rolled up."""
    return _own_values_on(unit, [as_of], indicators, unit_codes, engine)[0]


def _own_values_on(unit: UnitInfo, days: list[dt.date], indicators: tuple[IndicatorDef, ...], unit_codes: list[str],
                   engine: Engine | None) -> list[dict[str, dict[str, float]]]:
    """`_own_values` at each of `days`, in one statement."""
    codes = [i.code for i in indicators if not i.rolled_up]
    own: list[dict[str, dict[str, float]]] = [{} for _ in days]
    if not codes or not unit_codes or not days:
        return own
    stored = sources.indicator_values(engine)

    def on(position: int, day: dt.date):
        latest = (
            select(stored.value)
            .where(stored.indicator_code == Indicator.code, stored.unit_code == AdminUnit.code, stored.period <= day)
            .order_by(stored.period.desc())
            .limit(1)
            .correlate(Indicator, AdminUnit)
            .scalar_subquery()
        )
        return (
            select(literal_column(str(position)).label("position"), Indicator.code.label("indicator_code"),
                   AdminUnit.code.label("unit_code"), latest.label("value"))
            .select_from(AdminUnit)
            .join(Indicator, true())
            .where(and_(AdminUnit.code.in_(unit_codes), Indicator.code.in_(codes)))
        )

    query = on(0, days[0]) if len(days) == 1 else union_all(*(on(position, day) for position, day in enumerate(days)))
    with connect(engine) as conn:
        for row in conn.execute(query):
            if row.value is not None:
                own[int(row.position)].setdefault(row.unit_code, {})[row.indicator_code] = row.value
    return own


def _parts(unit: UnitInfo, as_of: dt.date, indicators: tuple[IndicatorDef, ...], engine: Engine | None,
           children: list[str] | None = None, rolled: dict[str, dict] | None = None,
           own: dict[str, dict[str, float]] | None = None) -> Parts:
    """`rolled`, `own`: the rolled-up partials and the units' own values when the caller read them already
    (`_rolled_partials_on`, `_own_values_on`)."""
    if rolled is None:
        rolled = _rolled_partials(unit, as_of, indicators, engine, whole=not children)
    parts = Parts(children=rolled)
    for child, latest in _latest_partials(unit, as_of, indicators, engine).items():
        parts.children.setdefault(child, {}).update(latest)
    parts.own = own if own is not None else _own_values(unit, as_of, indicators, [unit.code, *(children or [])], engine)
    return parts


def _combine(indicators: tuple[IndicatorDef, ...], parts: list[dict], own: Mapping[str, float] | None = None
             ) -> IndicatorValues:
    """Children's partial sums into the figure of the unit above them (and the values the unit
    reported itself, for the indicators that are not rolled up)."""
    result: IndicatorValues = {}
    for indicator in indicators:
        code = indicator.code
        present = [part[code] for part in parts if part.get(code) is not None]
        if not indicator.rolled_up:
            result[code] = (own or {}).get(code)
        elif indicator.rollup in ("population_weighted", "average"):
            pairs = [pair for pair in present if pair[1]]
            weight = sum(float(w) for _, w in pairs)
            result[code] = sum(float(v) for v, _ in pairs) / weight if weight else None
        elif indicator.rollup == "latest":
            newest = max((period for period, _, _ in present), default=None)
            chosen = [(float(total), int(count)) for period, total, count in present if period == newest]
            count = sum(c for _, c in chosen)
            result[code] = sum(v for v, _ in chosen) / count if count else None
        else:
            result[code] = sum(float(value) for value in present) if present else None
    return result


def indicator_totals(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> IndicatorValues:
    """Every indicator of the unit rolled up at a date (see the module's rules)."""
    unit = get_unit(unit_code, engine)
    indicators = unit_indicators(unit, engine)
    parts = _parts(unit, as_of, indicators, engine)
    return _combine(indicators, list(parts.children.values()), parts.own.get(unit.code))


def indicators_by_child(unit_code: str, as_of: dt.date, engine: Engine | None = None) -> list[ChildIndicatorValues]:
    """One row per child unit with every indicator rolled up (None where nothing was reported)."""
    unit = get_unit(unit_code, engine)
    indicators = unit_indicators(unit, engine)
    children = child_units(unit.code, engine)
    parts = _parts(unit, as_of, indicators, engine, [child.code for child in children])
    return [{"code": child.code, "name": child.name,
             **_combine(indicators, [parts.children[child.code]] if child.code in parts.children else [],
                        parts.own.get(child.code))}
            for child in children]


def indicator_trend(unit_code: str, as_of: dt.date, months: int = 6,
                    engine: Engine | None = None) -> list[DatedIndicatorValues]:
    """Every indicator rolled up at each of the last `months` month ends (state on that date): `indicator_totals`
    at each, its rolled-up sums read from the summary in one pass when it may be read (the nation, a province)."""
    days = month_ends_with_data(as_of, months, engine)
    unit = get_unit(unit_code, engine)
    indicators = unit_indicators(unit, engine)
    rolled = _rolled_partials_on(unit, days, indicators, engine)
    if rolled is None:
        return [{"date": day, **values} for day, values in on_days(indicator_totals, unit_code, days, engine)]
    own = _own_values_on(unit, days, indicators, [unit.code], engine)
    trend: list[DatedIndicatorValues] = []
    for day, rolled_at_day, own_at_day in zip(days, rolled, own):  # "latest" indicators per day (none of NQ57's)
        parts = _parts(unit, day, indicators, engine, rolled=rolled_at_day, own=own_at_day)
        trend.append({"date": day, **_combine(indicators, list(parts.children.values()), parts.own.get(unit.code))})
    return trend


def _parts_on(unit: UnitInfo, days: list[dt.date], indicators: tuple[IndicatorDef, ...], children: list[str],
              engine: Engine | None) -> list[Parts]:
    """`_parts(unit, day, indicators, engine, children)` at each of `days`. The nation's per province: its
    rolled-up partials from the summary in one pass (`_rolled_partials_on`, what `_rolled_partials` reads per
    province at each day) and its and its provinces' own values in one statement. Elsewhere each day as before:
    the summary holds a province's sums as a whole, not its communes' (a province's series is per commune), and
    a commune's are live; and so wherever the summary may not be read (`indicator_rollups.partials_on`: None)."""
    rolled = _rolled_partials_on(unit, days, indicators, engine) if unit.level == "national" else None
    if rolled is None:
        return [parts for _, parts in on_days(lambda code, day, eng: _parts(unit, day, indicators, eng, children),
                                              unit.code, days, engine)]
    own = _own_values_on(unit, days, indicators, [unit.code, *children], engine)
    # "latest" indicators per day (none of NQ57's)
    return [_parts(unit, day, indicators, engine, children, rolled=rolled_at_day, own=own_at_day)
            for day, rolled_at_day, own_at_day in zip(days, rolled, own)]


def indicator_series(unit_code: str, indicator_code: str, as_of: dt.date, months: int,
                     engine: Engine | None = None) -> IndicatorSeries:
    """One indicator at each of the last `months` month ends, for the unit (the same value as
    `indicator_totals` at each date) and for each unit below it (as `indicators_by_child`): the nation's read
    from the summary in one pass when it may be read (`_parts_on`)."""
    unit = get_unit(unit_code, engine)
    available = unit_indicators(unit, engine)
    indicators = tuple(i for i in available if i.code == indicator_code)
    if indicators and indicators[0].rollup == "population_weighted":
        # the weights: population comes along (its own figure is not asked for)
        indicators = (*indicators, *(i for i in available if i.code == WEIGHT))
    children = [child.code for child in child_units(unit.code, engine)] if unit.level != "commune" else []
    days = month_ends_with_data(as_of, months, engine)
    series: IndicatorSeries = {"dates": days, "unit": [], "children": {c: [] for c in children}}
    for parts in _parts_on(unit, days, indicators, children, engine):
        series["unit"].append(_combine(indicators, list(parts.children.values()),
                                       parts.own.get(unit.code)).get(indicator_code))
        for child in children:
            series["children"][child].append(
                _combine(indicators, [parts.children[child]] if child in parts.children else [],
                         parts.own.get(child)).get(indicator_code))
    return series


def per_inhabitants(value: float | None, population: float | None) -> float | None:
    """A count per 100,000 inhabitants of the same unit at the same date."""
    return PER_INHABITANTS * value / population if value is not None and population else None


def json_number(code: str, value: float | None, indicator: IndicatorDef | None = None) -> float | int | None:
    """An indicator's value as the command line prints it: counts of whole things whole, the rest to
    two decimals (or the indicator's own decimals when it has more). `indicator` defaults to the
    seeded definition of `code`."""
    indicator = indicator or INDICATOR_BY_CODE.get(code)
    if value is None:
        return None
    if indicator is not None and indicator.plausible.integer and indicator.rollup == "sum":
        return int(round(value))
    return round(value, max(2, indicator.decimals if indicator else 2))


def display(indicator: IndicatorDef, value: float | None, lang: str) -> str:
    """An indicator's value as pages and decks show it: a percentage or a number, with its decimals."""
    if indicator.percent:
        return format_percent(value, lang, indicator.decimals)
    return format_number(value, lang, indicator.decimals)


def added_indicators(indicators: tuple[IndicatorDef, ...], page: str) -> tuple[IndicatorDef, ...]:
    """The catalogue's indicators beyond the ten NQ57 ones that a page ("infrastructure" or
    "ecosystem", which also shows the population group) and its deck slide chart after their own."""
    groups = {"infrastructure": ("infrastructure",), "ecosystem": ("ecosystem", "population")}[page]
    return tuple(i for i in indicators if not i.builtin and i.group in groups)
