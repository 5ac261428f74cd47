"""targets with a trajectory: an indicator's target for a unit at a date, with an optional baseline;
seeded with the published one (5G population coverage 90% by 31/12/2025, nationally), which replaces
the settings fiveg_target_pct and fiveg_target_date

Revision ID: 0014
Revises: 0012
"""
import datetime as dt
import json
import os
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None

# The published target and the baseline its path starts from: the national figures of the six-month
# review conference (store/reference/resolution57_facts.yaml: "more than 26%" covered on 30/06/2025,
# 90% by 31/12/2025). Read here, not from the application's code, so the migration stays what it was.
FACTS = Path(__file__).resolve().parents[2] / "reference" / "resolution57_facts.yaml"
SEED_ACTOR = "reference:resolution57_facts.yaml"
OLD_SETTINGS = ("fiveg_target_pct", "fiveg_target_date")


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def upgrade() -> None:
    target = op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_target_in_force", "target", ["indicator_code", "unit_code"], unique=True,
                    sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"))
    with open(FACTS, encoding="utf-8") as handle:
        facts = yaml.safe_load(handle)
    infrastructure = facts["digital_infrastructure"]
    value, day = float(infrastructure["fiveg_population_coverage_target_pct"]), _date(infrastructure["target_date"])
    # An administrator who had changed the 5G target in the settings keeps it: it becomes the target row.
    connection = op.get_bind()
    setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.JSON))
    stored = dict(connection.execute(sa.select(setting.c.key, setting.c.value)
                                     .where(setting.c.key.in_(OLD_SETTINGS))).all())
    try:
        if "fiveg_target_pct" in stored:
            value = float(stored["fiveg_target_pct"] if not isinstance(stored["fiveg_target_pct"], str)
                          else json.loads(stored["fiveg_target_pct"]))
        if "fiveg_target_date" in stored:
            day = _date(stored["fiveg_target_date"])
    except (TypeError, ValueError):
        pass  # a value the settings would have ignored too: the published target stands
    # Row 0: the data version counts the changes people make to targets (store/engine.py), and the
    # published target is none of them.
    op.bulk_insert(target, [{
        "id": 0, "indicator_code": "fiveg_coverage_pct", "unit_code": "VN", "target_date": day,
        "target_value": value, "baseline_value": float(infrastructure["fiveg_population_coverage_pct"]),
        "baseline_date": _date(facts["as_of"]), "created_by": SEED_ACTOR,
        "created_at": dt.datetime.now(dt.timezone.utc), "ended_at": None, "ended_by": None}])
    connection.execute(sa.delete(setting).where(setting.c.key.in_(OLD_SETTINGS)))


def downgrade() -> None:
    # Targets people set exist nowhere else but the audit trail: as migration_guard does for accounts and
    # directions, refuse to drop them unless NQ57_ALLOW_DATA_LOSS=1 (the published target, row 0, is not theirs).
    from data_loaders.store.migration_guard import ALLOW_ENV, DataLossRefused

    set_by_people = op.get_bind().execute(sa.text("SELECT count(*) FROM target WHERE id > 0")).scalar_one()
    if set_by_people and os.environ.get(ALLOW_ENV) != "1":
        raise DataLossRefused(f"Refusing to downgrade below 0014: it would delete {set_by_people} target rows "
                              f"people set (table target). Back up the database, then set {ALLOW_ENV}=1 to "
                              f"downgrade anyway.")
    op.drop_index("uq_target_in_force", table_name="target")
    op.drop_table("target")
