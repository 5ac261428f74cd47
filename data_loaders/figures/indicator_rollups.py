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
  computed set-based from the values (windows over each commune's periods of the indicator and of
  its population: the state at each period, minus the state at the period before).

A province's partial sums at a date are `SUM(change) WHERE day <= date`; the nation's are its
provinces'. "latest" and "none" indicators (none of the ten NQ57 ones) and commune-level figures keep
their live definition.

Maintenance, as figures/rollups.py does for the tasks: every writer of indicator values that goes
through the application (an import, ingest/commit.py, on both backends; a withdrawal,
ingest/withdraw.py; the web form goes through the import) calls `before_writes` / `after_writes`
around its writes in its transaction, naming the communes and indicators it wrote: the summary rows
of their provinces and indicators (every indicator of the province when populations were written:
they weigh the percentages) are recomputed. Database triggers count every statement that writes
`indicator_value` (`rollup_state` row "indicators"); a write around the application leaves the count
unequal, the figures then use their live definition, and the next maintained write rebuilds the whole
summary (`rebuild_database`; migration 0021 backfills it).

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
    union_all,
)

from data_loaders.figures import rollups, sources
from data_loaders.figures.scope import UnitInfo, child_key, scope_filter
from data_loaders.store.models import AdminUnit, IndicatorRollup, IndicatorValue, RollupState, UploadedValueRows

INDICATORS = "indicators"  # the rollup_state row of the indicator summary
WEIGHT = "population"  # what population_weighted percentages are weighted by (figures/indicators.py WEIGHT)
CHUNK = 2000
SUMS = ("total", "reported", "weighted", "weight", "weighed")
ENVIRONMENT = "NQ57_INDICATOR_SUMMARY"


# --- maintaining --------------------------------------------------------------------------------


def _values(provinces: list[str] | None, codes: list[str] | None, since: dt.date | None, name: str):
    """The communes' values (unit_code, province_code, code, period, value) of the given provinces and
    indicators (every one with None); with `since`, only those dated from it on and, of each commune
    and indicator, the latest before it (the state the changes from `since` on start from). A named CTE:
    read twice, PostgreSQL computes it once."""
    value, unit = IndicatorValue.__table__, AdminUnit.__table__
    where = [unit.c.level == "commune"]
    if provinces is not None:
        where.append(unit.c.province_code.in_(provinces))
    if codes is not None:
        where.append(value.c.indicator_code.in_(codes))
    columns = (value.c.unit_code, unit.c.province_code, value.c.indicator_code.label("code"), value.c.period,
               value.c.value)
    rows = select(*columns).join(unit, unit.c.code == value.c.unit_code).where(*where)
    if since is None:
        return rows.cte(name)
    before = (select(value.c.unit_code, value.c.indicator_code, func.max(value.c.period).label("period"))
              .join(unit, unit.c.code == value.c.unit_code).where(*where, value.c.period < since)
              .group_by(value.c.unit_code, value.c.indicator_code).subquery("before"))
    prior = (select(*columns).join(unit, unit.c.code == value.c.unit_code)
             .join(before, and_(before.c.unit_code == value.c.unit_code,
                                before.c.indicator_code == value.c.indicator_code, before.c.period == value.c.period)))
    return union_all(rows.where(value.c.period >= since), prior).cte(name)


