"""an index on the task report counts maintained at commit by day and owning unit: the owners with
reports in a month (who submitted, what every leader's view says it counts: ingest/approvals.py
`unapproved_submissions`) read from the index alone instead of 200,000 reports joined with their tasks

Revision ID: 0027
Revises: 0026
"""
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_report_rollup_day_owner", "task_report_rollup", ["day", "owner_unit_code"])


def downgrade() -> None:
    op.drop_index("ix_task_report_rollup_day_owner", table_name="task_report_rollup")
