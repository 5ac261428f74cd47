"""The audit trail: who did what, when, and with what outcome. Sign-ins and their failures,
account and settings changes, uploads and exports each write one entry.

Entries are append-only: this module only inserts and reads, and the migration adds a trigger
that refuses UPDATE and DELETE on the table (and TRUNCATE on PostgreSQL).

    python -m data_loaders audit [--actor A] [--action X] [--limit N] [--json]
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from data_loaders.store import engine as db
from data_loaders.store.models import AuditEntry

ACTIONS = (
    "sign_in", "sign_in_failed", "sign_out", "account_locked", "setup_admin", "account_created",
    "account_updated", "account_disabled", "account_enabled", "password_reset", "upload_committed",
    "upload_rejected", "settings_changed", "export",
    "direction_created", "direction_answered", "direction_closed", "evidence_download", "digest_sent",
    "annotation_added", "annotation_removed", "upload_withdrawn",
    "submission_approved", "submission_returned", "submission_unlocked",
    "plan_added", "plan_retired",
    "target_set", "target_removed",
    "leader_board_changed",
    "indicator_added", "indicator_retired", "indicator_deleted",  # the indicator catalogue (identity/indicators.py)
)
OUTCOMES = ("ok", "refused", "failed")
MAX_LIMIT = 10_000


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware UTC datetime (SQLite hands back naive datetimes, stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _json_safe(detail: dict | None) -> dict | None:
    # dates, Decimals and the like become text, so any detail can be stored and read back
    return None if detail is None else json.loads(json.dumps(detail, default=str, ensure_ascii=False))


def _entry_values(action: str, actor: str | None, target: str | None, detail: dict | None, outcome: str) -> dict:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    return {"at": dt.datetime.now(dt.timezone.utc), "actor": None if actor is None else str(actor)[:120],
            "action": action, "target": None if target is None else str(target)[:255],
            "outcome": outcome, "detail": _json_safe(detail)}


def record_in(connection: Connection, action: str, actor: str | None, *, target: str | None = None,
              detail: dict | None = None, outcome: str = "ok") -> None:
    """Write an entry inside the caller's transaction, so the change and its entry commit together."""
    connection.execute(insert(AuditEntry), [_entry_values(action, actor, target, detail, outcome)])


def record(action: str, actor: str | None, *, target: str | None = None, detail: dict | None = None,
           outcome: str = "ok", engine: Engine | None = None) -> None:
    """Write one entry in its own transaction. `actor` is a username (None: nobody signed in)."""
    values = _entry_values(action, actor, target, detail, outcome)
    with (engine or db.get_engine()).begin() as conn:
        conn.execute(insert(AuditEntry), [values])


def entries(*, actor: str | None = None, action: str | None = None, since: dt.datetime | dt.date | None = None,
            until: dt.datetime | dt.date | None = None, limit: int = 500, offset: int = 0,
            engine: Engine | None = None) -> list[dict[str, Any]]:
    """Entries newest first, filtered: `actor` exactly, `action` one of ACTIONS, `since` inclusive
    and `until` exclusive (a date means its midnight UTC). Each entry is a dict with id, at (aware
    UTC), actor, action, target, outcome, detail."""
    query = select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.target,
                   AuditEntry.outcome, AuditEntry.detail)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= _as_datetime(since))
    if until is not None:
        query = query.where(AuditEntry.at < _as_datetime(until))
    limit = max(0, min(int(limit), MAX_LIMIT))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(max(0, int(offset)))
    with (engine or db.get_engine()).connect() as conn:
        rows = conn.execute(query).all()
    return [{**row._asdict(), "at": utc(row.at)} for row in rows]


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), dt.timezone.utc)
    # in UTC, as stored: SQLite compares the stored text, which carries no offset
    return utc(value)
