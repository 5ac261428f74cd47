"""Time every page at every level on a national-scale database, next to the raw SQL it runs.

For each backend (SQLite under benchmarks/out/, PostgreSQL with --pg), each page of the app (found
automatically: app.py's pages under pages/) and each level (the nation, province 68, a commune of it):

- page (cold): the page's script time through `AppTest` (app.py + the page, as an administrator signed in
  and opening the link `?province=68` gets it) as the first view after an upload: `st.cache_data`, what the
  process keeps per data version and the shared rollup cache emptied (what it keeps per revision of the
  administrative units stays, as an upload leaves it), median of --repeat runs;
- page (shared): a new process's first view once the figures are shared (every cache of the process empty);
- page (warm): a rerun with the caches full (what a widget click costs);
- raw SQL: the same figures of `data_loaders.figures` the page read (recorded during its run, with the
  same arguments) replayed directly, median of --repeat runs; the slowest of them is named;
- ratio = page (cold) / raw SQL; peak = peak Python allocation during a cold run (tracemalloc).

    python -m benchmarks.bench_pages                  # SQLite, generating the database if needed
    python -m benchmarks.bench_pages --pg             # and PostgreSQL ($TEST_DATABASE_URL or --pg URL)
    python -m benchmarks.bench_pages --small          # the small database: seconds, with checks
    python -m benchmarks.bench_pages --generate       # regenerate the databases first

Goal (issue 3): each page under 1 s on PostgreSQL at national scale, and within 2x its raw SQL.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import logging
import os
import secrets
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy import inspect as sa_inspect  # noqa: E402

from benchmarks import many_indicators, national_scale, reference_queries  # noqa: E402
from data_loaders import figures  # noqa: E402
from data_loaders.figures import cache as figure_cache  # noqa: E402
from data_loaders.store.engine import make_engine  # noqa: E402
from data_loaders.store.models import NATIONAL_CODE, Task  # noqa: E402

APP_FILE = PROJECT_DIR / "app.py"
PAGES_DIR = PROJECT_DIR / "pages"
PROVINCE = "68"  # Lâm Đồng
PAGE_TIMEOUT = 180  # seconds: a page run longer than this fails (AppTest raises)
# What each page ran when this benchmark was written, used only when a page's calls cannot be
# recorded (the page is missing): raw SQL is timed from the recorded calls otherwise.
PAGE_QUERIES = {
    "overview": (figures.task_status, figures.indicator_totals),
    "tasks": (figures.task_status, figures.task_status_by_child),
    "infrastructure": (figures.indicator_totals, figures.indicators_by_child),
    "ecosystem": (figures.indicator_totals, figures.indicators_by_child),
}


@dataclass
class Result:
    backend: str
    page: str
    level: str
    unit: str
    raw_ms: float | None = None
    cold_ms: float | None = None
    shared_ms: float | None = None
    warm_ms: float | None = None
    peak_mb: float | None = None
    calls: int = 0
    slowest: str = ""
    error: str = ""
    call_ms: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.error or not self.cold_ms or not self.raw_ms:
            return None
        return self.cold_ms / self.raw_ms


# --- recording the queries a page runs ---------------------------------------------------------


class QueryRecorder:
    """Records the figures a page reads: every consumer reads them through
    `data_loaders.figures.cache.read(figure, engine, version, *args)`, so wrapping that one function
    sees each (figure, args) a page asks for; figures computed inside other figures are not counted."""

    def __init__(self) -> None:
        self.original: Callable | None = None
        self.calls: list[tuple[Callable, tuple]] = []
        self.recording = False

    def install(self) -> None:
        self.original = original = figure_cache.read

        @functools.wraps(original)
        def read(figure: Callable, engine, version: int, *args: Any) -> Any:
            if self.recording:
                self.calls.append((figure, args))
            return original(figure, engine, version, *args)

        figure_cache.read = read

    @contextlib.contextmanager
    def record(self):
        self.calls = []
        self.recording = True
        try:
            yield self.calls
        finally:
            self.recording = False


def replay(calls: list[tuple[Callable, tuple]], engine, repeat: int) -> tuple[float, dict[str, float]]:
    """The raw SQL: the recorded figures computed directly (no cache of any kind). Median total time
    of the calls, and the median time of each distinct figure (by name)."""
    totals, per_call = [], {}
    for _ in range(repeat):
        total = 0.0
        for index, (figure, args) in enumerate(calls):
            started = time.perf_counter()
            figure(*args, engine=engine)
            elapsed = time.perf_counter() - started
            total += elapsed
            per_call.setdefault(f"{index}:{figure.__name__}", []).append(elapsed)
        totals.append(total)
    by_name: dict[str, float] = {}
    for key, values in per_call.items():
        name = key.split(":", 1)[1]
        by_name[name] = by_name.get(name, 0.0) + statistics.median(values) * 1000
    return statistics.median(totals) * 1000, by_name


# --- pages -------------------------------------------------------------------------------------


def discover_pages() -> list[str]:
    """Page names (file stems under pages/), in app.py's order when it lists them (then only those:
    the others are stand-ins for a link's path, pages/leader.py for pages/leader_board.py)."""
    names = sorted(path.stem for path in PAGES_DIR.glob("*.py") if not path.stem.startswith("_"))
    if APP_FILE.exists():
        text = APP_FILE.read_text(encoding="utf-8")
        names = [name for name in names if f"pages/{name}.py" in text] or names
        names.sort(key=lambda name: (text.find(f"pages/{name}.py") < 0, text.find(f"pages/{name}.py"), name))
    return names or list(PAGE_QUERIES)


