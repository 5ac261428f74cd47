"""task status counts maintained at commit (figures/rollups.py): the per-task changes, their summary per
owning unit, plan, area, lead agency and day, the state row telling whether the summary is current, and
the triggers that count every statement writing task or task_report; backfilled from the stored reports

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

SOURCES = ("task", "task_report")
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "task_status_change",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("owner_unit_code", sa.String(length=8), nullable=False),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("lead_agency_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("late_30", sa.Integer(), nullable=False),
        sa.Column("late_90", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "day"),
    )
    op.create_index("ix_task_status_change_owner_unit_code", "task_status_change", ["owner_unit_code"])
    op.create_table(
        "task_status_rollup",
        sa.Column("owner_unit_code", sa.String(length=8), nullable=False),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("lead_agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("late_30", sa.Integer(), nullable=False),
        sa.Column("late_90", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("owner_unit_code", "plan", "area", "lead_agency_id", "day"),
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("writes", sa.Integer(), nullable=False),
        sa.Column("maintained", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO rollup_state (name, writes, maintained) VALUES ('tasks', 0, 0)")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION nq57_task_rollup_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "UPDATE rollup_state SET writes = writes + 1 WHERE name = 'tasks'; RETURN NULL; END $$")
        for table in SOURCES:
            op.execute(f"CREATE TRIGGER nq57_{table}_rollup_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION nq57_task_rollup_written()")
    else:  # SQLite has row triggers only
        for table in SOURCES:
            for event in EVENTS:
                op.execute(f"CREATE TRIGGER nq57_{table}_{event}_rollup_written AFTER {event.upper()} ON {table} "
                           "BEGIN UPDATE rollup_state SET writes = writes + 1 WHERE name = 'tasks'; END")
    # the backfill: the application's own rebuild (its SQL reads only columns that exist at this revision)
    from data_loaders.figures.rollups import rebuild

    rebuild(bind, report_counts=False)  # the report counts: 0023


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in SOURCES:
            op.execute(f"DROP TRIGGER IF EXISTS nq57_{table}_rollup_written ON {table}")
        op.execute("DROP FUNCTION IF EXISTS nq57_task_rollup_written()")
    else:
        for table in SOURCES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS nq57_{table}_{event}_rollup_written")
    op.drop_table("rollup_state")
    op.drop_table("task_status_rollup")
    op.drop_index("ix_task_status_change_owner_unit_code", table_name="task_status_change")
    op.drop_table("task_status_change")
