"""sign-in sessions that survive a browser refresh

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_sign_in_session_account_id", "sign_in_session", ["account_id"])
    op.create_index("ix_sign_in_session_expires_at", "sign_in_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_session_expires_at", table_name="sign_in_session")
    op.drop_index("ix_sign_in_session_account_id", table_name="sign_in_session")
    op.drop_table("sign_in_session")