class _LoggedErrors(logging.Handler):
    """The app logs a page's exception and shows a friendly message: keep the exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.messages.append(f"{type(error).__name__}: {error}")
        else:
            self.messages.append(record.getMessage())


LOGGED_ERRORS = _LoggedErrors()


def page_errors(at) -> str:
    messages = list(LOGGED_ERRORS.messages)
    for exception in at.exception:
        trace = [line for line in getattr(exception, "stack_trace", []) or [] if line.strip()]
        messages.append(trace[-1].strip() if trace else str(getattr(exception, "message", exception)))
    if not messages:
        messages = [str(getattr(e, "value", "")) for e in at.error]
    return "; ".join(m.splitlines()[0][:100] for m in messages if m)


def _clear_streamlit_caches(resources: bool = False, engine=None, units: bool = True) -> None:
    """Empty this process's caches and, given the engine, the rollup cache every process shares:
    a cold run is the first page view after an upload that nobody has warmed. `units=False` keeps what the
    process keeps per revision of the administrative units (an upload leaves it)."""
    import streamlit as st

    from components import cached

    st.cache_data.clear()
    cached.clear_kept(units=units)  # the dates, the report form's task lists (and the units) kept in the process
    if resources:
        st.cache_resource.clear()
    if engine is not None:
        from data_loaders.store.models import RollupCache

        with engine.begin() as conn:
            conn.execute(RollupCache.__table__.delete())


BENCH_USER = "bench-admin"  # pages are timed as an administrator sees them (every page, every unit)


def ensure_bench_admin(engine) -> None:
    """The account the timed sessions are signed in as (sign-in is required since issue 7)."""
    from data_loaders.identity import accounts

    if accounts.get_account(BENCH_USER, engine=engine) is not None:
        return
    password = secrets.token_urlsafe(24)  # nobody signs in with it: the session state is set directly
    if accounts.needs_setup(engine):
        accounts.create_first_admin(BENCH_USER, password, engine=engine)
    else:
        accounts.create_account(BENCH_USER, password, "admin", actor="cli:bench", engine=engine)


def _signed_in(at, engine):
    from components.auth import session_state_for
    from data_loaders.identity import accounts

    for key, value in session_state_for(accounts.get_account(BENCH_USER, engine=engine), engine=engine).items():
        at.session_state[key] = value
    return at


def bench_page(page: str, level: str, params: dict[str, str], backend: str, engine, recorder: QueryRecorder,
               repeat: int, unit_code: str) -> Result:
    from streamlit.testing.v1 import AppTest

    result = Result(backend, page, level, unit_code)
    page_file = PAGES_DIR / f"{page}.py"
    if not page_file.exists():
        result.error = "n/a (no page yet)"
        return result
    if APP_FILE.exists():
        at = _signed_in(AppTest.from_file(str(APP_FILE), default_timeout=PAGE_TIMEOUT), engine)
        at.query_params.update(params)
        at.run()  # registers the navigation; then open the page
        try:
            at.switch_page(f"pages/{page}.py")
        except ValueError:
            result.error = "n/a (not in the navigation for this user)"
            return result
    else:
        at = AppTest.from_file(str(page_file), default_timeout=PAGE_TIMEOUT)
        at.query_params.update(params)

    # First a cold run that records the queries the page makes and its peak allocation (tracemalloc
    # slows Python down, so this run is not timed), then the timed cold runs, then a warm one.
    _clear_streamlit_caches(engine=engine)
    LOGGED_ERRORS.messages.clear()
    at.query_params.clear()
    at.query_params.update(params)
    tracemalloc.start()
    with recorder.record() as calls:
        at.run()
    result.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    recorded = list(calls)
    result.error = page_errors(at)
    cold = []
    for _ in range(repeat):
        _clear_streamlit_caches(engine=engine, units=False)  # after an upload: the units' store stays
        at.query_params.clear()
        at.query_params.update(params)
        started = time.perf_counter()
        at.run()
        cold.append((time.perf_counter() - started) * 1000)
    result.cold_ms = statistics.median(cold)
    # Another process (or the same after warming): its own cache empty, the shared figures stored.
    _clear_streamlit_caches()
    at.query_params.clear()
    at.query_params.update(params)
    started = time.perf_counter()
    at.run()
    result.shared_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    at.run()
    result.warm_ms = (time.perf_counter() - started) * 1000

    if not recorded:  # nothing recorded (a page that queries nothing): fall back to the known list
        as_of = figures.latest_data_date(engine)
        recorded = [(figure, (unit_code, as_of)) for figure in PAGE_QUERIES.get(page, ())]
    result.calls = len(recorded)
    result.raw_ms, result.call_ms = replay(recorded, engine, repeat)
    if result.call_ms:
        name, ms = max(result.call_ms.items(), key=lambda item: item[1])
        result.slowest = f"{name} {ms:.0f} ms"
    return result


def levels(engine) -> list[tuple[str, str, dict[str, str]]]:
    """(level, unit code, query params): the nation, province 68 (or the first with data), and
    the commune of it that owns the most tasks."""
    with engine.connect() as conn:
        province = PROVINCE if figures.child_count(PROVINCE, engine) else None
        provinces_with_data = conn.execute(
            select(Task.owner_unit_code).where(func.length(Task.owner_unit_code) == 2).distinct()).scalars().all()
        if province is None or (provinces_with_data and province not in provinces_with_data):
            province = sorted(provinces_with_data)[0]
        communes = [u.code for u in figures.child_units(province, engine)]
        commune = conn.execute(
            select(Task.owner_unit_code, func.count().label("n")).where(Task.owner_unit_code.in_(communes))
            .group_by(Task.owner_unit_code).order_by(func.count().desc(), Task.owner_unit_code).limit(1)
        ).scalar() or communes[0]
    return [
        ("national", NATIONAL_CODE, {}),
        ("province", province, {"province": province}),
        ("commune", commune, {"province": province, "commune": commune}),
    ]


def run_backend(backend: str, url: str, pages: list[str], repeat: int, recorder: QueryRecorder,
                wanted_levels: set[str] | None = None) -> list[Result]:
    os.environ["DATABASE_URL"] = url
    _clear_streamlit_caches(resources=True)
    engine = make_engine(url)
    ensure_bench_admin(engine)
    results = []
    try:
        for level, code, params in levels(engine):
            if wanted_levels and level not in wanted_levels:
                continue
            for page in pages:
                result = bench_page(page, level, params, backend, engine, recorder, repeat, code)
                results.append(result)
                print(format_row(result), flush=True)
    finally:
        engine.dispose()
    return results


# --- output ------------------------------------------------------------------------------------

HEADER = ("backend", "page", "level", "unit", "raw SQL ms", "page cold ms", "ratio", "page shared ms", "page warm ms",
          "peak MB", "calls", "slowest query", "note")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def row_values(r: Result) -> tuple[str, ...]:
    return (r.backend, r.page, r.level, r.unit, _ms(r.raw_ms), _ms(r.cold_ms),
            "n/a" if r.ratio is None else f"{r.ratio:.2f}", _ms(r.shared_ms), _ms(r.warm_ms),
            "n/a" if r.peak_mb is None else f"{r.peak_mb:.1f}", str(r.calls), r.slowest, r.error[:60])


def format_row(r: Result) -> str:
    return " | ".join(row_values(r))


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row_values(r)) + " |" for r in results]
    return "\n".join(lines)


def database_has_data(url: str) -> bool:
    engine = make_engine(url)
    try:
        if "task" not in sa_inspect(engine).get_table_names():
            return False
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Task)).scalar_one() > 0
    except Exception:  # noqa: BLE001 - an absent PostgreSQL database
        return False
    finally:
        engine.dispose()


def prepare_database(url: str, small: bool, regenerate: bool, indicators: int = 10) -> None:
    if regenerate or not database_has_data(url):
        _generate(url, small)
    if indicators > 10:  # an administrator's indicators on top of the ten, with values (benchmarks/many_indicators.py)
        engine = make_engine(url)
        try:
            many_indicators.ensure(engine, indicators)
        finally:
            engine.dispose()


def _generate(url: str, small: bool) -> None:
    print(f"generating {'small' if small else 'national-scale'} database at {url.split('@')[-1]}", flush=True)
    national_scale.fresh_database(url)
    engine = make_engine(url)
    try:
        scale = national_scale.Scale.small() if small else national_scale.Scale.full()
        expected = national_scale.generate(engine, scale)
        if small:
            failures = national_scale.check(engine, expected)
            if failures:
                raise SystemExit("checks failed: " + "; ".join(failures[:10]))
            print("  checks: ok")
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small database (seconds), checked")
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""),
                        help="also PostgreSQL: the server URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--generate", action="store_true", help="regenerate the databases first")
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    parser.add_argument("--levels", default="national,province,commune")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--indicators", type=int, default=10,
                        help="indicators in the catalogue with values (40: 30 added to the ten; a database of its own)")
    parser.add_argument("--reference", action="store_true",
                        help="with the reference (group-by) latest-row subqueries of benchmarks/reference_queries.py")
    parser.add_argument("--database", help="the PostgreSQL database's name (default nq57_bench[_small])")
    args = parser.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    logging.getLogger("nq57").addHandler(LOGGED_ERRORS)
    logging.getLogger("nq57").propagate = False  # the table says what failed; no tracebacks

    backends: list[tuple[str, str]] = []
    more = f"_{args.indicators}" if args.indicators > 10 else ""  # more indicators: a database of its own
    if not args.no_sqlite:
        backends.append(("sqlite", national_scale.sqlite_url(args.small).replace(".sqlite", f"{more}.sqlite")))
    if args.pg is not None:
        if not args.pg:
            parser.error("--pg needs a URL or TEST_DATABASE_URL")
        backends.append(("postgresql", national_scale.postgres_url(
            args.pg, args.database or ("nq57_bench_small" if args.small else "nq57_bench") + more)))
    pages = args.pages.split(",") if args.pages else discover_pages()
    wanted_levels = set(args.levels.split(","))

    recorder = QueryRecorder()
    recorder.install()
    os.chdir(PROJECT_DIR)
    results: list[Result] = []
    print(" | ".join(HEADER))
    variant = reference_queries.installed() if args.reference else contextlib.nullcontext()
    with variant:
        for backend, url in backends:
            prepare_database(url, args.small, args.generate, args.indicators)
            results += run_backend(backend + ("+reference" if args.reference else "") + more, url, pages, args.repeat,
                                   recorder, wanted_levels)

    suffix = ("_small" if args.small else "") + ("_reference" if args.reference else "") + more
    out = national_scale.OUT_DIR / f"bench_pages{suffix}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    out.write_text(f"Benchmark {stamp} (repeat={args.repeat})\n\n{markdown_table(results)}\n", encoding="utf-8")
    (out.with_suffix(".json")).write_text(json.dumps([asdict(r) | {"ratio": r.ratio} for r in results], indent=1,
                                                     default=str), encoding="utf-8")
    print()
    print(markdown_table(results))
    print(f"\nwritten to {out.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
