"""The app's figures: every page reads them through these typed functions, one per figure of the
metric layer (data_loaders/figures), each cached with st.cache_data on (database, data version).

The data version (the id of the latest committed upload) is read once per script run, so every app
process behind a load balancer sees a new upload at once without any cross-process cache clearing;
`data_loaders.figures.cache.read` decides whether a figure is shared with the other processes
through the database or computed here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import threading
from typing import Any, Callable, NamedTuple, TypeVar

import streamlit as st
from sqlalchemy import Engine

from data_loaders.figures import (
    accountability,
    cache,
    data_quality,
    dti,
    early_warnings,
    indicators,
    plans,
    scope,
    sources,
    targets,
    tasks,
)
from data_loaders.figures.accountability import RankedRow
from data_loaders.figures.dti import DtiRow
from data_loaders.figures.early_warnings import WarningsSummary
from data_loaders.figures.headline import Summary
from data_loaders.figures.headline import summary as _summary
from data_loaders.figures.indicators import ChildIndicatorValues, DatedIndicatorValues, IndicatorValues
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.tasks import ChildTaskStatus, DatedTaskStatus, GroupTaskStatus, TaskRow, TaskStatus
from data_loaders.i18n.text import fold
from data_loaders.ingest.templates import prefilled_tasks
from data_loaders.seed import bootstrap
from data_loaders.store import engine as db
from data_loaders.store.catalogue import IndicatorDef
from data_loaders.store.indicator_catalogue import indicator_catalogue as indicator_catalogue_of
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.store.settings import get_settings

Result = TypeVar("Result")


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """Migrate, and seed the sample into an empty database, once per process."""
    return bootstrap.ensure_ready()


def read_engine() -> Engine:
    """Where figures are read: DATABASE_READ_URL (a streaming replica) if set, else the primary."""
    return db.read_engine_for(engine())


_VERSION_KEY = "_nq57_data_version"
_UNITS_REVISION_KEY = "_nq57_units_revision"
_DECISIONS_KEY = "_nq57_decisions_version"
_THIS_RUN_KEY = "_nq57_this_run"


def refresh_data_version() -> int:
    """Read the data version once per script run (app.py calls this first on every run), where the
    figures are read, so a lagging replica's figures are never cached under a newer version. Starts the
    run's own reads afresh (`this_run`)."""
    read = db.versions(read_engine())
    st.session_state[_VERSION_KEY] = read.data
    st.session_state[_UNITS_REVISION_KEY] = read.units
    st.session_state[_DECISIONS_KEY] = read.decisions
    st.session_state[_THIS_RUN_KEY] = {}
    return read.data


def this_run() -> dict:
    """Reads kept for the rest of this script run only (the settings, the signed-in account): a run asks
    for them a dozen times, and each run reads them afresh, so a change made anywhere shows on the next."""
    return st.session_state.setdefault(_THIS_RUN_KEY, {})


def settings() -> dict:
    """Every setting (store/settings.py) as read at this run's first use: a copy, the caller's to change."""
    run = this_run()
    if "settings" not in run:
        run["settings"] = get_settings(engine())
    return dict(run["settings"])


def data_version() -> int:
    version = st.session_state.get(_VERSION_KEY)
    return refresh_data_version() if version is None else version


def units_revision() -> int:
    """The administrative units' revision (store/engine.py `versions`), read with the data version."""
    if _UNITS_REVISION_KEY not in st.session_state:
        refresh_data_version()
    return st.session_state[_UNITS_REVISION_KEY]


def decisions_version() -> int:
    """The latest approval step (ingest/approvals.py `decisions_version`), read with the data version."""
    if _DECISIONS_KEY not in st.session_state:
        refresh_data_version()
    return st.session_state[_DECISIONS_KEY]


def counted() -> str:
    """What this run's figures count (figures/sources.py): the mode of the data version they are read at."""
    return sources.mode_of_version(data_version())


