"""Managing the indicator catalogue: add, retire and delete an indicator, permission-checked and audited.

Who: a national administrator manages every indicator; a province's administrator (role admin with
a province scope) only that province's own indicators, never a national one nor another province's.
The command line without --user is trusted (its actor is "cli:<login>"), as for settings.

What:
- add: a new indicator, national (no owner) or a province's own, with everything the catalogue
  holds (names, unit, integer or not, bounds, decimals, group, direction, rollup, frequency,
  reporting levels). It is a column of the next template and import at once, and its figures appear
  in the summary, the pages and decks of its group.
- retire: hidden from templates and new imports; its values and figures stay (history).
- delete: only an indicator no value or note refers to; one with data is refused (retire it).
The ten NQ57 indicators the catalogue is seeded with are neither retired nor deleted. Every change
(and every refused attempt) writes an audit entry; a change's entry moves the data version
(store/engine.py), so every process sees the new catalogue on its next read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, select, update

from data_loaders.identity import audit
from data_loaders.identity.access import is_national_admin, may
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.store import engine as db
from data_loaders.store.catalogue import FREQUENCIES, GROUPS, REPORTING_LEVELS, ROLLUPS, IndicatorDef
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import ACTOR_LENGTH, NATIONAL_CODE, AdminUnit, Annotation, Indicator, IndicatorValue

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# the indicator workbook's own columns: an indicator code may not take one of them
RESERVED_CODES = frozenset({"province_code", "province_name", "commune_code", "commune_name", "period"})
NAME_LENGTH, UNIT_LENGTH = 200, 40
MAX_BOUND = 1e12  # the sum of 3,321 communes at this bound stays exact in a double
MAX_DECIMALS = 6


class IndicatorRefused(AccountError):
    """A catalogue change refused: not permitted, a built-in indicator, one with data, unknown code."""

    default_key = "catalogue_refused"


class InvalidIndicator(AccountError):
    """A field of a new indicator that is not acceptable (key and parameters name it)."""

    default_key = "catalogue_invalid"


@dataclass
class NewIndicator:
    """What an administrator types to add an indicator (the fields of the catalogue)."""
    code: str
    name_vi: str
    name_en: str
    unit_vi: str
    unit_en: str
    rollup: str = "sum"
    group: str = "ecosystem"
    integer: bool = False
    minimum: float = 0.0
    maximum: float = 1_000_000.0
    decimals: int = 0
    higher_is_better: bool = True
    frequency: str = "monthly"
    levels: tuple[str, ...] = ("commune",)
    province_code: str | None = None  # None: a national indicator


def _clean_text(value: object, key: str, limit: int) -> str:
    text = " ".join(str(value or "").split())
    if not text or len(text) > limit:
        raise InvalidIndicator("catalogue_bad_text", field=key, limit=limit)
    return text


def _number(value: object, key: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidIndicator("catalogue_bad_number", field=key) from None
    if not math.isfinite(number) or abs(number) > MAX_BOUND:
        raise InvalidIndicator("catalogue_bad_number", field=key)
    return number


def validate(new: NewIndicator, engine: Engine) -> dict:
    """The `indicator` row for `new`, or InvalidIndicator naming the first field that is not acceptable."""
    code = str(new.code or "").strip().lower()
    if not CODE_PATTERN.match(code) or code in RESERVED_CODES:
        raise InvalidIndicator("catalogue_bad_code", code=str(new.code or ""))
    row = {"code": code, "name_vi": _clean_text(new.name_vi, "name_vi", NAME_LENGTH),
           "name_en": _clean_text(new.name_en, "name_en", NAME_LENGTH),
           "unit_vi": _clean_text(new.unit_vi, "unit_vi", UNIT_LENGTH),
           "unit_en": _clean_text(new.unit_en, "unit_en", UNIT_LENGTH)}
    for key, value, allowed in (("rollup", new.rollup, ROLLUPS), ("group", new.group, GROUPS),
                                ("frequency", new.frequency, FREQUENCIES)):
        if value not in allowed:
            raise InvalidIndicator("catalogue_bad_choice", field=key, value=str(value), allowed=", ".join(allowed))
        row[key] = value
    levels = tuple(dict.fromkeys(level.strip() for level in new.levels if level and level.strip()))
    if not levels or any(level not in REPORTING_LEVELS for level in levels):
        raise InvalidIndicator("catalogue_bad_choice", field="levels", value=",".join(new.levels),
                               allowed=", ".join(REPORTING_LEVELS))
    if new.rollup != "none" and "commune" not in levels:
        raise InvalidIndicator("catalogue_rollup_needs_communes")
    if new.province_code is not None and "national" in levels:
        raise InvalidIndicator("catalogue_province_not_national")
    minimum, maximum = _number(new.minimum, "minimum"), _number(new.maximum, "maximum")
    if minimum >= maximum:
        raise InvalidIndicator("catalogue_bad_bounds")
    try:
        decimals = int(new.decimals)
    except (TypeError, ValueError):
        raise InvalidIndicator("catalogue_bad_number", field="decimals") from None
    if not 0 <= decimals <= MAX_DECIMALS:
        raise InvalidIndicator("catalogue_bad_number", field="decimals")
    integer = bool(new.integer)
    if integer and (not minimum.is_integer() or not maximum.is_integer()):
        raise InvalidIndicator("catalogue_bad_bounds")
    row.update(integer=integer, minimum=minimum, maximum=maximum, decimals=0 if integer else decimals,
               higher_is_better=bool(new.higher_is_better), reporting_levels=",".join(levels),
               owner_province_code=new.province_code)
    if new.province_code is not None:
        with engine.connect() as conn:
            level = conn.execute(select(AdminUnit.level).where(AdminUnit.code == new.province_code)).scalar()
        if level != "province":
            raise InvalidIndicator("catalogue_bad_province", code=new.province_code)
    return row


def _actor(engine: Engine, account: Account | None, user: str | None) -> tuple[str, Account | None]:
    """Who makes the change: the account as stored now (app, or --user), or the trusted command line."""
    if account is not None:
        current = get_account(account.username, engine)
        if current is None or current.id != account.id or current.disabled:
            raise IndicatorRefused("not_permitted")
        return current.username, current
    if not user:
        raise ValueError("a catalogue change needs the account or the user making it")
    return str(user)[:ACTOR_LENGTH], None


def may_manage(account: Account | None, owner_province_code: str | None) -> bool:
    """Whether this person may change an indicator of this owner (None: a national indicator)."""
    if account is None or not may(account, "manage_indicators"):
        return False
    return is_national_admin(account) or (owner_province_code is not None
                                          and owner_province_code == account.scope_code)


def _check(engine: Engine, actor: str, account: Account | None, trusted: bool, owner: str | None, action: str,
           code: str) -> None:
    if trusted or may_manage(account, owner):
        return
    audit.record(action, actor, target=f"indicator:{code}", outcome="refused",
                 detail={"reason": "not_permitted", "owner": owner}, engine=engine)
    raise IndicatorRefused("catalogue_not_permitted")


def add_indicator(new: NewIndicator, *, account: Account | None = None, user: str | None = None,
                  engine: Engine | None = None) -> IndicatorDef:
    """Add an indicator; returns it as the catalogue now holds it. Raises InvalidIndicator for a bad
    field, IndicatorRefused for a code in use or a person who may not manage its owner's indicators."""
    engine = engine or db.get_engine()
    actor, current = _actor(engine, account, user)
    _check(engine, actor, current, account is None, new.province_code, "indicator_added", str(new.code))
    row = validate(new, engine)
    now = dt.datetime.now(dt.timezone.utc)
    with db.primary_for(engine).begin() as conn:
        if conn.execute(select(Indicator.code).where(Indicator.code == row["code"])).first() is not None:
            raise IndicatorRefused("catalogue_code_taken", code=row["code"])
        order = conn.execute(select(func.coalesce(func.max(Indicator.sort_order), 0))).scalar_one() + 10
        conn.execute(insert(Indicator), [{**row, "created_by": actor, "created_at": now, "sort_order": order}])
        audit.record_in(conn, "indicator_added", actor, target=f"indicator:{row['code']}",
                        detail={key: value for key, value in row.items() if key != "code"})
    return next(i for i in indicator_catalogue(engine, include_retired=True) if i.code == row["code"])


