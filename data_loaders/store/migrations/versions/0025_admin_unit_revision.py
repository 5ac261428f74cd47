"""administrative units move the data version: a revision counted by triggers on admin_unit (a unit
added by the reference sync on start, renamed or moved under another parent by a script or a manual
fix), read by store.engine.data_version, so every process's caches and the shared rollup cache drop
figures that carry a unit's old name or old parent. A unit updated also marks the task and indicator
summaries stale (their province sums follow admin_unit.province_code): the figures use their live
definition until the next maintained write rebuilds them.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

EVENTS = ("insert", "update", "delete")
COUNT = "UPDATE reference_revision SET revision = revision + 1 WHERE name = 'admin_unit';"
STALE = "UPDATE rollup_state SET writes = writes + 1 WHERE name IN ('tasks', 'indicators');"


def upgrade() -> None:
    op.create_table(
        "reference_revision",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO reference_revision (name, revision) VALUES ('admin_unit', 0)")
    if op.get_bind().dialect.name == "postgresql":
        # statement triggers: the 3,300 units of a first start count once
        op.execute(f"CREATE FUNCTION nq57_admin_unit_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {COUNT} "
                   f"IF TG_OP IN ('UPDATE', 'TRUNCATE') THEN {STALE} END IF; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER nq57_admin_unit_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   "ON admin_unit FOR EACH STATEMENT EXECUTE FUNCTION nq57_admin_unit_written()")
    else:  # SQLite has row triggers only
        for event in EVENTS:
            body = COUNT + (" " + STALE if event == "update" else "")
            op.execute(f"CREATE TRIGGER nq57_admin_unit_{event}_written AFTER {event.upper()} ON admin_unit "
                       f"BEGIN {body} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS nq57_admin_unit_written ON admin_unit")
        op.execute("DROP FUNCTION IF EXISTS nq57_admin_unit_written()")
    else:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS nq57_admin_unit_{event}_written")
    op.drop_table("reference_revision")
