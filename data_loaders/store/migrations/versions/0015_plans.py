"""plans of the task catalogue in the database: the national plans (seeded from the reference file)
and each province's own programmes

Revision ID: 0015
Revises: 0012

task.plan keeps its code, without a foreign key: on SQLite adding one means rebuilding the task
table (which task reports, directions and upload undo rows point at), and the importer already
refuses any code the catalogue lacks, naming the cell. Instead every code a stored task already
uses is seeded here (those the reference file does not name, with the code as their name), so
every task's plan has its row.
"""
import datetime as dt
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "resolution57_facts.yaml"


def upgrade() -> None:
    plan = op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_vi", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("owner_province_code", sa.String(length=8), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["owner_province_code"], ["admin_unit.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_plan_owner_province_code", "plan", ["owner_province_code"])
    with open(REFERENCE, encoding="utf-8") as handle:
        national = yaml.safe_load(handle)["plans"]
    now = dt.datetime.now(dt.timezone.utc)
    rows = [{"code": p["code"], "name_vi": p["name_vi"], "name_en": p["name_en"]} for p in national]
    known = {row["code"] for row in rows}
    used = op.get_bind().execute(sa.text("SELECT DISTINCT plan FROM task")).scalars()
    rows += [{"code": code, "name_vi": code, "name_en": code} for code in sorted(set(used) - known) if code]
    if rows:
        op.bulk_insert(plan, [{**row, "owner_province_code": None, "created_by": "seed", "created_at": now,
                               "retired": False, "revision": 0} for row in rows])


def downgrade() -> None:
    op.drop_index("ix_plan_owner_province_code", table_name="plan")
    op.drop_table("plan")
