"""the data quality figure's uploaded rows of the task reports counted at commit, with the task summary
(figures/rollups.py): per owning unit, plan and upload, the distinct source rows the reports were stored
from and whether any was stored without one (with an index on the upload), and the same summed per
province; backfilled from the stored reports (the write-counting triggers of migrations 0020-0022 already
cover task and task_report)

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _rows(name: str, key: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.String(length=8), nullable=False),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("unnumbered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(key, "plan", "upload_id"),
    )


def upgrade() -> None:
    _rows("uploaded_report_rows", "owner_unit_code")
    _rows("uploaded_report_province_rows", "province_code")
    # an upload's rows of every owner: recounted after a weekly import (figures/rollups.py)
    op.create_index("ix_uploaded_report_rows_upload", "uploaded_report_rows", ["upload_id"])
    # the backfill: the application's own recount (its SQL reads only columns that exist at this revision)
    from data_loaders.figures.rollups import rebuild_uploaded_rows

    rebuild_uploaded_rows(op.get_bind())


def downgrade() -> None:
    op.drop_table("uploaded_report_province_rows")
    op.drop_index("ix_uploaded_report_rows_upload", table_name="uploaded_report_rows")
    op.drop_table("uploaded_report_rows")
