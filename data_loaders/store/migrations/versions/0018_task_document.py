"""a task's assigning document: its number and date (số và ngày văn bản giao nhiệm vụ)

Two nullable columns on `task`, filled by task files that carry the optional columns "Số văn bản
giao nhiệm vụ" and "Ngày văn bản giao nhiệm vụ"; existing tasks are untouched. The downgrade drops
them (what they held is in the stored upload files it came from).

Revision ID: 0018
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("document_number", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("document_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("document_date")
        batch.drop_column("document_number")
