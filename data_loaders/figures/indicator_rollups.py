"""Indicator figures maintained at commit (issue 17, item 4): the national and provincial indicator
figures read a small summary instead of finding every commune's latest value among a million.

The definition stays figures/indicators.py's: a commune counts at a date with its latest value on or
before it; a "sum" adds the communes' values, an "average" divides Σ value by the communes reporting,
a "population_weighted" percentage divides Σ value × population by Σ population over the communes
that have both (each commune's latest population on or before the same date). A province's partial
sums are therefore step functions of the date, changing only on the periods its communes reported
(the indicator's, or their population's), so they are kept as changes:

- `indicator_rollup`: per province, indicator and day, how the province's Σ value, communes
  reporting, Σ value × population, Σ population and communes with both change that day. It is
  computed set-based from the values: Σ value and the communes reporting, for every indicator, from
  each commune's value minus its value before (a window over the commune's periods of the indicator);
  the three weighted sums for the population-weighted indicators only (every other indicator's are
  zero: nothing reads them), from windows over each commune's periods of the indicator and of its
  population (the state at each period, minus the state at the period before).

A province's partial sums at a date are `SUM(change) WHERE day <= date`; the nation's are its
provinces'. "latest" and "none" indicators (none of the ten NQ57 ones) and commune-level figures keep
their live definition.

Maintenance, as figures/rollups.py does for the tasks: every writer of indicator values that goes
through the application (an import, ingest/commit.py, on both backends; a withdrawal,
ingest/withdraw.py; the web form goes through the import) calls `before_writes` / `after_writes`
around its writes in its transaction, naming the communes and indicators it wrote and the earliest
period written: the summary rows of their provinces and indicators (and of the population-weighted
ones when populations were written: they weigh them) are recomputed from that day on, each commune
starting from its latest value before it (one probe of the unique index per commune and indicator,
not a read of the province's history; nothing at all when the province has no value before it).
Database triggers count every statement that writes `indicator_value` (`rollup_state` row
"indicators"); a write around the application leaves the count unequal, the figures then use their
live definition, and the next maintained write rebuilds the whole summary (`rebuild_database`;
migration 0021 backfills it).

The summary counts what is submitted: in approved-only mode (figures/sources.py), inside
`rollups.live()` and with NQ57_INDICATOR_SUMMARY=0 the figures keep their live definition."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from typing import Iterable, Iterator

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from data_loaders.figures import rollups, sources
from data_loaders.figures.scope import UnitInfo, child_key, scope_filter
from data_loaders.store.models import (
    AdminUnit,
    Indicator,
    IndicatorRollup,
    IndicatorValue,
    RollupState,
    UploadedValueRows,
)

INDICATORS = "indicators"  # the rollup_state row of the indicator summary
WEIGHT = "population"  # what population_weighted percentages are weighted by (figures/indicators.py WEIGHT)
WEIGHTED = "population_weighted"  # the rollup of the indicators weighted by it (store/catalogue.py ROLLUPS)
CHUNK = 2000
SUMS = ("total", "reported", "weighted", "weight", "weighed")
ENVIRONMENT = "NQ57_INDICATOR_SUMMARY"


# --- maintaining --------------------------------------------------------------------------------


def weighted_codes(conn: Connection) -> list[str]:
    """The indicators weighted by population (figures/indicators.py), whose summary rows carry the
    weighted sums. An indicator's rollup is chosen when it is added and kept while it has values
    (identity/indicators.py: no change of rollup; a deletion only without values)."""
    return sorted(conn.execute(select(Indicator.code).where(Indicator.rollup == WEIGHTED)).scalars())


def _stored(provinces: list[str] | None, codes: list[str] | None, since: dt.date | None, name: str):
    """The communes' values (unit_code, province_code, code, period, value) of the given provinces and
    indicators (every one with None), from `since` on (all of them with None). A named CTE: read several
    times, PostgreSQL computes it once."""
    value, unit = IndicatorValue.__table__, AdminUnit.__table__
    where = [unit.c.level == "commune"]
    if provinces is not None:
        where.append(unit.c.province_code.in_(provinces))
    if codes is not None:
        where.append(value.c.indicator_code.in_(codes))
    if since is not None:
        where.append(value.c.period >= since)
    return (select(value.c.unit_code, unit.c.province_code, value.c.indicator_code.label("code"), value.c.period,
                   value.c.value)
            .join(unit, unit.c.code == value.c.unit_code).where(*where).cte(name))


def _latest_before(pairs, since: dt.date, name: str, lateral: bool, indicator: str | None = None):
    """Of each (unit_code, province_code, code) of `pairs`, the latest value of its indicator (of
    `indicator` if given) stored before `since`, as (unit_code, province_code, code, period, value): one
    backward probe of the (indicator_code, unit_code, period) unique index per pair, not a read of the
    whole history. `lateral` (PostgreSQL): the probe is a LATERAL subquery giving the row; otherwise
    (SQLite) a correlated subquery gives its period, and the row is looked up by its key."""
    probe = IndicatorValue.__table__.alias(f"{name}_probe")
    code = pairs.c.code if indicator is None else literal(indicator)
    latest = (select(probe.c.period, probe.c.value)
              .where(probe.c.indicator_code == code, probe.c.unit_code == pairs.c.unit_code, probe.c.period < since)
              .order_by(probe.c.period.desc()).limit(1))
    if lateral:
        found = latest.lateral(name)
        return (select(pairs.c.unit_code, pairs.c.province_code, pairs.c.code, found.c.period, found.c.value)
                .select_from(pairs).join(found, true()))
    stored = IndicatorValue.__table__.alias(name)
    period = latest.with_only_columns(probe.c.period).scalar_subquery()
    probed = select(pairs.c.unit_code, pairs.c.province_code, pairs.c.code, period.label("period")) \
        .subquery(f"{name}_period").c
    return (select(probed.unit_code, probed.province_code, probed.code, probed.period, stored.c.value)
            .join(stored, and_(stored.c.indicator_code == (probed.code if indicator is None else code),
                               stored.c.unit_code == probed.unit_code, stored.c.period == probed.period)))


def _counted(values, since: dt.date | None, lateral: bool):
    """Σ value and communes reporting, every indicator: a commune's value changes the province's sum by
    its difference from the commune's value before it (its latest before `since` probed), and the
    communes reporting by one at its first."""
    series = values
    if since is not None:
        pairs = select(values.c.unit_code, values.c.province_code, values.c.code).distinct().subquery("value_pair")
        series = union_all(select(values), _latest_before(pairs, since, "value_before", lateral)) \
            .subquery("value_series")
    # in the order of the (indicator_code, unit_code, period) unique index: SQLite reads it sorted
    previous = func.lag(series.c.value).over(partition_by=(series.c.code, series.c.unit_code),
                                             order_by=series.c.period)
    lagged = select(series.c.province_code, series.c.code, series.c.period, series.c.value,
                    previous.label("previous")).subquery("value_change").c
    zero = cast(literal(0.0), Float)
    query = select(lagged.province_code, lagged.code, lagged.period,
                   (lagged.value - func.coalesce(lagged.previous, 0.0)).label("total"),
                   case((lagged.previous.is_(None), 1), else_=0).label("reported"),
                   zero.label("weighted"), zero.label("weight"), literal(0).label("weighed"))
    return query if since is None else query.where(lagged.period >= since)


def _weighed(provinces: list[str] | None, weighted: list[str], since: dt.date | None, lateral: bool):
    """Σ value × population, Σ population and the communes with both, the percentages weighted by
    population only: each commune's values of the indicator (x) and its populations (p) on one timeline,
    a row per period (windows carry the latest of each forward), the state at each period minus the
    state at the one before; with `since`, the communes whose value or population changes from it on,
    each starting from its latest before it."""
    no_value = cast(null(), Float)
    own = _stored(provinces, weighted, since, "weighted_row").c
    populations = _stored(provinces, [WEIGHT], since, "population_row").c
    pairs = select(own.unit_code, own.province_code, own.code)
    if since is not None:  # a population from `since` on changes the commune's every percentage
        pairs = pairs.union(select(populations.unit_code, populations.province_code, Indicator.code)
                            .join(Indicator, Indicator.code.in_(weighted)))
    else:
        pairs = pairs.distinct()
    pairs = pairs.cte("weighted_pair")
    values = select(own.unit_code, own.province_code, own.code, own.period, own.value)
    people = select(populations.unit_code, populations.period, populations.value)
    if since is not None:
        values = union_all(values, _latest_before(pairs, since, "weighted_before", lateral))
        units = select(pairs.c.unit_code, pairs.c.province_code, literal(WEIGHT).label("code")).distinct() \
            .subquery("weighted_unit")
        prior = _latest_before(units, since, "population_before", lateral, WEIGHT).subquery("population_prior").c
        people = union_all(people, select(prior.unit_code, prior.period, prior.value))
    values, people = values.subquery("weighted_value").c, people.subquery("population_value")
    merged = union_all(
        select(values.code, values.unit_code, values.period, values.province_code, values.value.label("x"),
               no_value.label("p")),
        select(pairs.c.code, pairs.c.unit_code, people.c.period, pairs.c.province_code, no_value.label("x"),
               people.c.value.label("p")).join(people, people.c.unit_code == pairs.c.unit_code)).subquery("merged").c
    keys = (merged.code, merged.unit_code, merged.period, merged.province_code)
    timeline = select(*keys, func.max(merged.x).label("x"), func.max(merged.p).label("p")).group_by(*keys) \
        .subquery("timeline").c
    series = {"partition_by": (timeline.code, timeline.unit_code), "order_by": timeline.period}
    # how many values of the indicator (of the population) up to each period, that period's included:
    # the periods of one count carry the value of the period that began it
    numbered = select(timeline.code, timeline.unit_code, timeline.period, timeline.province_code, timeline.x,
                      timeline.p, func.count(timeline.x).over(**series).label("gx"),
                      func.count(timeline.p).over(**series).label("gp")).subquery("numbered").c
    carried = select(numbered.code, numbered.unit_code, numbered.period, numbered.province_code,
                     func.max(numbered.x).over(partition_by=(numbered.code, numbered.unit_code, numbered.gx))
                     .label("xv"),
                     func.max(numbered.p).over(partition_by=(numbered.code, numbered.unit_code, numbered.gp))
                     .label("pv")).subquery("carried").c
    both = and_(carried.xv.is_not(None), carried.pv.is_not(None))
    state = select(carried.code, carried.unit_code, carried.period, carried.province_code,
                   case((both, carried.xv * carried.pv), else_=0.0).label("weighted"),
                   case((both, carried.pv), else_=0.0).label("weight"),
                   case((both, 1), else_=0).label("weighed")).subquery("weighed_state").c
    before = {"partition_by": (state.code, state.unit_code), "order_by": state.period}
    change = select(state.province_code, state.code, state.period,
                    *((state[name] - func.coalesce(func.lag(state[name]).over(**before), 0)).label(name)
                      for name in ("weighted", "weight", "weighed"))).subquery("weighed_change").c
    zero = cast(literal(0.0), Float)
    query = select(change.province_code, change.code, change.period, zero.label("total"), literal(0).label("reported"),
                   change.weighted, change.weight, change.weighed)
    return query if since is None else query.where(change.period >= since)


def _changes(provinces: list[str] | None, codes: list[str] | None, weighted: list[str],
             since: dt.date | None = None, lateral: bool = False):
    """SELECT of the summary rows (province_code, indicator_code, day, *SUMS) of the given provinces and
    indicators (every one with None), of the days from `since` on (every day with None); `weighted`: the
    population-weighted indicators (`weighted_codes`), the only ones whose weighted sums are kept."""
    values = _stored(provinces, codes, since, "value_row")
    parts = [_counted(values, since, lateral)]
    weighted = [code for code in weighted if codes is None or code in codes]
    if weighted:
        parts.append(_weighed(provinces, weighted, since, lateral))
    change = union_all(*parts).subquery("change").c
    group = (change.province_code, change.code, change.period)
    sums = [func.sum(change[name]) for name in SUMS]
    return (select(*group, *(total.label(name) for total, name in zip(sums, SUMS)))
            .group_by(*group).having(or_(*(total != 0 for total in sums))))


_COLUMNS = ("province_code", "indicator_code", "day", *SUMS)


def refresh(conn: Connection, provinces: Iterable[str], codes: Iterable[str] | None,
            since: dt.date | None = None) -> None:
    """Recompute the summary rows of these provinces and indicators (all of them with None; with
    populations, the population-weighted ones too) from the day `since` on (no value before it was
    written; every day with None), in the caller's transaction."""
    provinces = sorted(set(provinces))
    codes = None if codes is None else sorted(set(codes))
    if not provinces or codes == []:
        return
    weighted = weighted_codes(conn)
    if codes is not None and WEIGHT in codes:
        codes = sorted(set(codes) | set(weighted))  # populations weigh the province's percentages
    table = IndicatorRollup.__table__
    clear = delete(table).where(table.c.province_code.in_(provinces))
    if codes is not None:
        clear = clear.where(table.c.indicator_code.in_(codes))
    if since is not None:
        clear = clear.where(table.c.day >= since)
        # nothing summed before `since` in these provinces (the summary is current: a commune's first value
        # of any indicator adds a reporting commune on its day): no value before it to start from
        if conn.execute(select(table.c.day).where(table.c.province_code.in_(provinces), table.c.day < since)
                        .limit(1)).first() is None:
            since = None
    conn.execute(clear)
    conn.execute(insert(table).from_select(_COLUMNS, _changes(provinces, codes, weighted, since,
                                                              lateral=conn.dialect.name == "postgresql")))


