"""Annotations: a dated note an administrator or a leader attaches to an indicator series of a unit
("từ 05/2025 tính cả trạm 5G dùng chung"), shown on the series' trend charts and in decks. Adding
needs the right to direct the unit (a leader reading it, or an administrator); removing, its author
or an administrator. Both are audited; a removed note keeps its row (who removed it, when)."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, insert, select, update

from data_loaders.figures.scope import UnknownUnit, get_unit
from data_loaders.follow_up.directions import may_direct
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.store import engine as db
from data_loaders.store.models import ANNOTATION_TEXT_LENGTH, Annotation, Indicator


class AnnotationRow(TypedDict):
    id: int
    unit_code: str
    indicator_code: str
    on_date: dt.date
    text: str
    author: str


def _current(account: Account | None, engine: Engine) -> Account:
    current = get_account(account.username, engine) if account is not None else None
    if current is None or current.disabled:
        raise AccountError("not_permitted")
    return current


def add_annotation(account: Account, unit_code: str, indicator_code: str, on_date: dt.date, text: str, *,
                   engine: Engine | None = None, now: dt.datetime | None = None) -> int:
    engine = engine or db.get_engine()
    author = _current(account, engine)
    try:
        unit = get_unit(unit_code, engine)
    except UnknownUnit:
        raise AccountError("direction_unknown_unit", code=unit_code) from None
    if not may_direct(author, unit.code):
        raise AccountError("not_permitted")
    body = str(text or "").strip()
    if not body:
        raise AccountError("annotation_text_missing")
    if len(body) > ANNOTATION_TEXT_LENGTH:
        raise AccountError("annotation_text_too_long", limit=ANNOTATION_TEXT_LENGTH)
    with engine.begin() as conn:
        if conn.execute(select(Indicator.code).where(Indicator.code == indicator_code)).first() is None:
            raise AccountError("annotation_unknown_indicator", code=indicator_code)
        annotation_id = conn.execute(insert(Annotation).values(
            unit_code=unit.code, indicator_code=indicator_code, on_date=on_date, text=body, author=author.username,
            created_at=now or dt.datetime.now(dt.timezone.utc)).returning(Annotation.id)).scalar_one()
        audit.record_in(conn, "annotation_added", author.username, target=f"annotation:{annotation_id}",
                        detail={"unit": unit.code, "indicator": indicator_code, "date": on_date.isoformat()})
    return annotation_id


def remove_annotation(account: Account, annotation_id: int, *, engine: Engine | None = None) -> None:
    engine = engine or db.get_engine()
    remover = _current(account, engine)
    with engine.begin() as conn:
        row = conn.execute(select(Annotation.author, Annotation.removed_at)
                           .where(Annotation.id == annotation_id)).first()
        if row is None or row.removed_at is not None:
            raise AccountError("annotation_not_found")
        if remover.username != row.author and not access.is_national_admin(remover):
            raise AccountError("not_permitted")
        conn.execute(update(Annotation).where(Annotation.id == annotation_id)
                     .values(removed_at=dt.datetime.now(dt.timezone.utc), removed_by=remover.username))
        audit.record_in(conn, "annotation_removed", remover.username, target=f"annotation:{annotation_id}")


def annotations_for(unit_code: str, indicator_codes: tuple[str, ...] | None = None, *,
                    engine: Engine | None = None) -> list[AnnotationRow]:
    """The unit's notes in force, oldest first (optionally of some indicators only)."""
    engine = engine or db.get_engine()
    query = (select(Annotation.id, Annotation.unit_code, Annotation.indicator_code, Annotation.on_date,
                    Annotation.text, Annotation.author)
             .where(Annotation.unit_code == unit_code, Annotation.removed_at.is_(None))
             .order_by(Annotation.on_date, Annotation.id))
    if indicator_codes:
        query = query.where(Annotation.indicator_code.in_(indicator_codes))
    with engine.connect() as conn:
        return [AnnotationRow(**row._mapping) for row in conn.execute(query)]
