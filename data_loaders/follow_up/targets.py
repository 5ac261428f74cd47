"""Setting and removing targets (`python -m data_loaders targets …` and the settings page): checked,
permission-checked and audited. What a target means — which one a unit is measured against, its
path, met or not — is the metric layer's (data_loaders/figures/targets.py).

Who: an administrator whose scope holds the unit (identity/access.py `may_manage_targets`): a
national administrator any unit, a province's administrator their province and its communes. The
command line without --user is trusted (as `settings --set` is) and recorded as "cli:<login>".
Every change and every refusal for permission is in the audit trail (`target_set`, `target_removed`).

Checks, each a message key with parameters: a known indicator and unit, dates (ISO 2025-12-31 or
31/12/2025), a number within what the indicator can plausibly be for the unit (a percentage 0–100; a
count up to its per-commune bound times the unit's communes; whole for counts), a baseline given
with both its value and its date, before the target date. A refused change stores nothing.

Rows are never deleted: a new target ends the one in force, a removal ends it (who, when), so the
table is the targets' history, and the data version counts every change (store/engine.py).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_loaders.figures.scope import UnknownUnit, get_unit
from data_loaders.figures.targets import TargetInForce, targets_in_force
from data_loaders.i18n.message import Message
from data_loaders.identity import audit
from data_loaders.identity.access import may_manage_targets
from data_loaders.identity.accounts import Account, get_account
from data_loaders.store import engine as db
from data_loaders.store.indicator_catalogue import definition, indicator_catalogue
from data_loaders.store.models import ACTOR_LENGTH, AdminUnit, Target


class TargetRefused(ValueError):
    """A target change refused: `message` (a key and its parameters) says why; render it in the
    reader's language (data_loaders.i18n.message.render)."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        self.message = Message(key, params)
        super().__init__(f"{key} {params}" if params else key)


class ListedTarget(TargetInForce):
    unit_name: str
    unit_level: str


def parse_date(value: Any, field: str = "date") -> dt.date:
    """A date as typed: a date, "2025-12-31" or "31/12/2025"; TargetRefused otherwise."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise TargetRefused("target_bad_date", value=text, field=field) from None


def parse_value(value: Any) -> float:
    """A number as typed ("90", "26.5", "26,5"); TargetRefused otherwise."""
    if isinstance(value, bool):
        raise TargetRefused("target_bad_value", value=str(value))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value or "").strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise TargetRefused("target_bad_value", value=str(value)) from None
    if not math.isfinite(number):
        raise TargetRefused("target_bad_value", value=str(value))
    return number


def plausible_range(indicator_code: str, unit_code: str, engine: Engine | None = None) -> tuple[float, float, bool]:
    """What a unit's value of the indicator can be: (minimum, maximum, whole numbers only). A
    percentage's is the commune's; a count's is the commune's bound times the unit's communes."""
    indicator = definition(indicator_code, engine)
    plausible = indicator.plausible
    if indicator.rollup != "sum":
        return plausible.minimum, plausible.maximum, plausible.integer
    unit = get_unit(unit_code, engine)
    communes = 1
    if unit.level != "commune":
        query = select(func.count()).select_from(AdminUnit).where(AdminUnit.level == "commune")
        if unit.level == "province":
            query = query.where(AdminUnit.province_code == unit.code)
        with (engine or db.get_engine()).connect() as conn:
            communes = max(1, conn.execute(query).scalar_one())
    return plausible.minimum, plausible.maximum * communes, plausible.integer


def _check_value(indicator_code: str, value: float, bounds: tuple[float, float, bool]) -> None:
    minimum, maximum, integer = bounds
    if not minimum <= value <= maximum:
        raise TargetRefused("target_out_of_range", value=value, minimum=minimum, maximum=maximum)
    if integer and not float(value).is_integer():
        raise TargetRefused("target_whole_number", value=value)


def _actor(account: Account | None, user: str | None, unit_code: str, engine: Engine, action: str,
           target_name: str) -> str:
    """Who makes the change: `account` as stored now, allowed to manage the unit's targets (a refusal
    is audited and raised), or the trusted command line's `user`."""
    if account is not None:
        current = get_account(account.username, engine)
        if current is None or current.id != account.id or not may_manage_targets(current, unit_code):
            audit.record(action, account.username, target=target_name, outcome="refused",
                         detail={"reason": "not_permitted", "unit": unit_code}, engine=engine)
            raise TargetRefused("target_not_permitted", unit=unit_code)
        return current.username
    if not user:
        raise ValueError("a target change needs the account or the user making it")
    return user[:ACTOR_LENGTH]


def _known(indicator_code: str, unit_code: str, engine: Engine):
    indicator = definition(indicator_code, engine)
    if indicator is None or indicator.retired:
        raise TargetRefused("target_unknown_indicator", indicator=indicator_code,
                            known=", ".join(i.code for i in indicator_catalogue(engine, scope=unit_code)))
    try:
        return get_unit(unit_code, engine)
    except UnknownUnit:
        raise TargetRefused("target_unknown_unit", unit=unit_code) from None


def _json(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"value": row["value"], "date": row["date"].isoformat(),
            "baseline_value": row["baseline_value"],
            "baseline_date": row["baseline_date"].isoformat() if row["baseline_date"] else None}


def _in_force(conn, indicator_code: str, unit_code: str):
    return conn.execute(select(Target.id, Target.target_value, Target.target_date, Target.baseline_value,
                               Target.baseline_date)
                        .where(Target.indicator_code == indicator_code, Target.unit_code == unit_code,
                               Target.ended_at.is_(None))).first()


