"""the indicator catalogue in the database: bounds, decimals, group, direction, rollup kinds,
frequency, reporting levels, a province's own indicators, retirement, who added it, order;
today's ten NQ57 indicators upgraded from their code definitions

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0016"
branch_labels = None
depends_on = None

# The ten indicators as data/store/catalogue.py defined them when the catalogue moved into the
# database (frozen here: a later change of the seed must not rewrite history):
# code: (integer, minimum, maximum, decimals, group, sort order)
SEEDED = {
    "population": (True, 0, 2_000_000, 0, "population", 10),
    "fiveg_stations": (True, 0, 10_000, 0, "infrastructure", 20),
    "fiveg_coverage_pct": (False, 0, 100, 1, "infrastructure", 30),
    "fiber_coverage_pct": (False, 0, 100, 1, "infrastructure", 40),
    "villages_no_signal": (True, 0, 1_000, 0, "infrastructure", 50),
    "villages_no_power": (True, 0, 1_000, 0, "infrastructure", 60),
    "st_enterprises": (True, 0, 10_000, 0, "ecosystem", 70),
    "high_tech_enterprises": (True, 0, 10_000, 0, "ecosystem", 80),
    "digital_tech_enterprises": (True, 0, 100_000, 0, "ecosystem", 90),
    "ai_experts": (True, 0, 10_000, 0, "ecosystem", 100),
}
LOWER_IS_BETTER = ("villages_no_signal", "villages_no_power")


def upgrade() -> None:
    op.add_column("indicator", sa.Column("integer", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("indicator", sa.Column("minimum", sa.Float(), nullable=False, server_default="0"))
    op.add_column("indicator", sa.Column("maximum", sa.Float(), nullable=False, server_default="1000000000000"))
    op.add_column("indicator", sa.Column("decimals", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("indicator", sa.Column("group", sa.String(length=20), nullable=False,
                                         server_default="ecosystem"))
    op.add_column("indicator", sa.Column("higher_is_better", sa.Boolean(), nullable=False,
                                         server_default=sa.true()))
    op.add_column("indicator", sa.Column("frequency", sa.String(length=10), nullable=False,
                                         server_default="monthly"))
    op.add_column("indicator", sa.Column("reporting_levels", sa.String(length=40), nullable=False,
                                         server_default="commune"))
    op.add_column("indicator", sa.Column("owner_province_code", sa.String(length=8), nullable=True))
    op.add_column("indicator", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("indicator", sa.Column("created_by", sa.String(length=120), nullable=True))
    op.add_column("indicator", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("indicator", sa.Column("sort_order", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_indicator_owner_province_code", "indicator", ["owner_province_code"])
    indicator = sa.table("indicator", sa.column("code", sa.String), sa.column("integer", sa.Boolean),
                         sa.column("minimum", sa.Float), sa.column("maximum", sa.Float),
                         sa.column("decimals", sa.Integer), sa.column("group", sa.String),
                         sa.column("higher_is_better", sa.Boolean), sa.column("sort_order", sa.Integer))
    for code, (integer, minimum, maximum, decimals, group, order) in SEEDED.items():
        op.execute(indicator.update().where(indicator.c.code == code).values(
            integer=integer, minimum=minimum, maximum=maximum, decimals=decimals, group=group,
            higher_is_better=code not in LOWER_IS_BETTER, sort_order=order))


def downgrade() -> None:
    op.drop_index("ix_indicator_owner_province_code", table_name="indicator")
    with op.batch_alter_table("indicator") as batch:
        for column in ("sort_order", "created_at", "created_by", "retired_at", "owner_province_code",
                       "reporting_levels", "frequency", "higher_is_better", "group", "decimals", "maximum",
                       "minimum", "integer"):
            batch.drop_column(column)
