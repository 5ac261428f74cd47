"""The plans of the task catalogue, as stored (table `plan`, migration 0015): the national plans of
the Steering Committee and each province's own programmes ("Chương trình chuyển đổi số tỉnh 2025").

Who sees which plan is decided here and nowhere else: a national plan everywhere; a province's
programme at the nation and in that province (the province and its communes, whose tasks it may
hold), never in another province or that province's communes. A retired plan is still shown and
filtered on (its tasks keep it) but takes no new task.

Adding and retiring (with the permission check and the audit entry) is data_loaders/identity/plans.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, or_, select

from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.store import engine as db
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Plan


@dataclass(frozen=True)
class PlanInfo:
    code: str
    name_vi: str
    name_en: str
    owner_province_code: str | None  # None: a national plan
    retired: bool
    created_by: str
    created_at: dt.datetime

    @property
    def national(self) -> bool:
        return self.owner_province_code is None

    def label(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en

    def as_json(self) -> dict:
        return {"code": self.code, "name_vi": self.name_vi, "name_en": self.name_en,
                "province": self.owner_province_code, "retired": self.retired, "created_by": self.created_by,
                "created_at": _utc(self.created_at).isoformat() if self.created_at else None}


def _utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC time (SQLite hands back naive datetimes, stored in UTC)."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


_COLUMNS = (Plan.code, Plan.name_vi, Plan.name_en, Plan.owner_province_code, Plan.retired, Plan.created_by,
            Plan.created_at)


def _ordered(rows) -> list[PlanInfo]:
    """National plans first, then programmes by province; each group by code."""
    plans = [PlanInfo(*row) for row in rows]
    return sorted(plans, key=lambda p: (p.owner_province_code is not None, p.owner_province_code or "",
                                        vietnamese_sort_key(p.code)))


def province_of(unit_code: str, connection: Connection) -> str | None:
    """The province a unit lies in (None for the nation or an unknown code)."""
    if unit_code == NATIONAL_CODE:
        return None
    return connection.execute(select(AdminUnit.province_code).where(AdminUnit.code == unit_code)).scalar_one_or_none()


def visible_in(connection: Connection, unit_code: str, include_retired: bool = True) -> list[PlanInfo]:
    """The plans a unit (its code, as stored: "VN", "68", "24781") sees, national plans first."""
    query = select(*_COLUMNS)
    if unit_code != NATIONAL_CODE:
        province = province_of(unit_code, connection)
        query = query.where(or_(Plan.owner_province_code.is_(None), Plan.owner_province_code == province))
    if not include_retired:
        query = query.where(Plan.retired.is_(False))
    return _ordered(connection.execute(query))


def all_plans(engine: Engine | None = None) -> list[PlanInfo]:
    """Every plan, national and provincial, retired or not."""
    with (engine or db.get_engine()).connect() as conn:
        return _ordered(conn.execute(select(*_COLUMNS)))


def find(connection: Connection, code: str) -> PlanInfo | None:
    row = connection.execute(select(*_COLUMNS).where(Plan.code == code)).first()
    return PlanInfo(*row) if row else None
