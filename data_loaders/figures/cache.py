"""How every consumer reads a figure: one code path, keyed on the data version.

`read(figure, engine, version, *args)` is the only place that decides how a figure is obtained. The
slow, scope-wide figures (`SHARED`) are stored in the database with the data version they were
computed at, so any app process — and `warm()`, which runs after an upload commits — computes each
once for all; an entry of an older version is recomputed and overwritten, nothing is invalidated by
hand. Never twice at once: a figure being computed is locked (`single_flight`) and whoever asks for it
meanwhile waits and reads the stored result. The others (single-unit lookups) are simply computed.
The app wraps `read` in st.cache_data keyed on the database and data version (components/cached.py);
decks and the command line call it through a `Reader`. Every process reads the version from the
database on each run, so a new upload is seen everywhere at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import threading
import weakref
from typing import Any, Callable, Iterator, TypeVar

import orjson
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import IntegrityError

from data_loaders.figures import accountability, data_quality, dti, early_warnings, sources, tasks
from data_loaders.figures.bulk import collection_held
from data_loaders.figures.definitions import default_comparison_date
from data_loaders.figures.indicators import indicator_series, indicator_totals, indicator_trend, indicators_by_child
from data_loaders.figures.scope import UnitInfo, earliest_data_date, latest_data_date
from data_loaders.store import engine as db
from data_loaders.store import indicator_catalogue
from data_loaders.store.models import RollupCache
from data_loaders.store.settings import get_settings

try:
    import fcntl
except ImportError:  # not on Windows: there, SQLite's figures are single-flight within a process only
    fcntl = None

Result = TypeVar("Result")
log = logging.getLogger("nq57.figures")
TREND_MONTHS = 6  # the months of every trend chart and slide
# Part of every key: bump it when a stored figure's shape changes (2: warnings name the task's title and
# province and group the communes per province; 3: a task warning names its plan; 4: off-target warnings
# per indicator with a target; 5: without a plan filter the task figures count the national plans only,
# not the provinces' own programmes; 6: the officials' table counts its most days overdue over every task and
# carries no tasks: official_tasks lists an official's), so entries stored by older code are not read back.
REVISION = 6

# The slow, scope-wide figures worth a round trip to share; lookups of single units stay local.
SHARED: frozenset[Callable] = frozenset({
    tasks.task_status, tasks.task_status_by_child, tasks.task_status_by, tasks.task_list,
    tasks.task_filter_options, tasks.task_status_trend,
    indicator_totals, indicators_by_child, indicator_trend, indicator_series,
    early_warnings.warnings, early_warnings.warnings_summary, early_warnings.warning_keys,
    data_quality.quality, accountability.ranking, accountability.rank_change, accountability.overdue_buckets,
    accountability.by_official, dti.ranking_beside_tasks,
})


def figure_name(figure: Callable) -> str:
    return f"{figure.__module__}.{figure.__qualname__}"


# --- storing results as JSON ------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, UnitInfo):
        return {"__unit__": dataclasses.asdict(value)}
    raise TypeError(f"cannot store {type(value).__name__} in the rollup cache")


def _decode(value: dict) -> Any:
    if "__date__" in value:
        return dt.date.fromisoformat(value["__date__"])
    if "__datetime__" in value:
        return dt.datetime.fromisoformat(value["__datetime__"])
    if "__unit__" in value:
        return UnitInfo(**value["__unit__"])
    return value


# orjson writes and reads a payload 5–10× faster than json (a nation's 9,516 warnings, 7.75 MB: 0.31 → 0.03 s to
# write, 0.28 → 0.06 s to read), the larger part of the first view after an upload. Dates, times and units go to
# `_encode` as before (passed through), so the stored text means what json's did; keys that are not strings
# (ints) become strings as json makes them. Memory: reading those warnings leaves the process 17 MB larger than
# json did (2 MB) once they are freed; msgspec reads as fast with 11 MB, but cannot tag dates when it writes.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
_TAGS = tuple(f'"__{name}__"' for name in ("date", "datetime", "unit"))


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=_encode, option=_ORJSON_OPTIONS).decode("utf-8")


def _loads(payload: str) -> Any:
    """A stored payload as every process reads it: orjson, or json with `_decode` where a tagged date, time or
    unit may be in it (orjson has no object hook; most large figures hold none). Without cyclic collection
    (figures/bulk.py): a nation's warnings are 100,000 small dicts and lists, which started collections of
    everything the app process holds (in a page: 0.06 s read alone, ~0.3 s)."""
    with collection_held():
        if any(tag in payload for tag in _TAGS):
            return json.loads(payload, object_hook=_decode)
        return orjson.loads(payload)


def cache_key(figure: Callable, args: tuple, filters: dict | None = None) -> str:
    """The figure and its arguments (the settings dict in any order) as a stable hash. `filters` are
    the keyword filters (`plan=`) a figure was asked with; without any the key is as it always was."""
    key = [REVISION, figure_name(figure), list(args)]
    if filters:
        key.append(filters)
    text = json.dumps(key, default=_encode, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compute(figure: Callable[..., Result], engine: Engine, args: tuple, filters: dict) -> Result:
    return figure(*args, engine=engine, **filters)


# Figures that are another figure's result taken apart: `warm` derives them from it when it computes both (the
# warnings summary and keys of the full list, nationally 0.6 s each otherwise), each stored as `read` would
# store it. Keyed by the derived figure: (the figure it is taken from, how, from that figure's result and the
# derived figure's arguments; the first three arguments of both are the same: unit, date, settings).
DERIVED: dict[Callable, tuple[Callable, Callable[[Any, tuple], Any]]] = {
    early_warnings.warnings_summary: (early_warnings.warnings,
                                      lambda full, args: early_warnings.summary_of(full, *args[3:])),
    early_warnings.warning_keys: (early_warnings.warnings, lambda full, args: early_warnings.keys_of(full)),
}
_TAKEN_APART = frozenset(source for source, _ in DERIVED.values())


def _stored(engine: Engine, key: str, version: int) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(select(RollupCache.data_version, RollupCache.payload).where(RollupCache.key == key)).first()
    return row.payload if row is not None and row.data_version == version else None


def _shared(figure: Callable[..., Result], engine: Engine, version: int, args: tuple, filters: dict,
            compute: Callable[[], Result] | None = None) -> Result:
    """`read` of a shared figure; `compute`: how to obtain it when it is not stored (else the figure itself)."""
    key = cache_key(figure, args, filters)
    payload = _stored(engine, key, version)
    if payload is None:
        # Single flight: one computation per figure at a time across every thread and process; whoever
        # waited reads the result the winner stored instead of computing it again.
        with single_flight(engine, key):
            payload = _stored(db.primary_for(engine), key, version)
            if payload is None:
                payload = _dumps(_compute(figure, engine, args, filters) if compute is None else compute())
                _store(engine, key, version, payload)
    # Return what a later reader will get, so the first and every later call agree exactly.
    return _loads(payload)


def _store(engine: Engine, key: str, version: int, payload: str) -> None:
    try:
        with db.primary_for(engine).begin() as conn:  # read from a replica, stored on the primary
            conn.execute(delete(RollupCache).where(RollupCache.key == key))
            conn.execute(RollupCache.__table__.insert().values(
                key=key, data_version=version, payload=payload, computed_at=dt.datetime.now(dt.timezone.utc)))
    except IntegrityError:
        pass  # stored at the same moment by a process that did not wait (a lock it could not take)


# --- single flight ------------------------------------------------------------------------------

_LOCKS_GUARD = threading.Lock()
_THREAD_LOCKS: weakref.WeakValueDictionary[tuple[str, str], threading.Lock] = weakref.WeakValueDictionary()
_LOCK_FILES: dict[str, int] = {}
_LOCK_SPACE = 2**31 - 1  # byte offsets of the SQLite lock file: one per key (a collision only serialises two keys)


@contextlib.contextmanager
def single_flight(engine: Engine, key: str) -> Iterator[None]:
    """Hold the computation of cache `key` for this database against every other thread and process.

    Threads of one process queue on a lock of their own first (so a process waits with at most one
    database connection per key); across processes, PostgreSQL's session advisory lock on the key's
    first 60 bits (on the primary, where the result is stored; released with the connection should the
    process die), and on SQLite an fcntl lock on one byte of a lock file beside the database (released
    by the system when the process ends; one descriptor per process, never closed, since closing any
    descriptor of a file drops every lock the process holds on it). Figures that read other figures
    (the accountability ranking) take their locks in the order of that dependency, never the reverse."""
    primary = db.primary_for(engine)
    url = primary.url.render_as_string(hide_password=True)
    with _LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.get((url, key))
        if thread_lock is None:
            thread_lock = _THREAD_LOCKS[(url, key)] = threading.Lock()
    with thread_lock:
        if primary.dialect.name == "postgresql":
            with _advisory_lock(primary, key):
                yield
        else:
            with _file_lock(primary, key):
                yield


@contextlib.contextmanager
def _advisory_lock(engine: Engine, key: str) -> Iterator[None]:
    lock_id = int(key[:15], 16)  # 60 bits: never the import lock's small number
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
        conn.commit()  # a session lock: no transaction stays open while the figure is computed
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                conn.commit()
            except Exception:  # noqa: BLE001 - never back to the pool holding the lock: closing releases it
                log.warning("releasing the figure lock failed; its connection is closed", exc_info=True)
                conn.invalidate()


@contextlib.contextmanager
def _file_lock(engine: Engine, key: str) -> Iterator[None]:
    database = engine.url.database
    if fcntl is None or not database or database == ":memory:":  # one process only: the thread lock is enough
        yield
        return
    path = f"{database}.figure-locks"
    with _LOCKS_GUARD:
        descriptor = _LOCK_FILES.get(path)
        if descriptor is None:
            descriptor = _LOCK_FILES[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    offset = int(key[:15], 16) % _LOCK_SPACE
    fcntl.lockf(descriptor, fcntl.LOCK_EX, 1, offset)
    try:
        yield
    finally:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, offset)


def read(figure: Callable[..., Result], engine: Engine, version: int, *args: Any, **filters: Any) -> Result:
    """`figure(*args, **filters)` on `engine` at data `version`: shared through the database when it
    is one of the slow figures, else computed. Filters left at None are left out (the same figure
    and key as without them). The figure counts what the version says (figures/sources.py: approved
    submissions only when it is negative), so a cached figure and the version it is stored under agree."""
    filters = {name: value for name, value in filters.items() if value is not None}
    # what the version was read to count, and the indicator catalogue at that version
    with sources.counting(sources.mode_of_version(version)), indicator_catalogue.at_version(engine, version):
        if figure in SHARED:
            return _shared(figure, engine, version, args, filters)
        return figure(*args, engine=engine, **filters)


class Reader:
    """Figures of one database at its current data version, for decks and the command line:
    `reader(tasks.task_status, "68", day)`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.version = db.data_version(engine)

    def __call__(self, figure: Callable[..., Result], *args: Any, **filters: Any) -> Result:
        return read(figure, self.engine, self.version, *args, **filters)


