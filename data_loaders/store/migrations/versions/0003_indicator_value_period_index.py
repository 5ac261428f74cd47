"""index indicator values by period

`latest_data_date` / `earliest_data_date` take max/min(period); without an index led by period
they read the whole table (100–280 ms at national scale, on every trend). (task_report already has
an index led by report_date.)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_indicator_value_by_period", "indicator_value", ["period"])


def downgrade() -> None:
    op.drop_index("ix_indicator_value_by_period", table_name="indicator_value")
