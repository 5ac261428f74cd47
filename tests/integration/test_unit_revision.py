"""Administrative units move the data version (migration 0025): a unit added, renamed or moved under
another province — by the reference sync on start, a script or a manual fix — reaches every cache keyed
on the version, and a move marks the summaries that sum communes into provinces stale.
Each test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update

from data_loaders.figures import rollups, tasks
from data_loaders.figures.cache import Reader
from data_loaders.seed.bootstrap import sync_reference_data
from data_loaders.store import engine as db
from data_loaders.store.models import AdminUnit, RollupState
from tests.support.builder import AS_OF, COMMUNE, Builder


def _names(by_child: list[dict]) -> dict[str, str]:
    return {row["code"]: row["name"] for row in by_child}


def test_a_renamed_unit_moves_the_data_version_and_every_cached_figure_follows(empty_engine):
    builder = Builder(empty_engine)
    builder.task("T1", dt.date(2025, 12, 31), [(dt.date(2025, 5, 1), "in_progress", 40)])
    engine = builder.commit()
    before = db.data_version(engine)
    assert before == 0  # a first fill of the units is no change anyone saw
    assert _names(Reader(engine)(tasks.task_status_by_child, "68", AS_OF))[COMMUNE] == "Phường Xuân Hương - Đà Lạt"
    with engine.begin() as conn:  # a manual fix, around the application
        conn.execute(update(AdminUnit).where(AdminUnit.code == COMMUNE).values(name="Phường Xuân Hương"))
    renamed = db.data_version(engine)
    assert renamed > before
    # the shared figure stored under the old version is not read back with the old name
    assert _names(Reader(engine)(tasks.task_status_by_child, "68", AS_OF))[COMMUNE] == "Phường Xuân Hương"


def test_the_units_revision_moves_with_the_units_and_not_with_an_upload(empty_engine):
    """What depends on the units only (the sidebar's search labels, the drill path) is kept per units' revision:
    an upload must leave it, a renamed unit must move it."""
    version, units, _ = db.versions(empty_engine)
    assert db.data_version(empty_engine) == version
    builder = Builder(empty_engine)
    builder.task("T1", dt.date(2025, 12, 31), [(dt.date(2025, 5, 1), "in_progress", 40)], upload_id=builder.upload())
    engine = builder.commit()
    uploaded, units_after_upload, _ = db.versions(engine)
    assert uploaded > version and units_after_upload == units
    with engine.begin() as conn:
        conn.execute(update(AdminUnit).where(AdminUnit.code == COMMUNE).values(name="Phường Xuân Hương"))
    renamed, units_after_rename, _ = db.versions(engine)
    assert renamed > uploaded and units_after_rename > units


def test_a_unit_added_by_the_reference_sync_moves_the_data_version(empty_engine):
    with empty_engine.begin() as conn:  # as if a release brought a commune this database lacks
        unit = conn.execute(select(AdminUnit).where(AdminUnit.code == "24823")).mappings().one()
        conn.execute(delete(AdminUnit).where(AdminUnit.code == "24823"))
    before = db.data_version(empty_engine)
    sync_reference_data(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(select(AdminUnit.name).where(AdminUnit.code == "24823")).scalar_one() == unit["name"]
    assert db.data_version(empty_engine) > before
    version = db.data_version(empty_engine)
    sync_reference_data(empty_engine)  # nothing missing: nothing written, the caches stay
    assert db.data_version(empty_engine) == version


def test_a_commune_moved_to_another_province_marks_the_summaries_stale(empty_engine):
    builder = Builder(empty_engine)
    builder.task("T1", dt.date(2025, 12, 31), [(dt.date(2025, 5, 1), "in_progress", 40)])
    engine = builder.commit()
    with engine.begin() as conn:
        conn.execute(update(RollupState).values(maintained=RollupState.writes))  # both summaries current
        assert rollups.is_current(conn)
    before = db.data_version(engine)
    with engine.begin() as conn:
        conn.execute(update(AdminUnit).where(AdminUnit.code == COMMUNE).values(parent_code="01", province_code="01"))
    assert db.data_version(engine) > before
    with engine.connect() as conn:
        states = dict(conn.execute(select(RollupState.name, RollupState.writes - RollupState.maintained)).all())
    assert states["tasks"] > 0 and states["indicators"] > 0  # figures use their live definition until rebuilt
    assert tasks.task_status("01", AS_OF, engine)["total"] == 1
    assert tasks.task_status("68", AS_OF, engine)["total"] == 0


def test_a_unit_inserted_by_hand_moves_the_data_version(empty_engine):
    before = db.data_version(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(insert(AdminUnit).values(code="99999", name="Xã Thử", level="commune", parent_code="68",
                                              province_code="68", division_type="Xã"))
    assert db.data_version(empty_engine) > before