# --- warming after an upload --------------------------------------------------------------------


def page_calls(unit_code: str, as_of: dt.date, *, settings: dict | None = None,
               earliest: dt.date | None = None) -> list[tuple[Callable, tuple]]:
    """The shared figures the monitoring pages and the presentation ask for on opening a unit at a
    date, with the arguments they pass (tests check they stay in step). With `settings`, also the
    warnings, quality and accountability figures, which are keyed on the thresholds."""
    since = default_comparison_date(as_of, earliest)
    judged = [] if settings is None else [
        (early_warnings.warnings, (unit_code, as_of, settings)),  # the inbox (new warnings past the head)
        (early_warnings.warnings_summary, (unit_code, as_of, settings, early_warnings.HEAD)),  # overview, board, deck
        (early_warnings.warning_keys, (unit_code, as_of, settings)),  # the inbox (with the summary's head)
        (data_quality.quality, (unit_code, as_of, settings)),
        (accountability.overdue_buckets, (unit_code, as_of)),
        (accountability.by_official, (unit_code, as_of)),
        *((accountability.rank_change, (unit_code, as_of, since, by)) for by in accountability.GROUPINGS),
        (dti.ranking_beside_tasks, (unit_code, as_of)),  # the accountability page's DTI section
    ]
    return judged + [
        (tasks.task_status, (unit_code, as_of)),
        (tasks.task_status, (unit_code, since)),  # the presentation's comparison
        (tasks.task_status_trend, (unit_code, as_of, TREND_MONTHS)),
        (indicator_totals, (unit_code, as_of)),
        (indicator_totals, (unit_code, since)),
        (indicator_trend, (unit_code, as_of, TREND_MONTHS)),
        (tasks.task_status_by_child, (unit_code, as_of)),
        (tasks.task_status_by, (unit_code, as_of, "area")),
        (tasks.task_status_by, (unit_code, as_of, "lead_agency")),
        (tasks.task_status_by, (unit_code, as_of, "plan")),
        (tasks.task_list, (unit_code, as_of)),
        (tasks.task_filter_options, (unit_code, as_of)),
        (indicators_by_child, (unit_code, as_of)),
    ]


