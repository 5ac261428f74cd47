"""indexes on the rows stored from uploads; the data quality figure's counts maintained at commit: the
task reports (with the task summary, figures/rollups.py: per owning unit, plan and day, and per
province, plan and day, the reports and how many contradict themselves) and the upload rows of the
indicator values (with the indicator summary, figures/indicator_rollups.py: per unit and upload);
backfilled from the stored rows (the write-counting triggers of migrations 0020-0022 already cover
task, task_report and indicator_value)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _counts(name: str, key: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.String(length=8), nullable=False),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("contradicting", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(key, "plan", "day"),
    )


UPLOADED = sa.text("upload_id IS NOT NULL")


def upgrade() -> None:
    # the rows stored from uploads, found without reading the others (a script's rows have no upload):
    # the data quality figure's uploaded rows, a withdrawal's rows, the rows an upload's problems name
    op.create_index("ix_task_report_upload_row", "task_report", ["upload_id", "source_row"],
                    postgresql_where=UPLOADED, sqlite_where=UPLOADED)
    # a unit's upload rows, recounted at commit (indicator_rollups.count_uploaded_rows) from the index alone
    op.create_index("ix_indicator_value_unit_upload", "indicator_value", ["unit_code", "upload_id", "source_row"],
                    postgresql_where=UPLOADED, sqlite_where=UPLOADED)
    # the values of a period (who reported: the data quality figure, reporting status, the warnings) read
    # from the index alone instead of a heap page per value; it leads with the period as the one it replaces
    op.create_index("ix_indicator_value_period_unit", "indicator_value", ["period", "indicator_code", "unit_code"])
    op.drop_index("ix_indicator_value_by_period", table_name="indicator_value")
    _counts("task_report_rollup", "owner_unit_code")
    _counts("task_report_province_rollup", "province_code")
    op.create_table(
        "uploaded_value_rows",
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("unnumbered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "upload_id"),
    )
    # the backfill: the application's own recounts (their SQL reads only columns that exist at this revision)
    from data_loaders.figures.indicator_rollups import count_uploaded_rows
    from data_loaders.figures.rollups import rebuild_report_counts

    rebuild_report_counts(op.get_bind())
    count_uploaded_rows(op.get_bind(), None)


def downgrade() -> None:
    op.drop_table("uploaded_value_rows")
    op.drop_table("task_report_province_rollup")
    op.drop_table("task_report_rollup")
    op.create_index("ix_indicator_value_by_period", "indicator_value", ["period"])
    op.drop_index("ix_indicator_value_period_unit", table_name="indicator_value")
    op.drop_index("ix_indicator_value_unit_upload", table_name="indicator_value")
    op.drop_index("ix_task_report_upload_row", table_name="task_report")
