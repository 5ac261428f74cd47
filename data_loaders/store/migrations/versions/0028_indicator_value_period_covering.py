"""the index on an indicator's values by period also holds each value's unit and the value itself: a range of
periods of an indicator (the communes' values the warnings fit their trends to, nationally 40,000 values
scattered over 5,800 table pages) is read from the index alone; the same leading columns, so every query
that used it still does

Revision ID: 0028
Revises: 0027
"""
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_indicator_value_period", table_name="indicator_value")
    op.create_index("ix_indicator_value_period", "indicator_value", ["indicator_code", "period", "unit_code", "value"])


def downgrade() -> None:
    op.drop_index("ix_indicator_value_period", table_name="indicator_value")
    op.create_index("ix_indicator_value_period", "indicator_value", ["indicator_code", "period"])
