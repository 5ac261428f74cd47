"""Adding and retiring plans of the task catalogue: permission-checked and audited.

A national administrator (role admin, scope "VN") adds national plans and any province's
programmes; a province administrator (role admin, scope a province) adds and retires its own
province's programmes only. The command line, which is trusted, passes its actor name instead of
an account (as for settings); with `--user` the account's rights apply.

Each change writes an audit entry (`plan_added`, `plan_retired`) in the same transaction, and sets
the plan's revision to the catalogue's largest plus one, which moves the data version: every
cached figure and filter is recomputed with the new plan.

    python -m data_loaders plans list|add|retire [--province CODE] [--json] [--user NAME]
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, func, insert, select, text, update

from data_loaders.i18n.text import fold, normalize
from data_loaders.identity import audit
from data_loaders.identity.accounts import Account, AccountError, get_account, normalize_scope
from data_loaders.store import engine as db
from data_loaders.store.models import (
    ACTOR_LENGTH,
    NATIONAL_CODE,
    PLAN_NAME_LENGTH,
    TASK_CODE_LENGTH,
    AdminUnit,
    Plan,
)
from data_loaders.store.plans import PlanInfo, find


class PlanRefused(AccountError):
    """A plan change refused: shown as t(key, lang, **params); nothing was changed."""

    default_key = "plan_err_not_permitted"


def may_manage(account: Account | None, province: str | None) -> bool:
    """Whether this person may add or retire a plan of `province` (None: a national plan)."""
    if account is None or account.disabled or account.role != "admin":
        return False
    if account.scope_code == NATIONAL_CODE:
        return True
    return province is not None and account.scope_code == province


def managed_province(account: Account | None) -> str | None:
    """The province whose programmes this account manages ("VN": every plan; None: none)."""
    if account is None or account.disabled or account.role != "admin":
        return None
    if account.scope_code == NATIONAL_CODE:
        return NATIONAL_CODE
    return account.scope_code if len(account.scope_code) == 2 else None


def _province(connection: Connection, raw: str | None) -> str | None:
    """The stored code of a province (leading zeros optional); None for a national plan."""
    if raw is None or str(raw).strip() in ("", NATIONAL_CODE):
        return None
    try:
        code = normalize_scope(raw)
    except AccountError:
        raise PlanRefused("plan_err_not_province", code=str(raw)) from None
    level = connection.execute(select(AdminUnit.level).where(AdminUnit.code == code)).scalar_one_or_none()
    if level != "province":
        raise PlanRefused("plan_err_not_province", code=str(raw))
    return code


def _actor(account: Account | None, user: str | None, engine: Engine, province: str | None,
           action: str, target: str) -> str:
    """Who makes the change, checked: the account as stored now, or the trusted command line's name."""
    if account is None:
        if not user:
            raise ValueError("a plan change needs the account or the user making it")
        return user[:ACTOR_LENGTH]
    current = get_account(account.username, engine)
    current = current if current is not None and current.id == account.id else None
    if not may_manage(current, province):
        audit.record(action, account.username, target=target, outcome="refused",
                     detail={"province": province}, engine=engine)
        if current is not None and current.role == "admin" and current.scope_code != NATIONAL_CODE:
            raise PlanRefused("plan_err_other_province", province=province or NATIONAL_CODE,
                              own=current.scope_code)
        raise PlanRefused("plan_err_not_permitted")
    return current.username


def _lock(connection: Connection) -> None:
    """One catalogue change at a time, so each takes its own revision (SQLite has a single writer)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(57015)"))


def _next_revision(connection: Connection) -> int:
    return connection.execute(select(func.coalesce(func.max(Plan.revision), 0))).scalar_one() + 1


def add_plan(code: str, name_vi: str, name_en: str | None = None, province: str | None = None,
             engine: Engine | None = None, *, account: Account | None = None, user: str | None = None) -> PlanInfo:
    """A new plan: national (province None) or `province`'s programme. Raises PlanRefused with a
    message key for a missing or over-long code or name, a code already in the catalogue (whatever
    its case or diacritics), a code that is not a province, or a person who may not add it."""
    engine = engine or db.get_engine()
    code, name_vi, name_en = normalize(code or ""), normalize(name_vi or ""), normalize(name_en or "")
    if not code:
        raise PlanRefused("plan_err_code_required")
    if len(code) > TASK_CODE_LENGTH:
        raise PlanRefused("plan_err_code_too_long", limit=TASK_CODE_LENGTH)
    if not name_vi:
        raise PlanRefused("plan_err_name_required")
    name_en = name_en or name_vi
    if max(len(name_vi), len(name_en)) > PLAN_NAME_LENGTH:
        raise PlanRefused("plan_err_name_too_long", limit=PLAN_NAME_LENGTH)
    with engine.connect() as conn:
        owner = _province(conn, province)
    actor = _actor(account, user, engine, owner, "plan_added", code)
    with engine.begin() as conn:
        _lock(conn)
        taken = [c for c in conn.execute(select(Plan.code)).scalars() if fold(c) == fold(code)]
        if taken:
            raise PlanRefused("plan_err_code_taken", code=taken[0])
        now = dt.datetime.now(dt.timezone.utc)
        conn.execute(insert(Plan).values(code=code, name_vi=name_vi, name_en=name_en, owner_province_code=owner,
                                         created_by=actor, created_at=now, retired=False,
                                         revision=_next_revision(conn)))
        audit.record_in(conn, "plan_added", actor, target=code,
                        detail={"name_vi": name_vi, "name_en": name_en, "province": owner})
        return find(conn, code)


def retire_plan(code: str, engine: Engine | None = None, *, account: Account | None = None,
                user: str | None = None) -> PlanInfo:
    """Retire a plan: it takes no new task; its tasks keep it, and it stays in every report and filter."""
    engine = engine or db.get_engine()
    code = normalize(code or "")
    with engine.connect() as conn:
        plan = find(conn, code)
    if plan is None:
        raise PlanRefused("plan_err_unknown", code=code)
    actor = _actor(account, user, engine, plan.owner_province_code, "plan_retired", code)
    if plan.retired:
        raise PlanRefused("plan_err_already_retired", code=code)
    with engine.begin() as conn:
        _lock(conn)
        conn.execute(update(Plan).where(Plan.code == code).values(
            retired=True, retired_by=actor, retired_at=dt.datetime.now(dt.timezone.utc),
            revision=_next_revision(conn)))
        audit.record_in(conn, "plan_retired", actor, target=code, detail={"province": plan.owner_province_code})
        return find(conn, code)