def warm(engine: Engine, version: int, unit_codes: list[str] | None = None) -> int:
    """Compute the pages' figures at the latest data date for the nation (and `unit_codes`), so
    the first leader after an upload does not wait; drops entries of older versions. Returns the
    number of figures computed."""
    as_of = latest_data_date(engine)
    if as_of is None:
        return 0
    # older versions: smaller ones; in approved-only mode (negative versions, figures/sources.py) the
    # ones nearer zero, and every entry of the other mode
    older = RollupCache.data_version < version if version >= 0 else RollupCache.data_version > version
    with engine.begin() as conn:
        conn.execute(delete(RollupCache).where(older))
    computed = 0
    settings, earliest = get_settings(engine), earliest_data_date(engine)
    for unit_code in ["VN", *(unit_codes or [])]:
        results: dict[str, Any] = {}  # the results a DERIVED figure is taken from, by their cache key
        for figure, args in page_calls(unit_code, as_of, settings=settings, earliest=earliest):
            source, derive = DERIVED.get(figure, (None, None))
            full = results.get(cache_key(source, args[:3])) if source is not None else None
            if full is not None:
                with sources.counting(sources.mode_of_version(version)):  # as `read` does
                    _shared(figure, engine, version, args, {}, functools.partial(derive, full, args))
            else:
                result = read(figure, engine, version, *args)
                if figure in _TAKEN_APART:
                    results[cache_key(figure, args)] = result
            computed += 1
    return computed