def _existing(engine: Engine, code: str) -> IndicatorDef:
    found = next((i for i in indicator_catalogue(engine, include_retired=True) if i.code == code), None)
    if found is None:
        raise IndicatorRefused("catalogue_unknown", code=code)
    return found


def retire_indicator(code: str, *, account: Account | None = None, user: str | None = None,
                     engine: Engine | None = None) -> IndicatorDef:
    """Retire an indicator: off the templates and new imports, its values and figures kept."""
    engine = engine or db.get_engine()
    actor, current = _actor(engine, account, user)
    indicator = _existing(engine, code)
    _check(engine, actor, current, account is None, indicator.owner_province_code, "indicator_retired", code)
    if indicator.builtin:
        raise IndicatorRefused("catalogue_builtin", code=code)
    if indicator.retired:
        raise IndicatorRefused("catalogue_retired_already", code=code)
    with db.primary_for(engine).begin() as conn:
        conn.execute(update(Indicator).where(Indicator.code == code)
                     .values(retired_at=dt.datetime.now(dt.timezone.utc)))
        audit.record_in(conn, "indicator_retired", actor, target=f"indicator:{code}")
    return _existing(engine, code)


def data_count(code: str, engine: Engine) -> int:
    """The values and notes that refer to an indicator (what makes deleting it lose history)."""
    with engine.connect() as conn:
        values = conn.execute(select(func.count()).select_from(IndicatorValue)
                              .where(IndicatorValue.indicator_code == code)).scalar_one()
        notes = conn.execute(select(func.count()).select_from(Annotation)
                             .where(Annotation.indicator_code == code)).scalar_one()
    return values + notes