def set_target(indicator_code: str, unit_code: str, target_date: Any, value: Any, *,
               baseline_value: Any = None, baseline_date: Any = None, account: Account | None = None,
               user: str | None = None, engine: Engine | None = None) -> TargetInForce:
    """Check, store and audit a unit's target of an indicator (replacing the one in force for the
    same indicator and unit); returns it. From the app pass `account` (checked as stored now); the
    command line passes `user`. Raises TargetRefused."""
    engine = engine or db.get_engine()
    unit = _known(indicator_code, unit_code, engine)
    day = parse_date(target_date, "target_date")
    number = parse_value(value)
    has_base = baseline_value not in (None, "") or baseline_date not in (None, "")
    base_value = base_date = None
    if has_base:
        if baseline_value in (None, "") or baseline_date in (None, ""):
            raise TargetRefused("target_baseline_incomplete")
        base_value, base_date = parse_value(baseline_value), parse_date(baseline_date, "baseline_date")
        if base_date >= day:
            raise TargetRefused("target_baseline_after_target", baseline_date=base_date, target_date=day)
    bounds = plausible_range(indicator_code, unit.code, engine)
    _check_value(indicator_code, number, bounds)
    if base_value is not None:
        _check_value(indicator_code, base_value, bounds)
    name = f"{indicator_code}:{unit.code}"
    actor = _actor(account, user, unit.code, engine, "target_set", name)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        with engine.begin() as conn:
            old = _in_force(conn, indicator_code, unit.code)
            if old is not None:
                conn.execute(update(Target).where(Target.id == old.id).values(ended_at=now, ended_by=actor))
            new_id = conn.execute(insert(Target).values(
                indicator_code=indicator_code, unit_code=unit.code, target_date=day, target_value=number,
                baseline_value=base_value, baseline_date=base_date, created_by=actor, created_at=now)
            ).inserted_primary_key[0]
            before = None if old is None else {"value": old.target_value, "date": old.target_date,
                                               "baseline_value": old.baseline_value,
                                               "baseline_date": old.baseline_date}
            after = {"value": number, "date": day, "baseline_value": base_value, "baseline_date": base_date}
            audit.record_in(conn, "target_set", actor, target=name,
                            detail={"indicator": indicator_code, "unit": unit.code, "old": _json(before),
                                    "new": _json(after)})
    except IntegrityError:  # someone else set the same target at the same moment
        raise TargetRefused("target_busy") from None
    return next(t for t in targets_in_force(engine) if t["id"] == new_id)


def remove_target(indicator_code: str, unit_code: str, *, account: Account | None = None, user: str | None = None,
                  engine: Engine | None = None) -> None:
    """End a unit's own target of an indicator (its province's or the nation's applies again), audited.
    Raises TargetRefused when there is none or the person may not."""
    engine = engine or db.get_engine()
    unit = _known(indicator_code, unit_code, engine)
    name = f"{indicator_code}:{unit.code}"
    actor = _actor(account, user, unit.code, engine, "target_removed", name)
    with engine.begin() as conn:
        old = _in_force(conn, indicator_code, unit.code)
        if old is None:
            raise TargetRefused("target_none", indicator=indicator_code, unit=unit.code)
        ended = conn.execute(update(Target).where(Target.id == old.id, Target.ended_at.is_(None))
                             .values(ended_at=dt.datetime.now(dt.timezone.utc), ended_by=actor)).rowcount
        if not ended:
            raise TargetRefused("target_busy")
        audit.record_in(conn, "target_removed", actor, target=name,
                        detail={"indicator": indicator_code, "unit": unit.code,
                                "old": _json({"value": old.target_value, "date": old.target_date,
                                              "baseline_value": old.baseline_value,
                                              "baseline_date": old.baseline_date})})


def list_targets(unit_code: str | None = None, engine: Engine | None = None) -> list[ListedTarget]:
    """The targets in force, with their unit's name; with `unit_code`, those set for that unit and the
    units inside it (a province: itself and its communes)."""
    engine = engine or db.get_engine()
    scope = get_unit(unit_code, engine) if unit_code else None
    rows = targets_in_force(engine)
    codes = {row["unit_code"] for row in rows}
    with engine.connect() as conn:
        units = {r.code: r for r in conn.execute(select(AdminUnit.code, AdminUnit.name, AdminUnit.level,
                                                        AdminUnit.province_code).where(AdminUnit.code.in_(codes)))}
    listed: list[ListedTarget] = []
    for row in rows:
        unit = units.get(row["unit_code"])
        if scope is not None and scope.level != "national" and not (
                row["unit_code"] == scope.code or (scope.level == "province" and unit is not None
                                                   and unit.province_code == scope.code)):
            continue
        listed.append({**row, "unit_name": unit.name if unit else row["unit_code"],
                       "unit_level": unit.level if unit else ""})
    return listed


def target_json(row: TargetInForce | ListedTarget) -> dict:
    """A target as the command line prints it."""
    return {"indicator": row["indicator"], "unit": row["unit_code"], "unit_name": row.get("unit_name"),
            "target_value": row["value"], "target_date": row["date"].isoformat(),
            "baseline_value": row["baseline_value"],
            "baseline_date": row["baseline_date"].isoformat() if row["baseline_date"] else None,
            "higher_is_better": row["higher_is_better"], "set_by": row["set_by"],
            "set_at": row["set_at"].isoformat() if row["set_at"] else None}
