"""every upload attempt in the history: a file that could not be read has no kind; rejected bytes once

An attempt whose file could not be read at all (not a spreadsheet, a zip bomb, too large) is now
kept in the upload history like any rejected file, with no kind, so `upload.kind` becomes nullable.
A rejected file's bytes are now stored once per content: the upgrade keeps, of the rejected rows
holding the same bytes, only the newest copy (none when a committed upload holds them), so a file
rejected three times is stored once. The downgrade gives unreadable attempts the kind "unreadable"
(the column is not nullable before this revision; the upgrade reads it back as none); the dropped
duplicate copies are not restored
(every one of them is the same bytes as the copy kept, found by sha256).

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_upload = sa.table(
    "upload",
    sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("status", sa.String),
    sa.column("sha256", sa.String), sa.column("content", sa.LargeBinary),
)


def upgrade() -> None:
    with op.batch_alter_table("upload") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=20), nullable=True)
    op.get_bind().execute(sa.update(_upload).where(_upload.c.kind == "unreadable").values(kind=None))  # a downgrade's
    holder = _upload.alias("holder")
    # a rejected copy is redundant when a committed upload, or a newer rejected row, holds the same bytes
    redundant = (
        sa.select(holder.c.id)
        .where(holder.c.sha256 == _upload.c.sha256, holder.c.content.is_not(None),
               sa.or_(holder.c.status.in_(("imported", "unchanged")), holder.c.id > _upload.c.id))
        .exists()
    )
    op.get_bind().execute(
        sa.update(_upload).where(_upload.c.status == "rejected", _upload.c.content.is_not(None), redundant)
        .values(content=None))


def downgrade() -> None:
    op.get_bind().execute(sa.update(_upload).where(_upload.c.kind.is_(None)).values(kind="unreadable"))
    with op.batch_alter_table("upload") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=20), nullable=False)
