"""directions (ý kiến chỉ đạo), their answers and the evidence attached to them; each account's inbox state;
dated annotations on indicator series

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("addressed_to", sa.String(length=120), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_direction_unit_code", "direction", ["unit_code"])
    op.create_index("ix_direction_task_id", "direction", ["task_id"])
    op.create_index("ix_direction_author", "direction", ["author"])
    op.create_table(
        "direction_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["direction_id"], ["direction.id"]),
        sa.ForeignKeyConstraint(["upload_id"], ["upload.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_direction_answer_direction_id", "direction_answer", ["direction_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["direction_answer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_answer_id", "evidence", ["answer_id"])
    op.create_table(
        "inbox_state",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("digest_frequency", sa.String(length=10), nullable=False),
        sa.Column("last_visit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_warning_keys", sa.JSON(), nullable=True),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digest_warning_keys", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.ForeignKeyConstraint(["indicator_code"], ["indicator.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_annotation_unit_code", "annotation", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_annotation_unit_code", table_name="annotation")
    op.drop_table("annotation")
    op.drop_table("inbox_state")
    op.drop_index("ix_evidence_answer_id", table_name="evidence")
    op.drop_table("evidence")
    op.drop_index("ix_direction_answer_direction_id", table_name="direction_answer")
    op.drop_table("direction_answer")
    op.drop_index("ix_direction_author", table_name="direction")
    op.drop_index("ix_direction_task_id", table_name="direction")
    op.drop_index("ix_direction_unit_code", table_name="direction")
    op.drop_table("direction")