def delete_indicator(code: str, *, account: Account | None = None, user: str | None = None,
                     engine: Engine | None = None) -> None:
    """Delete an indicator nothing refers to; one with values (or notes) is refused: retire it."""
    engine = engine or db.get_engine()
    actor, current = _actor(engine, account, user)
    indicator = _existing(engine, code)
    _check(engine, actor, current, account is None, indicator.owner_province_code, "indicator_deleted", code)
    if indicator.builtin:
        raise IndicatorRefused("catalogue_builtin", code=code)
    with db.primary_for(engine).begin() as conn:
        values = conn.execute(select(func.count()).select_from(IndicatorValue)
                              .where(IndicatorValue.indicator_code == code)).scalar_one()
        notes = conn.execute(select(func.count()).select_from(Annotation)
                             .where(Annotation.indicator_code == code)).scalar_one()
        if values or notes:
            audit.record_in(conn, "indicator_deleted", actor, target=f"indicator:{code}", outcome="refused",
                            detail={"reason": "has_data", "values": values, "notes": notes})
            refusal = IndicatorRefused("catalogue_has_data", code=code, count=values + notes)
        else:
            refusal = None
            conn.execute(delete(Indicator).where(Indicator.code == code))
            audit.record_in(conn, "indicator_deleted", actor, target=f"indicator:{code}",
                            detail={"name_vi": indicator.vi, "owner": indicator.owner_province_code})
    if refusal is not None:
        raise refusal


def manageable(account: Account | None, engine: Engine | None = None) -> tuple[IndicatorDef, ...]:
    """The catalogue as the administration lists it to this person: a national administrator (or
    the command line, None) every indicator, retired ones too; a province's administrator the
    national ones (to read) and their province's own."""
    engine = engine or db.get_engine()
    catalogue = indicator_catalogue(engine, include_retired=True)
    if account is None or is_national_admin(account):
        return catalogue
    return tuple(i for i in catalogue if i.owner_province_code in (None, account.scope_code))


def indicator_json(indicator: IndicatorDef) -> dict:
    """An indicator as `indicators list --json` prints it."""
    return {"code": indicator.code, "name_vi": indicator.vi, "name_en": indicator.en, "unit_vi": indicator.unit_vi,
            "unit_en": indicator.unit_en, "rollup": indicator.rollup, "group": indicator.group,
            "integer": indicator.plausible.integer, "minimum": indicator.plausible.minimum,
            "maximum": indicator.plausible.maximum, "decimals": indicator.decimals,
            "higher_is_better": indicator.higher_is_better, "frequency": indicator.frequency,
            "levels": list(indicator.levels), "province": indicator.owner_province_code or NATIONAL_CODE,
            "retired": indicator.retired, "builtin": indicator.builtin, "sort_order": indicator.sort_order}
