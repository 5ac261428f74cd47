"""A benchmark database with more indicators: `ensure(engine, total)` adds indicators to the catalogue
(the way an administrator does, audited) until it holds `total` NQ57-style commune indicators, each with
a value for every commune and month the benchmark's ten have, so the pages chart 40 indicators instead
of 10 (issue 15: "Page benchmarks with 40 indicators"). Used by `bench_pages.py --indicators 40`."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, func, insert, select

from data_loaders.figures import indicator_rollups
from data_loaders.identity.indicators import NewIndicator, add_indicator
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.models import IndicatorValue, Upload

PREFIX = "bench_extra_"
BENCH_USER = "benchmark"
CHUNK = 20_000


def _code(number: int) -> str:
    return f"{PREFIX}{number:02d}"


def ensure(engine: Engine, total: int, seed: int = 57, log=print) -> int:
    """Add `total - 10` indicators with values (none when they are there already); returns how many were added."""
    extra = max(total - len(INDICATORS), 0)
    with engine.connect() as conn:
        present = set(conn.execute(select(IndicatorValue.indicator_code)
                                   .where(IndicatorValue.indicator_code.like(f"{PREFIX}%")).distinct()).scalars())
        cells = conn.execute(select(IndicatorValue.unit_code, IndicatorValue.period)
                             .where(IndicatorValue.indicator_code == "population")).all()
    wanted = [_code(n) for n in range(1, extra + 1) if _code(n) not in present]
    if not wanted:
        return 0
    rng = random.Random(seed)
    for position, code in enumerate(wanted):
        # alternately a count (summed) and a percentage (population-weighted), on the two indicator pages
        percent = position % 2 == 1
        add_indicator(NewIndicator(
            code=code, name_vi=f"Chỉ tiêu thử {code[-2:]}", name_en=f"Benchmark indicator {code[-2:]}",
            unit_vi="%" if percent else "đơn vị", unit_en="%" if percent else "units",
            rollup="population_weighted" if percent else "sum", group=("infrastructure", "ecosystem")[position % 2],
            integer=not percent, minimum=0, maximum=100 if percent else 10_000, decimals=1 if percent else 0),
            user=BENCH_USER, engine=engine)
    started = dt.datetime.now()
    with engine.begin() as conn:
        upload_id = conn.execute(insert(Upload).values(
            file_name="benchmark-extra-indicators", kind="indicators", sha256="1" * 64, uploaded_by=BENCH_USER,
            uploaded_at=dt.datetime.now(dt.timezone.utc), status="imported", rows=len(cells), created=0, updated=0,
            unchanged=0, messages={}, content=None)).inserted_primary_key[0]
        rows: list[dict] = []
        for code in wanted:
            percent = int(code[-2:]) % 2 == 0
            for unit_code, period in cells:
                rows.append({"indicator_code": code, "unit_code": unit_code, "period": period, "upload_id": upload_id,
                             "value": round(rng.uniform(0, 100), 1) if percent else rng.randint(0, 50)})
                if len(rows) >= CHUNK:
                    conn.execute(insert(IndicatorValue), rows)
                    rows = []
        if rows:
            conn.execute(insert(IndicatorValue), rows)
        # written around the importer: the indicator summary (figures/indicator_rollups.py) is rebuilt
        indicator_rollups.rebuild(conn)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(IndicatorValue)
                             .where(IndicatorValue.indicator_code.like(f"{PREFIX}%"))).scalar_one()
    log(f"  {len(wanted)} indicators added, {count:,} of their values "
        f"({(dt.datetime.now() - started).total_seconds():.1f} s)")
    return len(wanted)