def _changes(provinces: list[str] | None, codes: list[str] | None, since: dt.date | None = None):
    """SELECT of the summary rows (province_code, indicator_code, day, *SUMS) of the given provinces and
    indicators (every one with None), of the days from `since` on (every day with None)."""
    no_value = cast(null(), Float)
    # each commune's values of an indicator (x) and, on the same timeline, its populations (p)
    values = _values(provinces, codes, since, "value_row").c
    own = select(values.unit_code, values.province_code, values.code, values.period, values.value.label("x"),
                 no_value.label("p"), literal(1).label("is_x"))
    pairs = select(values.unit_code, values.province_code, values.code).distinct().subquery("pair").c
    populations = _values(provinces, [WEIGHT], since, "population_row")
    weights = (select(pairs.unit_code, pairs.province_code, pairs.code, populations.c.period, no_value.label("x"),
                      populations.c.value.label("p"), literal(0).label("is_x"))
               .join(populations, populations.c.unit_code == pairs.unit_code))
    t = union_all(own, weights).subquery("timeline").c
    series = {"partition_by": (t.unit_code, t.code), "order_by": t.period}
    # how many of the indicator's (of the population's) rows up to each period, that period's included:
    # the rows of one count carry the value of the row that began it
    numbered = select(t.unit_code, t.province_code, t.code, t.period, t.x, t.p,
                      func.sum(t.is_x).over(**series).label("gx"),
                      func.sum(1 - t.is_x).over(**series).label("gp")).subquery("numbered").c
    carried = select(numbered.unit_code, numbered.province_code, numbered.code, numbered.period,
                     func.max(numbered.x).over(partition_by=(numbered.unit_code, numbered.code, numbered.gx))
                     .label("xv"),
                     func.max(numbered.p).over(partition_by=(numbered.unit_code, numbered.code, numbered.gp))
                     .label("pv")).subquery("carried").c
    keys = (carried.unit_code, carried.province_code, carried.code, carried.period)
    state = select(*keys, func.max(carried.xv).label("xv"), func.max(carried.pv).label("pv")).group_by(*keys) \
        .subquery("state").c
    both = and_(state.xv.is_not(None), state.pv.is_not(None))
    counted = select(state.unit_code, state.province_code, state.code, state.period,
                     func.coalesce(state.xv, 0.0).label("total"),
                     case((state.xv.is_not(None), 1), else_=0).label("reported"),
                     case((both, state.xv * state.pv), else_=0.0).label("weighted"),
                     case((both, state.pv), else_=0.0).label("weight"),
                     case((both, 1), else_=0).label("weighed")).subquery("counted").c
    before = {"partition_by": (counted.unit_code, counted.code), "order_by": counted.period}
    change = select(counted.province_code, counted.code, counted.period,
                    *((counted[name] - func.coalesce(func.lag(counted[name]).over(**before), 0)).label(name)
                      for name in SUMS)).subquery("change").c
    group = (change.province_code, change.code, change.period)
    sums = [func.sum(change[name]) for name in SUMS]
    query = (select(*group, *(total.label(name) for total, name in zip(sums, SUMS)))
             .group_by(*group).having(or_(*(total != 0 for total in sums))))
    if since is not None:  # the state before it was only where the changes start from
        query = query.where(change.period >= since)
    return query


_COLUMNS = ("province_code", "indicator_code", "day", *SUMS)


def refresh(conn: Connection, provinces: Iterable[str], codes: Iterable[str] | None,
            since: dt.date | None = None) -> None:
    """Recompute the summary rows of these provinces and indicators (all of them with None, and when
    populations are among them) from the day `since` on (no value before it was written; every day with
    None), in the caller's transaction."""
    provinces = sorted(set(provinces))
    codes = None if codes is None else sorted(set(codes))
    if not provinces or codes == []:
        return
    if codes is not None and WEIGHT in codes:
        codes = None  # populations weigh every percentage of the province
    table = IndicatorRollup.__table__
    clear = delete(table).where(table.c.province_code.in_(provinces))
    if codes is not None:
        clear = clear.where(table.c.indicator_code.in_(codes))
    if since is not None:
        clear = clear.where(table.c.day >= since)
    conn.execute(clear)
    conn.execute(insert(table).from_select(_COLUMNS, _changes(provinces, codes, since)))


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
    conn.execute(insert(table).from_select(_COLUMNS, _changes(None, None)))
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

    def touched(self, pairs: Iterable[tuple[str, str]], periods: Iterable[dt.date]) -> None:
        """(indicator code, unit code) pairs written, and periods written (or a set holding them all)."""
        for indicator_code, unit_code in pairs:
            self.indicator_codes.add(indicator_code)
            self.unit_codes.add(unit_code)
        earliest = min(periods, default=None)
        if earliest is not None:
            self.since = earliest if self.since is None else min(self.since, earliest)


@contextlib.contextmanager
def maintained(conn: Connection) -> Iterator[Maintenance]:
    """`before_writes` and `after_writes` around the writes inside (the pairs named by `touched`)."""
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
    current, or the unit is a commune: the caller computes the live definition."""
    if unit.level not in ("national", "province") or not codes or not usable(engine):
        return None
    rollup = IndicatorRollup
    query = (select(rollup.province_code, rollup.indicator_code,
                    *(func.sum(getattr(rollup, name)).label(name) for name in SUMS))
             .where(rollup.day <= as_of, rollup.indicator_code.in_(codes))
             .group_by(rollup.province_code, rollup.indicator_code))
    if unit.level == "province":
        query = query.where(rollup.province_code == unit.code)
    rows = rollups.rows_if_current(engine, query, is_current)
    if rows is None:
        return None
    found: dict[str, dict[str, Sums]] = {}
    for row in rows:
        found.setdefault(row.province_code, {})[row.indicator_code] = (
            float(row.total or 0), int(row.reported or 0), float(row.weighted or 0), float(row.weight or 0),
            int(row.weighed or 0))
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
    if rows is None:
        return None
    found: dict[str, int] = {}
    for row in rows:
        found[row.child] = found.get(row.child, 0) + int(row.rows or 0)
    return {code: count for code, count in found.items() if count}


__all__ = ["Maintenance", "after_writes", "before_writes", "maintained", "partials", "provinces_of", "rebuild",
           "count_uploaded_rows", "rebuild_database", "refresh", "uploaded_rows", "usable"]
