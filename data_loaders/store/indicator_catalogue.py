"""The indicator catalogue as every reader sees it: one accessor, `indicator_catalogue`.

The catalogue lives in the `indicator` table (seeded with store/catalogue.py's ten NQ57 indicators;
administrators add, retire and delete through identity/indicators.py). Templates, the import, the
figures, the command line, pages and decks all read it here, so an indicator added in the database
appears everywhere without a code change.

The rows are read once per (database, data version) and process: a catalogue change writes an audit
entry that moves the data version (store/engine.py), so every process sees it on its next read.

Scope: a national indicator (no owner) is visible everywhere; a province's own indicator is visible
to that province, its communes and the full catalogue (scope None, what an administrator or an
unrestricted import sees), never at another province nor in the national views ("VN"), which stay
as they are whatever the provinces add.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import OrderedDict
from typing import Iterator

from sqlalchemy import Engine, select

from data_loaders.store import engine as db
from data_loaders.store.catalogue import INDICATOR_BY_CODE, IndicatorDef, Plausible
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Indicator

_CACHE: OrderedDict[tuple[str, int], tuple[IndicatorDef, ...]] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()
# The data version a figure is being computed at (figures/cache.py `read`), for its engine: the catalogue lookups
# inside it (a dozen per warnings summary) read that version's catalogue without asking the database each time.
_KNOWN_VERSION: contextvars.ContextVar[tuple[Engine, int] | None] = contextvars.ContextVar(
    "nq57_catalogue_version", default=None)


@contextlib.contextmanager
def at_version(engine: Engine, version: int) -> Iterator[None]:
    """Inside, the catalogue of `engine` is the one at data `version` (the caller read it) without a query."""
    token = _KNOWN_VERSION.set((engine, version))
    try:
        yield
    finally:
        _KNOWN_VERSION.reset(token)


def _definition(row: Indicator) -> IndicatorDef:
    from data_loaders.store.catalogue import BUILTIN_CODES

    return IndicatorDef(
        code=row.code, vi=row.name_vi, en=row.name_en, unit_vi=row.unit_vi, unit_en=row.unit_en,
        rollup=row.rollup, group=row.group,
        plausible=Plausible(float(row.minimum), float(row.maximum), integer=bool(row.integer)),
        decimals=int(row.decimals), higher_is_better=bool(row.higher_is_better), frequency=row.frequency,
        levels=tuple(level for level in row.reporting_levels.split(",") if level),
        owner_province_code=row.owner_province_code, retired=row.retired_at is not None,
        sort_order=int(row.sort_order), builtin=row.code in BUILTIN_CODES)


def _all(engine: Engine, version: int | None) -> tuple[IndicatorDef, ...]:
    if version is None:
        known = _KNOWN_VERSION.get()
        version = known[1] if known is not None and known[0] is engine else db.data_version(engine)
    key = (engine.url.render_as_string(hide_password=True), version)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with db.session_factory(engine)() as session:
        rows = session.execute(select(Indicator).order_by(Indicator.sort_order, Indicator.code)).scalars().all()
        catalogue = tuple(_definition(row) for row in rows)
    with _LOCK:
        _CACHE[key] = catalogue
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return catalogue


def province_of(unit_code: str, engine: Engine) -> str | None:
    """The province a unit belongs to (itself for a province; None for the nation or an unknown code)."""
    if unit_code == NATIONAL_CODE:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(AdminUnit.level, AdminUnit.province_code).where(AdminUnit.code == unit_code)).first()
    if row is None:
        return None
    return unit_code if row.level == "province" else row.province_code


def visible_at(indicator: IndicatorDef, province_code: str | None, everything: bool) -> bool:
    return everything or indicator.owner_province_code is None or indicator.owner_province_code == province_code


def indicator_catalogue(engine: Engine | None = None, *, scope: str | None = None, include_retired: bool = False,
                        version: int | None = None) -> tuple[IndicatorDef, ...]:
    """The catalogue: the active indicators (with `include_retired`, the retired ones too) visible at
    `scope` — None: every indicator; "VN": the national ones; a province or commune code: the
    national ones and that province's own. `version` (the caller's data version) saves a query."""
    engine = engine or db.get_engine()
    catalogue = _all(engine, version)
    if scope is None:
        return tuple(i for i in catalogue if include_retired or not i.retired)
    province = province_of(scope, engine) if any(i.owner_province_code for i in catalogue) else None
    return tuple(i for i in catalogue
                 if (include_retired or not i.retired) and visible_at(i, province, everything=False))


def indicator_by_code(engine: Engine | None = None, *, version: int | None = None) -> dict[str, IndicatorDef]:
    """Every indicator of the database by code, retired ones and every province's own too."""
    return {i.code: i for i in indicator_catalogue(engine, include_retired=True, version=version)}


def definition(code: str, engine: Engine | None = None) -> IndicatorDef | None:
    """One indicator's definition by code (None: no such indicator). The ten built-in indicators can be
    neither changed, retired nor deleted, so theirs is the seed's without a query; any other is read
    from the catalogue of `engine` (the app's database when None)."""
    if code in INDICATOR_BY_CODE:
        return INDICATOR_BY_CODE[code]
    return indicator_by_code(engine).get(code)
