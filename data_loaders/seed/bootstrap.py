"""Bringing a database to a working state: schema migrations, reference data (administrative
units, indicators), and on first start the sample workbooks, loaded through the normal importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, update

from data_loaders.ingest.importer import ImportResult, import_file
from data_loaders.seed.sample import DTI_FILE, INDICATORS_FILE, SAMPLE_DIR, TASKS_FILE, generate
from data_loaders.seed.submissions import DTI_SENT, Piece, monthly_pieces
from data_loaders.store import engine as db
from data_loaders.store.catalogue import INDICATORS, IndicatorDef
from data_loaders.store.models import (
    SAMPLE_USER,
    AdminUnit,
    Indicator,
    IndicatorValue,
    ReferenceRevision,
    Task,
    Upload,
)
from data_loaders.units.divisions import all_units


def sync_reference_data(engine: Engine) -> None:
    """Insert the units and indicators a database lacks; existing rows and uploaded data stay as they are."""
    with engine.begin() as conn:
        known_units = set(conn.execute(select(AdminUnit.code)).scalars())
        missing = [
            {"code": u.code, "name": u.name, "level": u.level, "parent_code": u.parent_code,
             "province_code": u.province_code, "division_type": u.division_type, "lat": u.lat, "lon": u.lon}
            for u in all_units() if u.code not in known_units
        ]
        # parents before children: all_units() lists the nation, then provinces, then communes
        for start in range(0, len(missing), 2000):
            conn.execute(insert(AdminUnit), missing[start:start + 2000])
        if not known_units:  # the first fill: no figure was ever read without these units to drop from a cache
            conn.execute(update(ReferenceRevision).where(ReferenceRevision.name == "admin_unit").values(revision=0))
        known_indicators = set(conn.execute(select(Indicator.code)).scalars())
        rows = [seed_row(i) for i in INDICATORS if i.code not in known_indicators]
        if rows:
            conn.execute(insert(Indicator), rows)


def seed_row(i: IndicatorDef) -> dict:
    """The `indicator` row of one of the ten seeded NQ57 indicators (store/catalogue.py)."""
    return {"code": i.code, "name_vi": i.vi, "name_en": i.en, "unit_vi": i.unit_vi, "unit_en": i.unit_en,
            "rollup": i.rollup, "integer": i.plausible.integer, "minimum": i.plausible.minimum,
            "maximum": i.plausible.maximum, "decimals": i.decimals, "group": i.group,
            "higher_is_better": i.higher_is_better, "frequency": i.frequency,
            "reporting_levels": ",".join(i.levels), "owner_province_code": None, "sort_order": i.sort_order}


def prepare(engine: Engine | None = None) -> Engine:
    engine = engine or db.get_engine()
    db.upgrade(engine)
    sync_reference_data(engine)
    return engine


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        tasks = conn.execute(select(func.count()).select_from(Task)).scalar_one()
        values = conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one()
    return tasks == 0 and values == 0


def sample_files(sample_dir: Path = SAMPLE_DIR) -> list[Path]:
    paths = [sample_dir / INDICATORS_FILE, sample_dir / TASKS_FILE, sample_dir / DTI_FILE]
    if not all(p.exists() for p in paths):
        generate(sample_dir)
    return paths


def load_sample(engine: Engine | None = None) -> list[ImportResult]:
    """Load the sample workbooks through the same importer as any upload: the task and indicator
    workbooks month by month as their units would have sent them, on time or late (seed/submissions.py),
    each upload stamped with its simulated time, then the DTI workbook."""
    engine = prepare(engine)
    units = all_units()
    provinces = [unit.code for unit in units if unit.level == "province"]
    communes: dict[str, list[str]] = {}
    for unit in units:
        if unit.level == "commune":
            communes.setdefault(unit.province_code, []).append(unit.code)
    indicators_path, tasks_path, dti_path = sample_files()
    pieces = [*monthly_pieces(indicators_path, provinces, communes), *monthly_pieces(tasks_path, provinces, communes),
              Piece(dti_path.name, dti_path.read_bytes(), DTI_SENT)]
    pieces.sort(key=lambda piece: piece.sent_at)  # stable: a month's indicators before its tasks
    results = []
    for piece in pieces:
        result = import_file(piece.content, piece.name, user=SAMPLE_USER, engine=engine)
        if result.status == "rejected":
            raise RuntimeError(f"sample file {piece.name} was rejected: {result.errors[:3]}")
        with engine.begin() as conn:
            conn.execute(update(Upload).where(Upload.id == result.upload_id).values(
                uploaded_at=piece.sent_at.astimezone(dt.timezone.utc)))  # SQLite keeps UTC without a zone
        results.append(result)
    return results


def ensure_ready(engine: Engine | None = None) -> Engine:
    """What the app runs on start: migrate, and seed the sample into an empty database."""
    engine = prepare(engine)
    if is_empty(engine):
        load_sample(engine)
    return engine
