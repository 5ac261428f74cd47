"""A national-scale database for benchmarks, written directly with SQLAlchemy Core bulk inserts.

Full scale: every one of the 3,321 communes × the 10 catalogue indicators × 36 monthly periods
(1,195,560 values), and 50,000 tasks (owned by central ministries, provinces and communes) with a
weekly report for a year (2,600,000 reports). Small scale (`Scale.small()`): 40 communes of two
provinces × 10 indicators × 6 months and 500 tasks, in a few seconds, for the test suite.

The generator keeps what it wrote (`Expected`) so `check()` can compare the rollup queries against it:
counts equal what was generated, and every child's figures sum to its parent's.

    python -m benchmarks.national_scale --small            # generate + check on SQLite
    python -m benchmarks.bench_pages                       # generate + time every page (see there)
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from data_loaders import figures  # noqa: E402
from data_loaders.figures import rollups  # noqa: E402
from data_loaders.seed import bootstrap  # noqa: E402
from data_loaders.store.catalogue import AREAS, INDICATORS, plans  # noqa: E402
from data_loaders.store.engine import make_engine  # noqa: E402
from data_loaders.store.models import (  # noqa: E402
    NATIONAL_CODE,
    Agency,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
)
from data_loaders.units.divisions import all_units  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "out"
BENCH_USER = "benchmark"
LAST_PERIOD = dt.date(2025, 12, 31)
FIRST_REPORT = dt.date(2025, 1, 3)  # a Friday; weekly from there
CHUNK = 20_000
SMALL_PROVINCES = ("01", "68")
AGENCIES = (
    "Bộ Khoa học và Công nghệ", "Bộ Giáo dục và Đào tạo", "Bộ Tài chính", "Bộ Công an", "Bộ Quốc phòng",
    "Bộ Công Thương", "Bộ Nội vụ", "Bộ Tư pháp", "Bộ Xây dựng", "Bộ Y tế", "Bộ Nông nghiệp và Môi trường",
    "Bộ Văn hóa, Thể thao và Du lịch", "Ngân hàng Nhà nước Việt Nam", "Văn phòng Chính phủ",
    "Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Sở Giáo dục và Đào tạo",
    "Ủy ban nhân dân cấp xã", "Văn phòng HĐND và UBND cấp xã",
)


@dataclass(frozen=True)
class Scale:
    communes_per_province: int | None  # None: every commune
    provinces: tuple[str, ...] | None  # None: every province
    months: int
    tasks: int
    weeks: int

    @classmethod
    def full(cls) -> Scale:
        return cls(None, None, months=36, tasks=50_000, weeks=52)

    @classmethod
    def small(cls) -> Scale:
        return cls(20, SMALL_PROVINCES, months=6, tasks=500, weeks=52)


@dataclass
class Expected:
    """What was written, to check the queries against."""
    as_of: dt.date = LAST_PERIOD
    communes: list[str] = field(default_factory=list)
    indicator_rows: int = 0
    report_rows: int = 0
    tasks: int = 0
    # status at as_of per owner's province (NATIONAL_CODE for central tasks): {"completed": n, ...}
    status_by_province: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(
        lambda: {"total": 0, "completed": 0, "on_schedule": 0, "overdue": 0}))
    # latest value per commune and indicator (the last period)
    latest: dict[tuple[str, str], float] = field(default_factory=dict)


# --- database setup ----------------------------------------------------------------------------


def sqlite_url(small: bool) -> str:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT_DIR / ('bench_small.sqlite' if small else 'bench_national.sqlite')}"


def postgres_url(base: str, database: str) -> str:
    url = make_url(base)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url.set(database=database).render_as_string(hide_password=False)


def fresh_database(url: str) -> str:
    """Drop and recreate the database `url` names (a SQLite file, or a PostgreSQL database created
    through the server's maintenance connection with AUTOCOMMIT)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    database = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        admin.dispose()
    return url


# --- data --------------------------------------------------------------------------------------


def _month_ends(last: dt.date, months: int) -> list[dt.date]:
    ends = []
    year, month = last.year, last.month
    for _ in range(months):
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(first_next - dt.timedelta(days=1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(ends)


def _communes(scale: Scale) -> list:
    units = [u for u in all_units() if u.level == "commune"]
    if scale.provinces is not None:
        units = [u for u in units if u.province_code in scale.provinces]
    if scale.communes_per_province is not None:
        kept: dict[str, int] = defaultdict(int)
        chosen = []
        for unit in units:
            if kept[unit.province_code] < scale.communes_per_province:
                kept[unit.province_code] += 1
                chosen.append(unit)
        units = chosen
    return units


def _indicator_rows(communes: list, periods: list[dt.date], rng: random.Random, expected: Expected):
    """Yield chunks of indicator_value rows: a plausible trajectory per commune and indicator."""
    chunk: list[dict] = []
    n = len(periods)
    for unit in communes:
        population = rng.randint(4_000, 120_000)
        urban = rng.random()
        start = {
            "population": population,
            "fiveg_stations": rng.randint(0, 3),
            "fiveg_coverage_pct": 10 + 40 * urban * rng.random(),
            "fiber_coverage_pct": 40 + 40 * rng.random(),
            "villages_no_signal": rng.choice((0, 0, 0, 1, 2, 4)),
            "villages_no_power": rng.choice((0, 0, 0, 0, 1, 3)),
            "st_enterprises": rng.randint(0, 3),
            "high_tech_enterprises": rng.randint(0, 1),
            "digital_tech_enterprises": rng.randint(0, 8),
            "ai_experts": rng.randint(0, 2),
        }
        growth = {
            "population": 1.001, "fiveg_stations": 1 + urban, "fiveg_coverage_pct": 2.0,
            "fiber_coverage_pct": 0.6, "st_enterprises": 0.05, "high_tech_enterprises": 0.02,
            "digital_tech_enterprises": 0.15 + urban / 3, "ai_experts": 0.05 + urban / 5,
        }
        for indicator in INDICATORS:
            code = indicator.code
            for month, period in enumerate(periods):
                base = start[code]
                if code == "population":
                    value = round(base * growth[code] ** month)
                elif code.endswith("_pct"):
                    value = round(min(100.0, base + growth[code] * month * (0.5 + rng.random())), 1)
                elif code.startswith("villages"):
                    value = max(0, base - int(base * month / max(n - 1, 1)))
                else:
                    value = base + math.floor(growth[code] * month)
                chunk.append({"indicator_code": code, "unit_code": unit.code, "period": period,
                              "value": float(value)})
                if month == n - 1:
                    expected.latest[(unit.code, code)] = float(value)
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def _owners(scale: Scale, communes: list, rng: random.Random, count: int) -> list:
    """Task owners: about 10 % central ministries, 30 % provinces, 60 % communes."""
    provinces = [u for u in all_units() if u.level == "province"
                 and (scale.provinces is None or u.code in scale.provinces)]
    nation = next(u for u in all_units() if u.level == "national")
    owners = []
    for _ in range(count):
        roll = rng.random()
        owners.append(nation if roll < 0.1 else rng.choice(provinces) if roll < 0.4 else rng.choice(communes))
    return owners


def _task_rows(scale: Scale, communes: list, agency_ids: list[int], rng: random.Random, expected: Expected):
    """Yield (tasks, reports) chunks. Each task is reported weekly for `scale.weeks` weeks: not
    started, then in progress with rising progress, and completed from some week on (or never)."""
    plan_codes = [p.code for p in plans()] or ["plan"]
    area_codes = [a.code for a in AREAS]
    report_dates = [FIRST_REPORT + dt.timedelta(weeks=w) for w in range(scale.weeks)]
    expected.as_of = max(report_dates[-1], LAST_PERIOD)
    as_of = expected.as_of
    tasks: list[dict] = []
    reports: list[dict] = []
    for task_id, owner in enumerate(_owners(scale, communes, rng, scale.tasks), start=1):
        deadline = dt.date(2025, 3, 31) + dt.timedelta(days=rng.randint(0, 640))
        start_week = rng.randint(0, 4)
        done_week = rng.randint(8, scale.weeks + 30)  # beyond the year: not completed yet
        tasks.append({
            "id": task_id, "code": f"B{task_id:06d}", "title": f"Nhiệm vụ thử tải số {task_id}",
            "plan": rng.choice(plan_codes), "area": rng.choice(area_codes),
            "lead_agency_id": rng.choice(agency_ids), "owner_unit_code": owner.code,
            "responsible_official": f"Cán bộ {task_id % 997}", "deadline": deadline,
        })
        status = "not_started"
        for week, day in enumerate(report_dates):
            if week >= done_week:
                status, progress = "completed", 100.0
            elif week >= start_week:
                status, progress = "in_progress", min(95.0, 5.0 * (week - start_week + 1))
            else:
                status, progress = "not_started", 0.0
            reports.append({"task_id": task_id, "report_date": day, "status": status, "progress_pct": progress})
        expected.report_rows += len(report_dates)
        expected.tasks += 1
        key = owner.province_code or NATIONAL_CODE
        bucket = expected.status_by_province[key]
        bucket["total"] += 1
        if status == "completed":
            bucket["completed"] += 1
        elif deadline < as_of:
            bucket["overdue"] += 1
        else:
            bucket["on_schedule"] += 1
        if len(reports) >= CHUNK:
            yield tasks, reports
            tasks, reports = [], []
    if tasks or reports:
        yield tasks, reports


def generate(engine: Engine, scale: Scale, seed: int = 57, log=print) -> Expected:
    """Migrate, insert the reference data, then the benchmark data. The database must be empty."""
    rng = random.Random(seed)
    expected = Expected()
    started = time.perf_counter()
    bootstrap.prepare(engine)
    communes = _communes(scale)
    expected.communes = [u.code for u in communes]
    periods = _month_ends(LAST_PERIOD, scale.months)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        upload_id = conn.execute(insert(Upload).values(
            file_name="benchmark", kind="indicators", sha256="0" * 64, uploaded_by=BENCH_USER,
            uploaded_at=dt.datetime.now(dt.timezone.utc), status="imported", rows=0, created=0,
            updated=0, unchanged=0, messages={}, content=None)).inserted_primary_key[0]
        conn.execute(insert(Agency), [{"name": name} for name in AGENCIES])
        agency_ids = list(conn.execute(select(Agency.id)).scalars())
        for chunk in _indicator_rows(communes, periods, rng, expected):
            for row in chunk:
                row["upload_id"] = upload_id
            conn.execute(insert(IndicatorValue), chunk)
            expected.indicator_rows += len(chunk)
        log(f"  indicator values: {expected.indicator_rows:,} rows ({time.perf_counter() - started:.1f} s)")
        for tasks, reports in _task_rows(scale, communes, agency_ids, rng, expected):
            if tasks:
                conn.execute(insert(Task), tasks)
            conn.execute(insert(TaskReport), reports)
        log(f"  tasks: {expected.tasks:,}, reports: {expected.report_rows:,} ({time.perf_counter() - started:.1f} s)")
    # rows written around the importer: the task status summary is rebuilt, as the migration's backfill does
    rollups.rebuild_database(engine)
    log(f"  task status summary rebuilt ({time.perf_counter() - started:.1f} s)")
    with engine.connect() as conn:  # planner statistics, as autovacuum / a maintenance job would keep
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    log(f"  generated in {time.perf_counter() - started:.1f} s")
    return expected


# --- checks ------------------------------------------------------------------------------------


def check(engine: Engine, expected: Expected) -> list[str]:
    """Compare the rollup queries with what was generated. Returns the failures (empty: all good)."""
    failures: list[str] = []
    as_of = expected.as_of

    def same(label: str, got, want) -> None:
        if isinstance(want, float) or isinstance(got, float):
            ok = got is not None and want is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6)
        else:
            ok = got == want
        if not ok:
            failures.append(f"{label}: got {got!r}, expected {want!r}")

    with engine.connect() as conn:
        same("indicator rows", conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one(),
             expected.indicator_rows)
        same("task rows", conn.execute(select(func.count()).select_from(Task)).scalar_one(), expected.tasks)
        same("report rows", conn.execute(select(func.count()).select_from(TaskReport)).scalar_one(),
             expected.report_rows)
    same("latest data date", figures.latest_data_date(engine), as_of)

    # tasks: the nation equals everything generated; each province and the central group as generated
    keys = ("total", "completed", "on_schedule", "overdue")
    national = figures.task_status(NATIONAL_CODE, as_of, engine)
    for key in keys:
        same(f"VN tasks {key}", national[key], sum(b[key] for b in expected.status_by_province.values()))
    by_child = {row["code"]: row for row in figures.task_status_by_child(NATIONAL_CODE, as_of, engine)}
    for code, bucket in expected.status_by_province.items():
        for key in keys:
            same(f"tasks by child {code} {key}", by_child.get(code, {}).get(key, 0), bucket[key])
    for key in keys:
        same(f"VN tasks {key} = sum of children", national[key], sum(row[key] for row in by_child.values()))
    provinces = sorted({code for code in expected.status_by_province if code != NATIONAL_CODE})
    for province in provinces[:3]:
        total = figures.task_status(province, as_of, engine)
        children = figures.task_status_by_child(province, as_of, engine)
        for key in keys:
            same(f"{province} tasks {key}", total[key], expected.status_by_province[province][key])
            same(f"{province} tasks {key} = sum of children", total[key], sum(row[key] for row in children))

    # indicators: sums of the latest values; children sum to the parent; percentages weighted
    sums = [i.code for i in INDICATORS if i.rollup == "sum"]
    totals = figures.indicator_totals(NATIONAL_CODE, as_of, engine)
    for code in sums:
        same(f"VN {code}", totals[code], sum(v for (_, c), v in expected.latest.items() if c == code))
    for code in (i.code for i in INDICATORS if i.rollup == "population_weighted"):
        weight = sum(expected.latest[(u, "population")] for u in expected.communes)
        want = sum(expected.latest[(u, code)] * expected.latest[(u, "population")] for u in expected.communes) / weight
        same(f"VN {code} (population-weighted)", totals[code], want)
    children = figures.indicators_by_child(NATIONAL_CODE, as_of, engine)
    for code in sums:
        same(f"VN {code} = sum of provinces", totals[code], float(sum(row[code] or 0 for row in children)))
    province = (expected.communes and next(u.province_code for u in all_units() if u.code == expected.communes[0]))
    if province:
        province_totals = figures.indicator_totals(province, as_of, engine)
        communes = figures.indicators_by_child(province, as_of, engine)
        for code in sums:
            same(f"{province} {code} = sum of communes", province_totals[code],
                 float(sum(row[code] or 0 for row in communes)))
        commune = expected.communes[0]
        commune_totals = figures.indicator_totals(commune, as_of, engine)
        for code in (i.code for i in INDICATORS):
            same(f"{commune} {code}", commune_totals[code], expected.latest[(commune, code)])
    return failures


def run_small(url: str, log=print) -> Expected:
    """Generate the small database at `url` (which must be empty or absent) and check it."""
    engine = make_engine(url)
    try:
        expected = generate(engine, Scale.small(), log=log)
        failures = check(engine, expected)
    finally:
        engine.dispose()
    if failures:
        raise AssertionError("benchmark small mode: " + "; ".join(failures[:20]))
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small database (seconds), checked")
    parser.add_argument("--url", help="a SQLAlchemy URL (default: a SQLite file under benchmarks/out/)")
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""),
                        help="use PostgreSQL: the server URL (default: $TEST_DATABASE_URL); "
                             "the database nq57_bench[_small] is dropped and recreated")
    args = parser.parse_args(argv)
    if args.pg is not None:
        if not args.pg:
            parser.error("--pg needs a URL or TEST_DATABASE_URL")
        url = postgres_url(args.pg, "nq57_bench_small" if args.small else "nq57_bench")
    else:
        url = args.url or sqlite_url(args.small)
    fresh_database(url)
    engine = make_engine(url)
    expected = generate(engine, Scale.small() if args.small else Scale.full())
    failures = check(engine, expected)
    engine.dispose()
    for failure in failures:
        print("FAIL", failure)
    print("checks:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