def digest(*values: Any) -> str:
    """A cache key part standing for `values` (plain data: figures' arguments and results): their pickle's
    digest. st.cache_data hashes each argument in Python on every call — 1 ms for a settings dict, 40 ms for a
    warnings summary — where pickling takes microseconds; equal values pickle alike (a dict in another order
    only misses the cache)."""
    return hashlib.md5(pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL), usedforsecurity=False).hexdigest()


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached(name: str, database: str, version: int, arguments: str, _figure: Callable[..., Any], _args: tuple,
            _filters: tuple) -> Any:
    # `name`, `database`, `version` and `arguments` (the digest of the arguments and filters) are the key: an
    # entry never outlives the data it was computed from, nor crosses to another database. The underscored
    # parameters (not hashed) are the function named and the arguments digested.
    return cache.read(_figure, read_engine(), version, *_args, **dict(_filters))


def read(figure: Callable[..., Result], *args: Any, **filters: Any) -> Result:
    """`figure(*args, **filters)` of the metric layer (filters: `plan=`; None is no filter), cached for
    this database at the current data version."""
    chosen = tuple(sorted((name, value) for name, value in filters.items() if value is not None))
    return _cached(cache.figure_name(figure), str(engine().url), data_version(), digest(args, chosen), figure, args,
                   chosen)


def reader() -> Callable[..., Any]:
    """`read`, for code that takes a figure reader (the presentation's slides)."""
    return read


# --- units and dates ------------------------------------------------------------------------------


# A unit and the data's dates are read a score of times a run (the drill path, the breadcrumb, the date picker,
# each download's file name): immutable (UnitInfo is frozen), they are kept in the process as they are,
# under the same key as every figure, instead of st.cache_data's hashing and copying on each read.
_KEPT: dict[tuple, Any] = {}
# What depends on the administrative units only (names, the drill path, the sidebar's 3,355 search labels) is
# kept per revision of the units, not per data version: an upload leaves it as it is in every process.
_UNITS: dict[tuple, Any] = {}
# The presentation's built slides and their charts' specs (components/slideshow.py): 30–70 KB each, so a few
# hundred, not the 10,000 small values of the others.
_SLIDES: dict[tuple, Any] = {}
SLIDES_KEPT = 400
# Display frames of long tables (a nation's 5,000 tasks: 80 ms to build, on every run of the tasks page).
_TABLES: dict[tuple, Any] = {}
TABLES_KEPT = 64


def _keep_in(store: dict[tuple, Any], key: tuple, build: Callable[[], Result], limit: int = 10_000) -> Result:
    try:
        return store[key]
    except KeyError:
        value = build()
        if len(store) >= limit:  # a few versions' worth of every unit
            store.clear()
        store[key] = value
        return value


def keep(name: str, build: Callable[[], Result], *args: Any) -> Result:
    """`build()` kept in this process under (name, args) for this database at the current data version, as it
    is: for values nobody changes (a copy on each read, as st.cache_data makes, costs more than they do)."""
    return _keep_in(_KEPT, (name, str(engine().url), data_version(), args), build)


def keep_slide(name: str, build: Callable[[], Result], *args: Any) -> Result:
    """`keep`, for the presentation's slides and chart specs: the last `SLIDES_KEPT` of them."""
    return _keep_in(_SLIDES, (name, str(engine().url), data_version(), args), build, SLIDES_KEPT)


def keep_table(name: str, build: Callable[[], Result], *args: Any) -> Result:
    """`keep`, for a long table's display frame (read only: st.dataframe and the downloads copy what they
    change): the last `TABLES_KEPT` of them."""
    return _keep_in(_TABLES, (name, str(engine().url), data_version(), args), build, TABLES_KEPT)


def keep_per_units(name: str, build: Callable[[], Result], *args: Any) -> Result:
    """`keep`, for values that depend on the administrative units only: kept until the units change."""
    return _keep_in(_UNITS, (name, str(engine().url), units_revision(), args), build)


