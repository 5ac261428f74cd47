"""approval of a unit's monthly submission by the level above, and every step taken on it

Revision ID: 0017
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_code", "period", name="uq_approval_unit_period"),
    )
    op.create_index("ix_approval_period", "approval", ["period"])
    op.create_table(
        "approval_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_approval_step_unit_period", "approval_step", ["unit_code", "period"])


def downgrade() -> None:
    op.drop_index("ix_approval_step_unit_period", table_name="approval_step")
    op.drop_table("approval_step")
    op.drop_index("ix_approval_period", table_name="approval")
    op.drop_table("approval")
