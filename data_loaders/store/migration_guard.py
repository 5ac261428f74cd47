"""The migration policy: a downgrade never drops the accounts or the audit trail by accident.

Revision 0005 made the `account` and `audit_entry` tables; undoing it drops both, and with no
account left the next person to open the app would be offered the first-run setup and become
administrator. So migrations/env.py asks `check_downgrade` before any migration runs: a downgrade
that would undo a protected revision while its tables hold rows is refused with a sentence saying
what would be lost, unless the environment variable NQ57_ALLOW_DATA_LOSS is "1" (a deliberate,
backed-up operation). Upgrades, and downgrades that stay above the protected revisions, pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, func, inspect, select, table, text

ALLOW_ENV = "NQ57_ALLOW_DATA_LOSS"
# revision → the tables its downgrade drops, each with what its rows are (for the sentence) and,
# optionally, the SQL condition of the rows that count
PROTECTED: dict[str, tuple[tuple[str, ...], ...]] = {
    "0005": (("account", "accounts"), ("audit_entry", "audit entries")),
    # leaders' directions, the answers and the evidence files exist nowhere else
    "0011": (("direction", "directions"), ("direction_answer", "answers"), ("evidence", "evidence files"),
             ("annotation", "annotations")),
    # who approved, returned or unlocked each monthly submission, and why, exists nowhere else
    "0017": (("approval", "approval decisions"), ("approval_step", "approval steps")),
    # the plans people added (provinces' programmes); the national ones seeded from the reference file are not counted
    "0015": (("plan", "plans and programmes added by administrators", "created_by <> 'seed'"),),
    # the leader's pages units designed exist nowhere else
    "0016": (("leader_board", "leader's page layouts"),),
}


class DataLossRefused(RuntimeError):
    """A downgrade that would drop accounts or the audit trail, refused."""


def revisions_undone(script, current_heads: Iterable[str], destination) -> list[str]:
    """The revisions a migration from `current_heads` to `destination` would undo (empty for an
    upgrade or no change). `script` is Alembic's ScriptDirectory; `destination` as Alembic's
    get_revision_argument gives it: a revision, None or "base" for the base, a relative step "-N",
    or a tuple of heads."""
    if isinstance(destination, (tuple, list)):
        return [] if not destination else sorted({r for d in destination
                                                  for r in revisions_undone(script, current_heads, d)})
    undone: list[str] = []
    for head in current_heads:
        chain = []  # head, its parent, … down to the first revision
        revision = script.get_revision(head)
        while revision is not None:
            chain.append(revision.revision)
            revision = script.get_revision(revision.down_revision) if revision.down_revision else None
        if destination in ("head", "heads"):
            continue
        if destination is None or destination == "base":
            undone += chain
        elif destination.startswith("-") and destination[1:].isdigit():
            undone += chain[:int(destination[1:])]
        else:
            target = script.get_revision(destination).revision
            if target in chain:  # below the current revision: a downgrade to it
                undone += chain[:chain.index(target)]
    return undone


def _rows(connection: Connection, name: str, condition: str | None = None) -> int:
    if not inspect(connection).has_table(name):
        return 0
    query = select(func.count()).select_from(table(name))
    if condition:  # a fixed condition of PROTECTED, never user input
        query = query.where(text(condition))
    return connection.execute(query).scalar_one()


def check_downgrade(connection: Connection, script, current_heads: Iterable[str], destination,
                    environ: Mapping[str, str] = os.environ) -> None:
    """Raise DataLossRefused when the migration would drop protected tables that hold rows,
    unless NQ57_ALLOW_DATA_LOSS=1."""
    if environ.get(ALLOW_ENV) == "1":
        return
    losses = [f"{count} {entry[1]} (table {entry[0]})"
              for revision in revisions_undone(script, current_heads, destination)
              for entry in PROTECTED.get(revision, ())
              if (count := _rows(connection, entry[0], entry[2] if len(entry) > 2 else None))]
    if losses:
        raise DataLossRefused(
            f"Refusing to downgrade the database to {destination or 'base'}: it would delete {' and '.join(losses)}, "
            f"and the next person to open the dashboard could make themselves administrator. Back up the "
            f"database, then set {ALLOW_ENV}=1 to downgrade anyway.")
