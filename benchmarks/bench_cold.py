"""Cold national figures after an upload (issue 17, item 4), on the national-scale database.

    python -m benchmarks.bench_cold [--pg [URL] | --url URL] [--processes 4] [--provinces]

Each line starts from an empty rollup cache, as right after an upload (the data version moved):
- "warm step": the post-commit step (`figures.cache.warm`) computing every shared figure of the national
  pages (and with --provinces the 34 provinces' too): how long after a commit the first viewer of the
  nation finds every figure stored;
- "N viewers at once, single flight off / on": N processes each reading every shared figure of the
  national pages at the same moment (as N app processes serving the first viewers after an upload):
  wall time until the last has them all, and how many figure computations ran in all — without single
  flight each process computes everything itself (N × the figures), with it each figure is computed once
  and the others wait for it and read the result;
- "raw SQL": the same figures computed once, directly (no cache), for the ratio; and once more with the
  task counts and indicator sums from their live definition instead of the summaries maintained at commit
  (figures/rollups.py, figures/indicator_rollups.py), then each figure alone both ways (--only NAME: only
  the figures whose name contains NAME, and only these lines).

PostgreSQL: the database nq57_bench of benchmarks/national_scale.py (--pg, $TEST_DATABASE_URL);
SQLite: benchmarks/out/national.sqlite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import delete  # noqa: E402

from benchmarks import national_scale  # noqa: E402
from data_loaders.figures import cache, rollups  # noqa: E402
from data_loaders.figures.scope import child_units, earliest_data_date, latest_data_date  # noqa: E402
from data_loaders.store import engine as db  # noqa: E402
from data_loaders.store.models import RollupCache  # noqa: E402
from data_loaders.store.settings import get_settings  # noqa: E402


def _calls(engine) -> list:
    return cache.page_calls("VN", latest_data_date(engine), settings=get_settings(engine),
                            earliest=earliest_data_date(engine))


def _clear(engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(RollupCache))


def viewer(url: str, counter: str, start_at: float, single_flight: bool) -> None:
    """One process: wait for the common start, read every national figure, count its computations."""
    engine = db.make_engine(url)
    if not single_flight:
        cache.single_flight = lambda _engine, _key: contextlib.nullcontext()
    original = cache._compute

    def counted(figure, engine_, args, *rest):  # noqa: ANN001, ANN202 - rest: the filters (cache._compute)
        with open(counter, "a", encoding="utf-8") as out:
            out.write(cache.figure_name(figure) + "\n")
        return original(figure, engine_, args, *rest)

    cache._compute = counted
    version = db.data_version(engine)
    calls = _calls(engine)
    time.sleep(max(0.0, start_at - time.time()))
    for figure, args in calls:
        cache.read(figure, engine, version, *args)
    engine.dispose()


def viewers_at_once(url: str, engine, processes: int, single_flight: bool) -> tuple[float, int]:
    _clear(engine)
    with tempfile.TemporaryDirectory() as tmp:
        counter = str(Path(tmp) / "computed.txt")
        Path(counter).touch()
        start_at = time.time() + 8  # every process imported and connected before the common start
        children = [subprocess.Popen([sys.executable, "-m", "benchmarks.bench_cold", "--viewer", url, counter,
                                      str(start_at), "1" if single_flight else "0"], cwd=PROJECT_DIR)
                    for _ in range(processes)]
        for child in children:
            child.wait()
        wall = time.time() - start_at
        return wall, len(Path(counter).read_text().split())


def raw_sql(engine, calls: list, line) -> None:
    """The figures computed directly: with the task summary, with the live definition, then each alone both ways."""
    started = time.perf_counter()
    for figure, fargs in calls:
        figure(*fargs, engine=engine)
    line("raw SQL (every figure once, no cache)", time.perf_counter() - started, len(calls))
    started = time.perf_counter()
    with rollups.live():
        for figure, fargs in calls:
            figure(*fargs, engine=engine)
    line("raw SQL, task counts and indicator sums from their live definition (no summary)",
         time.perf_counter() - started, len(calls))
    for figure, fargs in calls:  # each figure alone, with and without the maintained summary
        started = time.perf_counter()
        figure(*fargs, engine=engine)
        summary = time.perf_counter() - started
        started = time.perf_counter()
        with rollups.live():
            figure(*fargs, engine=engine)
        print(f"    {cache.figure_name(figure)}{tuple(str(a) for a in fargs[1:2])}: {summary * 1000:.0f} ms "
              f"(live definition {(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--viewer":
        viewer(argv[1], argv[2], float(argv[3]), argv[4] == "1")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--provinces", action="store_true", help="also time the warm step with the 34 provinces")
    parser.add_argument("--url", help="the database's SQLAlchemy URL (instead of --pg's nq57_bench)")
    parser.add_argument("--skip-raw", action="store_true", help="leave out the raw SQL lines")
    parser.add_argument("--only", help="time only the figures whose name contains this (e.g. indicator): raw SQL "
                                       "lines only")
    args = parser.parse_args(argv)
    url = args.url or (national_scale.postgres_url(args.pg, "nq57_bench") if args.pg is not None
                       else national_scale.sqlite_url(False))
    engine = db.make_engine(url)
    version = db.data_version(engine)
    calls = _calls(engine)
    if args.only:
        calls = [(figure, fargs) for figure, fargs in calls if args.only in cache.figure_name(figure)]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {len(calls)} shared figures "
          f"of the national pages; backend {engine.dialect.name}")
    rows = []
    computations: list[str] = []
    original = cache._compute

    def counted(figure, engine_, fargs, *rest):  # noqa: ANN001, ANN202 - rest: the filters (cache._compute)
        computations.append(cache.figure_name(figure))
        return original(figure, engine_, fargs, *rest)

    cache._compute = counted

    def line(label: str, seconds: float, computed: int) -> None:
        rows.append((label, seconds, computed))
        print(f"  {label}: {seconds:.2f} s, {computed} computed", flush=True)

    if not args.skip_raw:
        raw_sql(engine, calls, line)
    if args.only:
        engine.dispose()
        return 0
    _clear(engine)
    started = time.perf_counter()
    cache.warm(engine, version)
    line("warm step, nation", time.perf_counter() - started, len(computations))
    computations.clear()
    started = time.perf_counter()
    for figure, fargs in calls:
        cache.read(figure, engine, version, *fargs)
    line("first viewer after the warm step", time.perf_counter() - started, len(computations))
    if args.provinces:
        _clear(engine)
        started = time.perf_counter()
        computations.clear()
        cache.warm(engine, version, [u.code for u in child_units("VN", engine)])
        line("warm step, nation + 34 provinces", time.perf_counter() - started, len(computations))
    for single_flight in (False, True):
        wall, computed = viewers_at_once(url, engine, args.processes, single_flight)
        line(f"{args.processes} viewers at once, single flight {'on' if single_flight else 'off'}", wall, computed)
    engine.dispose()
    width = max(len(label) for label, _, _ in rows)
    print(f"{'':{width}}  {'seconds':>8}  {'figures computed':>16}")
    for label, seconds, computed in rows:
        print(f"{label:{width}}  {seconds:>8.2f}  {computed:>16}")
    print(json.dumps({label: [round(seconds, 2), computed] for label, seconds, computed in rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
