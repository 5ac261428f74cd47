"""indicator figures maintained at commit (figures/indicator_rollups.py): the summary per province,
indicator and day, the state row telling whether it is current, and the triggers that count every
statement writing indicator_value; backfilled from the stored values

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "indicator_rollup",
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("weighed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("province_code", "indicator_code", "day"),
    )
    op.execute("INSERT INTO rollup_state (name, writes, maintained) VALUES ('indicators', 0, 0)")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION nq57_indicator_rollup_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "UPDATE rollup_state SET writes = writes + 1 WHERE name = 'indicators'; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER nq57_indicator_value_rollup_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   "ON indicator_value FOR EACH STATEMENT EXECUTE FUNCTION nq57_indicator_rollup_written()")
        # it counts even while the import skips the per-row foreign-key triggers (session_replication_role)
        op.execute("ALTER TABLE indicator_value ENABLE ALWAYS TRIGGER nq57_indicator_value_rollup_written")
    else:  # SQLite has row triggers only
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER nq57_indicator_value_{event}_rollup_written AFTER {event.upper()} "
                       "ON indicator_value BEGIN UPDATE rollup_state SET writes = writes + 1 "
                       "WHERE name = 'indicators'; END")
    # the backfill: the application's own rebuild (its SQL reads only columns that exist at this revision)
    from data_loaders.figures.indicator_rollups import rebuild

    rebuild(bind, uploaded_rows=False)  # the uploaded rows: 0023


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS nq57_indicator_value_rollup_written ON indicator_value")
        op.execute("DROP FUNCTION IF EXISTS nq57_indicator_rollup_written()")
    else:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS nq57_indicator_value_{event}_rollup_written")
    op.execute("DELETE FROM rollup_state WHERE name = 'indicators'")
    op.drop_table("indicator_rollup")
