"""each unit's leader's page: the ordered blocks its administrators chose

Revision ID: 0016
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_board",
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.PrimaryKeyConstraint("unit_code"),
    )


def downgrade() -> None:
    op.drop_table("leader_board")