def _kept(figure: Callable[..., Result], *args: Any) -> Result:
    return keep(cache.figure_name(figure), lambda: read(figure, *args), *args)


def _unit_figure(figure: Callable[..., Result], *args: Any) -> Result:
    """A figure of the units (data_loaders/figures/scope.py), kept per revision of the units."""
    return keep_per_units(cache.figure_name(figure), lambda: figure(*args, engine=read_engine()), *args)


# The largest reads (a nation's 50,000 tasks for the report form and their search texts) kept in the process as
# they are, the last few only: st.cache_data would copy them on every run. One lock per key: the sessions opening
# the same list at once wait for one read.
_LARGE: dict[tuple, Any] = {}
_LARGE_LOCKS: dict[tuple, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()
LARGE_KEPT = 64  # a few dozen lists (the provinces' report forms), of a few data versions


def keep_large(key: tuple, compute: Callable[[], Result]) -> Result:
    """`compute()` kept under `key` (which names the database and data version) as it is; read only."""
    with _LOCKS_LOCK:
        lock = _LARGE_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key not in _LARGE:
            value = compute()
            with _LOCKS_LOCK:
                if len(_LARGE) >= LARGE_KEPT:
                    _LARGE.clear()
                    _LARGE_LOCKS.clear()
                _LARGE[key] = value
        return _LARGE[key]


def clear_kept(units: bool = True) -> None:
    """Forget what this process keeps beside st.cache_data (the benchmarks' cold runs); `units=False` keeps
    what depends on the units only, as an upload does."""
    _KEPT.clear()
    _LARGE.clear()
    _SLIDES.clear()
    _TABLES.clear()
    if units:
        _UNITS.clear()


# Read only, as every kept value: a page that needs another list makes its own.


def get_unit(code: str) -> UnitInfo:
    return _unit_figure(scope.get_unit, code)


def unit_path(code: str) -> list[UnitInfo]:
    return _unit_figure(scope.unit_path, code)


def child_units(code: str) -> list[UnitInfo]:
    return _unit_figure(scope.child_units, code)


def unit_coordinates(code: str) -> dict[str, tuple[float | None, float | None]]:
    return _unit_figure(scope.unit_coordinates, code)


def units_for_search() -> list[dict]:
    return _unit_figure(scope.units_for_search)


def latest_data_date() -> dt.date | None:
    return _kept(scope.latest_data_date)


def earliest_data_date() -> dt.date | None:
    return _kept(scope.earliest_data_date)


def holds_sample_data() -> bool:
    return _kept(scope.holds_sample_data)


def default_comparison_date(as_of: dt.date) -> dt.date:
    """The date changes are measured from when nobody chose one (the same for every page)."""
    from data_loaders.figures.definitions import default_comparison_date as rule

    return rule(as_of, earliest_data_date())


# --- tasks ----------------------------------------------------------------------------------------


def visible_plans(unit_code: str) -> list[plans.PlanInfo]:
    """The plans a unit sees (national plans, then its province's programmes): the plan filter's choices."""
    return read(plans.visible_plans, unit_code)


def summary(unit_code: str, as_of: dt.date | None = None) -> Summary:
    return read(_summary, unit_code, as_of)


# `plan`: the plan filter (None: the national plans, scope.counted_tasks), a code visible_plans offers


def task_status(unit_code: str, as_of: dt.date, plan: str | None = None) -> TaskStatus:
    return read(tasks.task_status, unit_code, as_of, plan=plan)


def task_status_by_child(unit_code: str, as_of: dt.date, plan: str | None = None) -> list[ChildTaskStatus]:
    return read(tasks.task_status_by_child, unit_code, as_of, plan=plan)


def task_status_by(unit_code: str, as_of: dt.date, group: str, plan: str | None = None) -> list[GroupTaskStatus]:
    return read(tasks.task_status_by, unit_code, as_of, group, plan=plan)


def task_list(unit_code: str, as_of: dt.date, *filters: Any) -> list[TaskRow]:
    """Positional filters as data_loaders.figures.tasks.task_list takes them (status, plan, area, lead_agency)."""
    return read(tasks.task_list, unit_code, as_of, *filters)


def task_detail(task_code: str) -> dict | None:
    return read(tasks.task_detail, task_code)


def task_filter_options(unit_code: str, as_of: dt.date, plan: str | None = None) -> dict[str, list[str]]:
    return read(tasks.task_filter_options, unit_code, as_of, plan=plan)


def task_status_trend(unit_code: str, as_of: dt.date, months: int = cache.TREND_MONTHS,
                      plan: str | None = None) -> list[DatedTaskStatus]:
    return read(tasks.task_status_trend, unit_code, as_of, months, plan=plan)


# --- indicators -----------------------------------------------------------------------------------


def indicator_totals(unit_code: str, as_of: dt.date) -> IndicatorValues:
    return read(indicators.indicator_totals, unit_code, as_of)


def indicators_by_child(unit_code: str, as_of: dt.date) -> list[ChildIndicatorValues]:
    return read(indicators.indicators_by_child, unit_code, as_of)


def indicator_trend(unit_code: str, as_of: dt.date, months: int = cache.TREND_MONTHS) -> list[DatedIndicatorValues]:
    return read(indicators.indicator_trend, unit_code, as_of, months)


def targets_in_force() -> list[targets.TargetInForce]:
    """Every target in force (setting or removing one moves the data version this is cached on)."""
    return read(targets.targets_in_force)


def target_status(unit_code: str, as_of: dt.date) -> dict[str, targets.TargetStatus]:
    """Each indicator of the unit that has a target: its value at the date against it, met or not."""
    return _target_status(str(engine().url), data_version(), unit_code, as_of)


@st.cache_data(show_spinner=False, max_entries=500)
def _target_status(database: str, version: int, unit_code: str, as_of: dt.date) -> dict[str, targets.TargetStatus]:
    # Cached like a figure: assessing reads the catalogue and each indicator's definition (a few ms each,
    # on every run of three pages) from the cached totals and targets.
    return targets.target_status(unit_code, as_of, indicator_totals(unit_code, as_of), engine=read_engine(),
                                 targets=targets_in_force())


def target_for(indicator_code: str, unit_code: str) -> targets.TargetInForce | None:
    """The target a unit's indicator is measured against (its own, its province's or the nation's)."""
    return targets.resolve(targets_in_force(), indicator_code, get_unit(unit_code))[0]


def targets_for(unit_code: str, indicator_codes) -> list[targets.TargetInForce]:
    """The targets of those of the indicators that have one for the unit (what a trend chart draws)."""
    return [target for code in indicator_codes if (target := target_for(code, unit_code)) is not None]


# --- warnings, accountability, quality (keyed on the thresholds: pass get_settings()'s dict) -------


def warnings_summary(unit_code: str, as_of: dt.date, settings: dict, plan: str | None = None) -> WarningsSummary:
    """The unit's most urgent warnings (early_warnings.HEAD of them), how many there are and of each kind; with
    `plan`, its task warnings only."""
    return read(early_warnings.warnings_summary, unit_code, as_of, settings, early_warnings.HEAD, plan=plan)


def warnings_head(unit_code: str, as_of: dt.date, settings: dict, count: int) -> WarningsSummary:
    """The `count` (at most early_warnings.HEAD) most urgent warnings, the total and the counts per kind: what
    the overview and the leader's board show, from the small summary (a nation has thousands of warnings)."""
    summary = warnings_summary(unit_code, as_of, settings)
    return {**summary, "warnings": summary["warnings"][:count]}


def warnings_shown(unit_code: str, as_of: dt.date, settings: dict, plan: str | None, kinds: list[str] | None,
                   count: int) -> WarningsSummary:
    """The first `count` warnings of `kinds` (None: every kind): the warnings page, a page more at each "show
    more". The summary the overview reads when it holds them (every kind, no more than its HEAD), else a summary
    of their own (nationally 9,500 warnings sorted out, `count` of them built)."""
    if kinds is None and count <= early_warnings.HEAD:
        return warnings_summary(unit_code, as_of, settings, plan)
    chosen = None if kinds is None else [kind for kind in early_warnings.KINDS if kind in kinds]
    return read(early_warnings.warnings_summary, unit_code, as_of, settings, count, plan=plan, kinds=chosen)


def quality(unit_code: str, as_of: dt.date, settings: dict) -> data_quality.Quality:
    return read(data_quality.quality, unit_code, as_of, settings)


def accountability_ranking(unit_code: str, as_of: dt.date, since: dt.date, by: str,
                           plan: str | None = None) -> list[RankedRow]:
    return read(accountability.rank_change, unit_code, as_of, since, by, plan=plan)


def overdue_buckets(unit_code: str, as_of: dt.date, plan: str | None = None) -> dict[str, int]:
    return read(accountability.overdue_buckets, unit_code, as_of, plan=plan)


def tasks_by_official(unit_code: str, as_of: dt.date, plan: str | None = None) -> list[dict]:
    return read(accountability.by_official, unit_code, as_of, plan=plan)


def official_tasks(unit_code: str, as_of: dt.date, official: str, plan: str | None = None) -> list[dict]:
    return read(accountability.official_tasks, unit_code, as_of, official, plan=plan)


# --- the indicator catalogue ----------------------------------------------------------------------


def indicator_catalogue(scope: str | None = NATIONAL_CODE, *,
                        include_retired: bool = False) -> tuple[IndicatorDef, ...]:
    """The catalogue's indicators visible at `scope` (a unit code; None: every province's own too),
    at the current data version (store/indicator_catalogue.py). Kept as it is: frozen definitions, read a
    dozen times a run."""
    return keep("indicator_catalogue", lambda: indicator_catalogue_of(read_engine(), scope=scope,
                                                                      include_retired=include_retired,
                                                                      version=data_version()),
                scope, include_retired)


def indicator_definitions() -> dict[str, IndicatorDef]:
    """Every indicator of the catalogue by code, retired and every province's own too (read only)."""
    return keep("indicator_definitions", lambda: {i.code: i for i in indicator_catalogue(None, include_retired=True)})


def dti_ranking(unit_code: str, as_of: dt.date, plan: str | None = None) -> list[DtiRow]:
    """The provinces' DTI beside their on-time task rate (figures/dti.py)."""
    return read(dti.ranking_beside_tasks, unit_code, as_of, plan=plan)


# --- reporting in the browser ---------------------------------------------------------------------


class ReportableTask(NamedTuple):
    """A task the online form lists for a new report, with its latest report."""
    code: str
    title: str
    owner_name: str
    reported_status: str | None
    progress_pct: float | None


def tasks_to_report(scope_code: str, agency: str | None, today: dt.date) -> tuple[ReportableTask, ...]:
    """The tasks a reporter of `scope_code` (and `agency`) may report on (ingest.templates.prefilled_tasks),
    by code, at the current data version."""
    def read_tasks() -> tuple[ReportableTask, ...]:
        return tuple(ReportableTask(row["code"], row["title"], row["owner_name"], row["reported_status"],
                                    row["progress_pct"])
                     for row in prefilled_tasks(scope_code, agency, today, engine=engine()))

    return keep_large(("tasks", str(engine().url), data_version(), scope_code, agency, today), read_tasks)


def task_search_texts(scope_code: str, agency: str | None, today: dt.date) -> tuple[str, ...]:
    """Each task of `tasks_to_report` (same order): its code, title and unit as i18n.text.fold makes them
    (lower case, no diacritics); made on the first search, not on opening the form."""
    def texts() -> tuple[str, ...]:
        return tuple(fold(f"{task.code} {task.title} {task.owner_name}")
                     for task in tasks_to_report(scope_code, agency, today))

    return keep_large(("search", str(engine().url), data_version(), scope_code, agency, today), texts)
