"""The UI side of the data line: `st.cache_data` around data_loaders.queries.

Every cached call is keyed on the database's data version (the id of the latest committed upload),
read afresh on each run, so every app process behind a load balancer sees a new upload at once
without any cross-process cache clearing.
"""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from data_loaders.figures import cache as rollup_cache
from data_loaders.figures import queries
from data_loaders.seed import bootstrap
from data_loaders.store import engine as db


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """Migrate, and seed the sample into an empty database, once per process."""
    return bootstrap.ensure_ready()


_VERSION_KEY = "_nq57_data_version"


def refresh_data_version() -> int:
    """Read the data version once per script run (app.py calls this first on every run)."""
    version = db.data_version(engine())
    st.session_state[_VERSION_KEY] = version
    return version


def data_version() -> int:
    version = st.session_state.get(_VERSION_KEY)
    return refresh_data_version() if version is None else version


@st.cache_data(show_spinner=False, max_entries=2000)
def _run(query_name: str, database: str, version: int, args: tuple) -> Any:
    # `database` and `version` are the cache key, so an entry never outlives the data it was
    # computed from, nor crosses to another database. Slow scope-wide figures are also shared with
    # the other app processes through the database (data_loaders/rollup_cache.py).
    if query_name in rollup_cache.SHARED_QUERIES:
        return rollup_cache.cached_call(engine(), version, query_name, args)
    return getattr(queries, query_name)(*args, engine=engine())


def warm_in_background() -> None:
    """After an upload commits: compute the national figures for every process to share, in a
    thread, so the first leader to open the dashboard does not wait for them."""
    current = engine()
    version = db.data_version(current)
    threading.Thread(target=rollup_cache.warm, args=(current, version), name="nq57-warm", daemon=True).start()


def _query(query_name: str):
    def call(*args: Any) -> Any:
        return _run(query_name, str(engine().url), data_version(), args)

    call.__name__ = query_name
    call.__doc__ = getattr(queries, query_name).__doc__
    return call


get_unit = _query("get_unit")
unit_path = _query("unit_path")
child_units = _query("child_units")
latest_data_date = _query("latest_data_date")
earliest_data_date = _query("earliest_data_date")
summary = _query("summary")
task_status = _query("task_status")
task_status_by_child = _query("task_status_by_child")
task_status_by = _query("task_status_by")
task_list = _query("task_list")
task_detail = _query("task_detail")
task_filter_options = _query("task_filter_options")
indicator_totals = _query("indicator_totals")
indicators_by_child = _query("indicators_by_child")
indicator_trend = _query("indicator_trend")
task_status_trend = _query("task_status_trend")
units_for_search = _query("units_for_search")
unit_coordinates = _query("unit_coordinates")
holds_sample_data = _query("holds_sample_data")

# warnings, accountability, quality (issue 5); pass get_settings()'s dict so a changed threshold is a new key
warnings = _query("warnings")
quality = _query("quality")
accountability_ranking = _query("accountability_ranking")
overdue_buckets = _query("overdue_buckets")
tasks_by_official = _query("tasks_by_official")
