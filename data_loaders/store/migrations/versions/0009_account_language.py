"""the language an account reads the dashboard in

`account.language` ("vi" or "en"; none until the person first switches language) is what a
sign-in opens in unless the link names a language (`?lang=`). Nullable and without a default, so
existing accounts are untouched; the downgrade drops the column (a preference, not data).

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("language")