def count_uploaded_rows(conn: Connection, unit_codes: Iterable[str] | None) -> None:
    """Recount the upload rows the values of these units (every unit with None) were stored from
    (`UploadedValueRows`: per unit and upload, its distinct source rows and whether any value has none)."""
    value, table = IndicatorValue.__table__, UploadedValueRows.__table__
    codes = None if unit_codes is None else sorted(set(unit_codes))
    chunks = [None] if codes is None else [codes[start:start + CHUNK] for start in range(0, len(codes), CHUNK)]
    for chunk in chunks:
        counted = (select(value.c.unit_code, value.c.upload_id, func.count(func.distinct(value.c.source_row)),
                          func.max(case((value.c.source_row.is_(None), 1), else_=0)))
                   .where(value.c.upload_id.is_not(None)).group_by(value.c.unit_code, value.c.upload_id))
        clear = delete(table)
        if chunk is not None:
            counted = counted.where(value.c.unit_code.in_(chunk))
            clear = clear.where(table.c.unit_code.in_(chunk))
        conn.execute(clear)
        conn.execute(insert(table).from_select(["unit_code", "upload_id", "rows", "unnumbered"], counted))


def rebuild(conn: Connection, *, uploaded_rows: bool = True) -> None:
    """The whole summary from the stored values, marked current (the migrations' backfill; after
    values were written around the application). `uploaded_rows=False`: without the uploaded rows
    (migration 0021's backfill: their table comes with 0023)."""
    table = IndicatorRollup.__table__
    conn.execute(delete(table))
    conn.execute(insert(table).from_select(_COLUMNS, _changes(None, None, weighted_codes(conn))))
    if uploaded_rows:
        count_uploaded_rows(conn, None)
    rollups.mark_current(conn, INDICATORS)


