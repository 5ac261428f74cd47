"""Figures computed once per data version and shared by every app process through the database.

National rollups at scale take seconds; each process's st.cache_data would pay that again, and the
first leader after an upload would wait. Here a figure is stored with the data version it was
computed at, so any process (and `warm()`, run after an upload commits) fills it for all. An entry
for an older version is simply recomputed and overwritten: nothing is ever invalidated by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any, Callable

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from data_loaders.figures import queries
from data_loaders.figures.accountability import default_since
from data_loaders.i18n import DEFAULT_LANGUAGE
from data_loaders.store.models import RollupCache
from data_loaders.store.settings import get_settings

# The slow, scope-wide figures worth a round trip to share; lookups of single units stay local.
SHARED_QUERIES = frozenset({
    "task_status", "task_status_by_child", "task_status_by", "task_list", "task_filter_options",
    "indicator_totals", "indicators_by_child", "indicator_trend", "task_status_trend",
    "warnings", "quality", "accountability_ranking", "overdue_buckets", "tasks_by_official",
})


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, queries.UnitInfo):
        return {"__unit__": dataclasses.asdict(value)}
    raise TypeError(f"cannot store {type(value).__name__} in the rollup cache")


def _decode(value: dict) -> Any:
    if "__date__" in value:
        return dt.date.fromisoformat(value["__date__"])
    if "__datetime__" in value:
        return dt.datetime.fromisoformat(value["__datetime__"])
    if "__unit__" in value:
        return queries.UnitInfo(**value["__unit__"])
    return value


def cache_key(query_name: str, args: tuple) -> str:
    text = json.dumps([query_name, list(args)], default=_encode, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached_call(engine: Engine, version: int, query_name: str, args: tuple,
                compute: Callable[[], Any] | None = None) -> Any:
    """The stored result of `queries.<query_name>(*args)` at `version`, computing and storing it
    when there is none yet."""
    key = cache_key(query_name, args)
    with engine.connect() as conn:
        row = conn.execute(select(RollupCache.data_version, RollupCache.payload).where(RollupCache.key == key)).first()
    if row is not None and row.data_version == version:
        return json.loads(row.payload, object_hook=_decode)
    result = compute() if compute else getattr(queries, query_name)(*args, engine=engine)
    payload = json.dumps(result, default=_encode, ensure_ascii=False)
    try:
        with engine.begin() as conn:
            conn.execute(delete(RollupCache).where(RollupCache.key == key))
            conn.execute(RollupCache.__table__.insert().values(
                key=key, data_version=version, payload=payload, computed_at=dt.datetime.now(dt.timezone.utc)))
    except IntegrityError:
        pass  # another process stored the same figure at the same moment: theirs is as good
    # Return what a later reader will get, so the first and every later call agree exactly.
    return json.loads(payload, object_hook=_decode)


def page_calls(unit_code: str, as_of: dt.date, months: int = 6, *, settings: dict | None = None,
               earliest: dt.date | None = None, lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, tuple]]:
    """The shared figures the monitoring pages (and the presentation, which shows them all) ask for
    on opening a unit at a date, with the same arguments the pages pass (tests/test_rollup_cache.py
    checks they stay in step). With `settings`, also the warnings, quality and accountability figures,
    which are keyed on the thresholds (and the warnings on the language)."""
    judged = [] if settings is None else [
        ("warnings", (unit_code, as_of, lang, settings)),
        ("quality", (unit_code, as_of, settings)),
        ("overdue_buckets", (unit_code, as_of)),
        ("tasks_by_official", (unit_code, as_of)),
        *(("accountability_ranking", (unit_code, as_of, default_since(as_of, earliest), by))
          for by in ("lead_agency", "child")),
    ]
    return judged + [
        ("task_status", (unit_code, as_of)),
        ("task_status", (unit_code, queries.month_ends(as_of, months)[0])),  # the presentation's "since"
        ("task_status_trend", (unit_code, as_of, months)),
        ("indicator_totals", (unit_code, as_of)),
        ("indicator_trend", (unit_code, as_of, months)),
        ("task_status_by_child", (unit_code, as_of)),
        ("task_status_by", (unit_code, as_of, "area")),
        ("task_status_by", (unit_code, as_of, "lead_agency")),
        ("task_list", (unit_code, as_of)),
        ("task_filter_options", (unit_code, as_of)),
        ("indicators_by_child", (unit_code, as_of)),
    ]


def warm(engine: Engine, version: int, unit_codes: list[str] | None = None) -> int:
    """Compute the pages' figures at the latest data date for the nation (and `unit_codes`), so
    the first leader after an upload does not wait; drops entries of older versions. Returns the
    number of figures computed."""
    as_of = queries.latest_data_date(engine)
    if as_of is None:
        return 0
    with engine.begin() as conn:
        conn.execute(delete(RollupCache).where(RollupCache.data_version < version))
    computed = 0
    settings, earliest = get_settings(engine), queries.earliest_data_date(engine)
    for unit_code in ["VN", *(unit_codes or [])]:
        for query_name, args in page_calls(unit_code, as_of, settings=settings, earliest=earliest):
            cached_call(engine, version, query_name, args)
            computed += 1
    return computed