def rebuild_database(engine: Engine) -> None:
    """`rebuild` in a transaction of its own (under the import lock on PostgreSQL)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(57057)))
        rebuild(conn)


def is_current(conn: Connection) -> bool:
    row = conn.execute(select(RollupState.writes, RollupState.maintained)
                       .where(RollupState.name == INDICATORS)).first()
    return row is not None and row.writes == row.maintained


def before_writes(conn: Connection) -> bool:
    """Call in the transaction before writing indicator values: whether the summary is current."""
    return is_current(conn)


def provinces_of(conn: Connection, unit_codes: Iterable[str]) -> set[str]:
    """The provinces of the communes among `unit_codes` (values of other units are not rolled up)."""
    codes = sorted(set(unit_codes))
    found: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        found.update(conn.execute(select(AdminUnit.province_code).where(
            AdminUnit.code.in_(codes[start:start + CHUNK]), AdminUnit.level == "commune",
            AdminUnit.province_code.is_not(None)).distinct()).scalars())
    return found


def after_writes(conn: Connection, was_current: bool, unit_codes: Iterable[str],
                 indicator_codes: Iterable[str] | None, since: dt.date | None = None) -> None:
    """Call in the same transaction after the writes, with the units and indicators whose values were
    written (None: any) and the earliest period written (None: unknown): their provinces' summary rows
    from that day on are recomputed and the summary marked current — or, when it was not current before
    (values written around the application), all of it is rebuilt."""
    if was_current:
        refresh(conn, provinces_of(conn, unit_codes), indicator_codes, since)
        count_uploaded_rows(conn, unit_codes)
        rollups.mark_current(conn, INDICATORS)
    else:
        rebuild(conn)


class Maintenance:
    """What `maintained` yields: the writer names the units and indicators it wrote (`touched`)."""

    def __init__(self) -> None:
        self.unit_codes: set[str] = set()
        self.indicator_codes: set[str] = set()
        self.since: dt.date | None = None

    def touched(self, indicator_codes: Iterable[str], unit_codes: Iterable[str], periods: Iterable[dt.date]) -> None:
        """The indicators and units whose values were written, and the periods written (or a set
        holding them all)."""
        self.indicator_codes.update(indicator_codes)
        self.unit_codes.update(unit_codes)
        earliest = min(periods, default=None)
        if earliest is not None:
            self.since = earliest if self.since is None else min(self.since, earliest)


@contextlib.contextmanager
def maintained(conn: Connection) -> Iterator[Maintenance]:
    """`before_writes` and `after_writes` around the writes inside (what `touched` names)."""
    was_current = before_writes(conn)
    maintenance = Maintenance()
    yield maintenance
    after_writes(conn, was_current, maintenance.unit_codes, maintenance.indicator_codes, maintenance.since)


# --- reading --------------------------------------------------------------------------------------


def usable(engine: Engine | None) -> bool:
    """Whether the indicator figures may read the summary now: not inside `rollups.live()` nor with
    NQ57_INDICATOR_SUMMARY=0 (for comparisons: benchmarks/), and counting every submitted value
    (approved-only mode keeps the live definition)."""
    if rollups.is_live() or os.environ.get(ENVIRONMENT, "1") == "0":
        return False
    return sources.mode(engine) == sources.SUBMITTED


Sums = tuple[float, int, float, float, int]  # total, reported, weighted, weight, weighed


def partials(unit: UnitInfo, as_of: dt.date, codes: list[str],
             engine: Engine | None) -> dict[str, dict[str, Sums]] | None:
    """Per province of the scope (the nation: every province; a province: itself), each indicator's
    partial sums at `as_of` from the summary. None when the summary may not be read (`usable`), is not
    current, or the unit is a commune: the caller computes the live definition. The provinces in their codes'
    order, as `partials_on` gives them: a figure combined from them adds them in the same order either way."""
    if unit.level not in ("national", "province") or not codes or not usable(engine):
        return None
    rollup = IndicatorRollup
    query = (select(rollup.province_code, rollup.indicator_code,
                    *(func.sum(getattr(rollup, name)).label(name) for name in SUMS))
             .where(rollup.day <= as_of, rollup.indicator_code.in_(codes))
             .group_by(rollup.province_code, rollup.indicator_code)
             .order_by(rollup.province_code, rollup.indicator_code))
    rows = _province_rows(unit, query, engine)
    if rows is None:
        return None
    found: dict[str, dict[str, Sums]] = {}
    for row in rows:
        found.setdefault(row.province_code, {})[row.indicator_code] = _sums(row[2:])
    return found


def _province_rows(unit: UnitInfo, query, engine: Engine | None) -> list | None:
    """The rows of a query over the summary grouped by province, of the unit's province only at the province level
    (the nation: every province); None when the summary is not current."""
    if unit.level == "province":
        query = query.where(IndicatorRollup.province_code == unit.code)
    return rollups.rows_if_current(engine, query, is_current)


def _sums(summed) -> Sums:
    """The Sums from the summed SUMS, in their order (NULL sums: 0)."""
    total, reported, weighted, weight, weighed = (value or 0 for value in summed)
    return float(total), int(reported), float(weighted), float(weight), int(weighed)


def partials_on(unit: UnitInfo, days: list[dt.date], codes: list[str],
                engine: Engine | None) -> list[dict[str, dict[str, Sums]]] | None:
    """`partials` at each of `days` (a trend's month ends) in one pass over the summary instead of one per
    day: per province and indicator, each sum at each day as `SUM(change) WHERE day <= date` (a conditional
    sum per day: the same rows summed as `partials` sums them, so the same floating-point sums); a province
    and indicator present at the days it has rows by. None as `partials` says."""
    if unit.level not in ("national", "province") or not codes or not usable(engine):
        return None
    if not days:
        return []
    rollup = IndicatorRollup
    query = (select(rollup.province_code, rollup.indicator_code,
                    *(func.sum(case((rollup.day <= day, getattr(rollup, name)))).label(f"{name}_{index}")
                      for index, day in enumerate(days) for name in SUMS))
             .where(rollup.day <= max(days), rollup.indicator_code.in_(codes))
             .group_by(rollup.province_code, rollup.indicator_code)
             .order_by(rollup.province_code, rollup.indicator_code))
    rows = _province_rows(unit, query, engine)
    if rows is None:
        return None
    found: list[dict[str, dict[str, Sums]]] = [{} for _ in days]
    width = len(SUMS)
    for province, code, *summed in rows:
        for index, at_day in enumerate(found):
            sums = summed[index * width:(index + 1) * width]
            if sums[0] is not None:  # rows by that day (total is never NULL in a row)
                at_day.setdefault(province, {})[code] = _sums(sums)
    return found


def uploaded_rows(unit: UnitInfo, engine: Engine | None) -> dict[str, int] | None:
    """Per child of the unit (scope.child_key), the distinct upload rows its indicator values were stored
    from (figures/data_quality.py `_stored_rows`, the values' part): each unit's numbered rows (a row of an
    upload's sheet holds one unit's values), plus one per upload and child for values stored without a
    source row. None inside `rollups.live()`, with NQ57_INDICATOR_SUMMARY=0 or when the summary is not
    current. Both modes count every stored value (the scores judge what was sent)."""
    if rollups.is_live() or os.environ.get(ENVIRONMENT, "1") == "0":
        return None
    table = UploadedValueRows
    child = child_key(unit, AdminUnit).label("child")
    numbered = (select(child, func.sum(table.rows).label("rows")).select_from(table)
                .join(AdminUnit, AdminUnit.code == table.unit_code).where(scope_filter(unit, AdminUnit))
                .group_by(child))
    unnumbered = (select(child, func.count(func.distinct(table.upload_id)).label("rows")).select_from(table)
                  .join(AdminUnit, AdminUnit.code == table.unit_code)
                  .where(scope_filter(unit, AdminUnit), table.unnumbered == 1).group_by(child))
    rows = rollups.rows_if_current(engine, union_all(numbered, unnumbered), is_current)
    return None if rows is None else rollups.rows_per_child(rows)


__all__ = ["Maintenance", "after_writes", "before_writes", "maintained", "partials", "partials_on", "provinces_of",
           "rebuild", "count_uploaded_rows", "rebuild_database", "refresh", "uploaded_rows", "usable"]
