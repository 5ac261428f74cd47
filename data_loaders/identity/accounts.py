"""Accounts: who may sign in, with which role and over which unit.

Passwords are hashed with argon2 (argon2-cffi). Failed sign-ins are counted in the database, so
every app process agrees on a lock-out. Every change writes an audit entry in the same transaction.

Roles: viewer (reads its scope), reporter (uploads for its scope; with scope "VN" and an agency, a
ministry reporter for the tasks that agency leads), admin (everything). What each role may do is
decided in data_loaders/access.py.

Account changes name an `actor`: the username of an enabled administrator (the app), or a system
actor starting with "cli:" (the command line, run by whoever holds the database). Anything else is
refused, so a page that passes the wrong person cannot manage accounts.

    python -m data_loaders users add NAME --role admin|viewer|reporter --scope CODE [--agency NAME]
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, exists, func, insert, literal, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from data_loaders.i18n.text import fold, normalize
from data_loaders.identity import audit
from data_loaders.store import engine as db
from data_loaders.store.models import NATIONAL_CODE, Agency, AuditEntry, SignInSession
from data_loaders.store.models import Account as AccountRow
from data_loaders.units.divisions import all_units, candidate_codes

ROLES = ("viewer", "reporter", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000  # argon2 accepts any length; this bounds the work one request can cause
SYSTEM_ACTOR_PREFIX = "cli:"
_USERNAME = re.compile(r"[a-z0-9._-]{3,60}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    scope_code: str  # "VN", a province ("68") or a commune ("24781")
    agency: str | None  # a ministry reporter: scope "VN" and the lead agency whose tasks it reports
    disabled: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "display_name": self.display_name, "email": self.email,
                "role": self.role, "scope_code": self.scope_code, "agency": self.agency, "disabled": self.disabled,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "last_sign_in_at": self.last_sign_in_at.isoformat() if self.last_sign_in_at else None}


class AccountError(ValueError):
    """A refusal the UI shows as t(err.key, lang, **err.params)."""

    default_key = "account_error"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.default_key
        self.params: dict[str, Any] = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class InvalidCredentials(AccountError):
    default_key = "account_invalid_credentials"


class AccountLocked(AccountError):
    default_key = "account_locked"  # params: minutes


class AccountDisabled(AccountError):
    default_key = "account_disabled"


class AccountExists(AccountError):
    default_key = "account_exists"


class InvalidAccount(AccountError):
    default_key = "account_invalid"


_COLUMNS = (AccountRow.id, AccountRow.username, AccountRow.display_name, AccountRow.email, AccountRow.role,
            AccountRow.scope_code, AccountRow.agency, AccountRow.disabled, AccountRow.created_at,
            AccountRow.last_sign_in_at)


def _account(row) -> Account:
    return Account(id=row.id, username=row.username, display_name=row.display_name, email=row.email, role=row.role,
                   scope_code=row.scope_code, agency=row.agency, disabled=bool(row.disabled),
                   created_at=audit.utc(row.created_at), last_sign_in_at=audit.utc(row.last_sign_in_at))


ACCOUNT_COLUMNS = _COLUMNS  # what account_from_row reads, for a query joined to other tables


def account_from_row(row) -> Account:
    """An Account from a row that selected ACCOUNT_COLUMNS (sign_in_sessions joins them)."""
    return _account(row)


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return audit.utc(now) if now is not None else dt.datetime.now(dt.timezone.utc)


# --- checking what people type ----------------------------------------------------------------


def normalize_username(username: object) -> str:
    """Lower-case, trimmed; raises InvalidAccount unless 3–60 characters of a-z 0-9 . _ -"""
    name = str(username or "").strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidAccount("account_bad_username")
    return name


def _check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount("account_weak_password", min_length=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidAccount("account_password_too_long", max_length=MAX_PASSWORD_LENGTH)
    return password


def _check_role(role: object) -> str:
    value = str(role or "").strip().lower()
    if value not in ROLES:
        raise InvalidAccount("account_bad_role", role=str(role), roles=", ".join(ROLES))
    return value


@functools.cache
def _unit_codes() -> frozenset[str]:
    return frozenset(unit.code for unit in all_units())


def normalize_scope(code: object) -> str:
    """The stored unit code for "VN", a province or a commune code (leading zeros optional)."""
    try:
        candidates = candidate_codes(code)
    except ValueError:
        candidates = []
    for candidate in candidates:
        if candidate in _unit_codes():
            return candidate
    raise InvalidAccount("account_bad_scope", code=str(code))


def _normalize_email(email: object) -> str | None:
    value = str(email or "").strip().lower()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidAccount("account_bad_email", email=str(email))
    return value


def _normalize_display_name(display_name: object, username: str) -> str:
    value = normalize(display_name or "")
    if len(value) > 120:
        raise InvalidAccount("account_bad_display_name", max_length=120)
    return value or username


def _normalize_agency(conn: Connection, agency: object, role: str, scope_code: str) -> str | None:
    """A ministry reporter's agency, spelled as the database already spells it when it knows it."""
    value = normalize(agency or "")
    if not value:
        return None
    if role != "reporter" or scope_code != NATIONAL_CODE:
        raise InvalidAccount("account_bad_agency")
    if len(value) > 200:
        raise InvalidAccount("account_bad_agency")
    wanted = fold(value)
    for name in conn.execute(select(Agency.name)).scalars():
        if fold(name) == wanted:
            return name
    return value


def _check_role_scope(role: str, scope_code: str) -> None:
    # an administrator is national, or a province's (who manages that province's own indicators only)
    if role == "admin" and scope_code != NATIONAL_CODE and len(scope_code) != 2:
        raise InvalidAccount("account_admin_scope")


# --- who is changing accounts ----------------------------------------------------------------


def _lock_accounts(conn: Connection) -> None:
    """Serialise account changes (the last-administrator and first-run checks read, then write)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(57058)"))


def _check_actor(conn: Connection, actor: str) -> None:
    if isinstance(actor, str) and actor.startswith(SYSTEM_ACTOR_PREFIX) and len(actor) > len(SYSTEM_ACTOR_PREFIX):
        return
    row = conn.execute(select(AccountRow.role, AccountRow.disabled, AccountRow.scope_code)
                       .where(AccountRow.username == str(actor or ""))).first()
    if row is None or row.disabled or row.role != "admin" or row.scope_code != NATIONAL_CODE:
        raise AccountError("not_permitted")


def _row_for_update(conn: Connection, username: object) -> Any:
    try:
        name = normalize_username(username)
    except InvalidAccount:
        raise AccountError("account_unknown", username=str(username)) from None
    row = conn.execute(select(AccountRow).where(AccountRow.username == name)).first()
    if row is None:
        raise AccountError("account_unknown", username=name)
    return row


def _other_active_admins(conn: Connection, account_id: int) -> int:
    return conn.execute(select(func.count()).select_from(AccountRow).where(
        AccountRow.role == "admin", AccountRow.scope_code == NATIONAL_CODE, AccountRow.disabled.is_(False),
        AccountRow.id != account_id)).scalar_one()


def _read(conn: Connection, account_id: int) -> Account:
    return _account(conn.execute(select(*_COLUMNS).where(AccountRow.id == account_id)).one())


# --- creating accounts -----------------------------------------------------------------------


UNKNOWN_TARGET = "<unknown>"  # the audit target of a sign-in with a login no account has (never what was typed)
# audit actions that show an account has existed: the setup never reopens after one
_ACCOUNT_MADE = ("setup_admin", "account_created")


def _setup_done_clause(table):
    """SQL true once an account exists in any form (enabled or disabled) or the audit trail shows
    one was ever made, so emptying the account table by hand does not hand the dashboard to the
    next visitor (an administrator is then added with `python -m data_loaders users add`)."""
    return or_(select(table.c.id).correlate(None).exists(),
               select(AuditEntry.id).where(AuditEntry.action.in_(_ACCOUNT_MADE)).exists())


def needs_setup(engine: Engine | None = None) -> bool:
    """True while no account exists nor ever existed: the app then shows the one-time setup screen."""
    with (engine or db.get_engine()).connect() as conn:
        return not conn.execute(select(_setup_done_clause(AccountRow.__table__))).scalar()


def _new_row(username: str, password: str, role: str, scope_code: str, agency: str | None, email: str | None,
             display_name: str) -> dict:
    return {"username": username, "display_name": display_name, "email": email,
            "password_hash": _hasher.hash(password), "role": role, "scope_code": scope_code, "agency": agency,
            "disabled": False, "failed_attempts": 0, "locked_until": None, "created_at": _now(),
            "last_sign_in_at": None}


def _integrity_error(conn_engine: Engine, username: str, email: str | None) -> AccountError:
    with conn_engine.connect() as conn:
        if conn.execute(select(exists().where(AccountRow.username == username))).scalar():
            return AccountExists("account_exists", username=username)
        if email and conn.execute(select(exists().where(AccountRow.email == email))).scalar():
            return AccountExists("account_email_exists", email=email)
    return AccountExists("account_exists", username=username)


def create_first_admin(username: str, password: str, display_name: str = "", email: str | None = None,
                       engine: Engine | None = None) -> Account:
    """The first administrator, from the first-run setup screen. Refuses (AccountExists) once any
    account exists or ever existed (see needs_setup), atomically, so two browsers racing through
    setup cannot both succeed."""
    engine = engine or db.get_engine()
    name = normalize_username(username)
    _check_password(password)
    email = _normalize_email(email)
    values = _new_row(name, password, "admin", NATIONAL_CODE, None, email, _normalize_display_name(display_name, name))
    table = AccountRow.__table__
    with engine.begin() as conn:
        _lock_accounts(conn)
        # one INSERT … SELECT … WHERE NOT EXISTS: on SQLite the statement takes the write lock
        # before it reads, on PostgreSQL the advisory lock above serialises the check
        account_id = conn.execute(
            insert(table).from_select(list(values), select(*(literal(v, table.c[k].type) for k, v in values.items()))
                                      .where(~_setup_done_clause(table)))
            .returning(table.c.id)
        ).scalar_one_or_none()
        if account_id is None:
            raise AccountExists("account_setup_done")
        audit.record_in(conn, "setup_admin", name, target=name, detail={"role": "admin", "scope_code": NATIONAL_CODE})
        return _read(conn, account_id)


def create_account(username: str, password: str, role: str, scope_code: str = NATIONAL_CODE, *,
                   agency: str | None = None, email: str | None = None, display_name: str = "", actor: str,
                   engine: Engine | None = None) -> Account:
    """A new account. Raises InvalidAccount (bad name, password, role, scope, agency, e-mail),
    AccountExists (name or e-mail taken) or AccountError("not_permitted") for a bad actor."""
    engine = engine or db.get_engine()
    name = normalize_username(username)
    _check_password(password)
    role = _check_role(role)
    scope = normalize_scope(scope_code)
    _check_role_scope(role, scope)
    email = _normalize_email(email)
    display = _normalize_display_name(display_name, name)
    try:
        with engine.begin() as conn:
            _check_actor(conn, actor)
            agency_name = _normalize_agency(conn, agency, role, scope)
            values = _new_row(name, password, role, scope, agency_name, email, display)
            account_id = conn.execute(insert(AccountRow).values(**values)).inserted_primary_key[0]
            audit.record_in(conn, "account_created", actor, target=name,
                            detail={"role": role, "scope_code": scope, "agency": agency_name, "email": email})
            return _read(conn, account_id)
    except IntegrityError:
        raise _integrity_error(engine, name, email) from None


# --- signing in ------------------------------------------------------------------------------


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for equal timing")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _settings(engine: Engine) -> dict:
    from data_loaders.store.settings import get_settings

    return get_settings(engine)


def _minutes_left(locked_until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((locked_until - now).total_seconds() / 60))


def authenticate(username: str, password: str, *, engine: Engine | None = None,
                 now: dt.datetime | None = None) -> Account:
    """The account whose password this is. Raises InvalidCredentials (unknown name or wrong
    password: the same message and about the same time either way), AccountLocked (params:
    minutes) or AccountDisabled. Each attempt is audited; the lock-out_attempts-th failure in a row
    locks the account for lockout_minutes."""
    engine = engine or db.get_engine()
    now = _now(now)
    typed = str(username or "").strip().lower()[:120]
    password = password if isinstance(password, str) else ""
    row = None
    if _USERNAME.fullmatch(typed):
        with engine.connect() as conn:
            row = conn.execute(select(AccountRow).where(AccountRow.username == typed)).first()
    if row is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])  # the same work as for a real account
        # an unknown login is never written down: it may be a password typed into the wrong box
        audit.record("sign_in_failed", row.username if row else None, target=row.username if row else UNKNOWN_TARGET,
                     outcome="refused",
                     detail={"reason": "unknown_user" if row is None else "wrong_password"}, engine=engine)
        raise InvalidCredentials()
    locked_until = audit.utc(row.locked_until)
    if locked_until is not None and locked_until > now:
        _verify(_dummy_hash(), password)  # no guessing while locked, and no timing difference
        audit.record("sign_in_failed", row.username, target=row.username, outcome="refused",
                     detail={"reason": "locked"}, engine=engine)
        raise AccountLocked(minutes=_minutes_left(locked_until, now))
    if not _verify(row.password_hash, password):
        raise _count_failure(engine, row.id, row.username, now)
    if row.disabled:
        audit.record("sign_in_failed", row.username, target=row.username, outcome="refused",
                     detail={"reason": "disabled"}, engine=engine)
        raise AccountDisabled()
    changes: dict[str, Any] = {"failed_attempts": 0, "locked_until": None, "last_sign_in_at": now}
    if _hasher.check_needs_rehash(row.password_hash):
        changes["password_hash"] = _hasher.hash(password)
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.id == row.id).values(**changes))
        audit.record_in(conn, "sign_in", row.username, target=row.username, detail={"provider": "password"})
        return _read(conn, row.id)


def _count_failure(engine: Engine, account_id: int, username: str, now: dt.datetime) -> AccountError:
    """Count a wrong password in the database (atomically, so parallel attempts in several
    processes all count) and lock the account once the count reaches lockout_attempts."""
    settings = _settings(engine)
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.id == account_id)
                     .values(failed_attempts=AccountRow.failed_attempts + 1))
        failures = conn.execute(select(AccountRow.failed_attempts).where(AccountRow.id == account_id)).scalar_one()
        audit.record_in(conn, "sign_in_failed", username, target=username, outcome="refused",
                        detail={"reason": "wrong_password", "failed_attempts": failures})
        if failures < settings["lockout_attempts"]:
            return InvalidCredentials()
        locked_until = now + dt.timedelta(minutes=settings["lockout_minutes"])
        conn.execute(update(AccountRow).where(AccountRow.id == account_id)
                     .values(failed_attempts=0, locked_until=locked_until))
        audit.record_in(conn, "account_locked", username, target=username, outcome="refused",
                        detail={"failed_attempts": failures, "locked_until": locked_until.isoformat(),
                                "minutes": settings["lockout_minutes"]})
    return AccountLocked(minutes=settings["lockout_minutes"])


def session_is_valid(signed_in_at: dt.datetime, *, settings: dict | None = None,
                     now: dt.datetime | None = None) -> bool:
    """True while a sign-in is younger than the setting session_minutes."""
    if not isinstance(signed_in_at, dt.datetime):
        return False
    if settings is None:
        settings = _settings(db.get_engine())
    now = _now(now)
    signed_in_at = audit.utc(signed_in_at)
    return signed_in_at <= now + dt.timedelta(minutes=1) and now - signed_in_at < dt.timedelta(
        minutes=settings["session_minutes"])


def account_by_email(email: str, engine: Engine | None = None) -> Account | None:
    """The enabled account with this e-mail (any case), for a sign-in through the identity provider."""
    try:
        wanted = _normalize_email(email)
    except InvalidAccount:
        return None
    if wanted is None:
        return None
    with (engine or db.get_engine()).connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(func.lower(AccountRow.email) == wanted,
                                                  AccountRow.disabled.is_(False))).first()
    return None if row is None else _account(row)


def record_external_sign_in(account: Account, provider: str, engine: Engine | None = None) -> None:
    """An identity-provider sign-in: audited, and the account's last sign-in updated."""
    engine = engine or db.get_engine()
    now = _now()
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.id == account.id).values(last_sign_in_at=now))
        audit.record_in(conn, "sign_in", account.username, target=account.username,
                        detail={"provider": str(provider)[:60]})


# --- reading and changing accounts -----------------------------------------------------------


def get_account(username: str, engine: Engine | None = None) -> Account | None:
    name = str(username or "").strip().lower()
    if not _USERNAME.fullmatch(name):
        return None
    with (engine or db.get_engine()).connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(AccountRow.username == name)).first()
    return None if row is None else _account(row)


def list_accounts(engine: Engine | None = None) -> list[Account]:
    with (engine or db.get_engine()).connect() as conn:
        return [_account(row) for row in conn.execute(select(*_COLUMNS).order_by(AccountRow.username))]


def end_all_sign_in_sessions(conn: Connection, account_id: int, now: dt.datetime | None = None) -> None:
    """Inside the caller's transaction: every open sign-in of the account ends (see
    data_loaders/sign_in_sessions.py), so a forgotten or stolen browser is signed out too."""
    conn.execute(update(SignInSession).where(SignInSession.account_id == account_id, SignInSession.ended_at.is_(None))
                 .values(ended_at=_now(now)))


def set_disabled(username: str, disabled: bool, *, actor: str, engine: Engine | None = None) -> Account:
    """Disable or re-enable an account. The last enabled administrator cannot be disabled."""
    with (engine or db.get_engine()).begin() as conn:
        _lock_accounts(conn)
        _check_actor(conn, actor)
        row = _row_for_update(conn, username)
        if disabled and row.role == "admin" and not row.disabled and _other_active_admins(conn, row.id) == 0:
            raise InvalidAccount("account_last_admin")
        conn.execute(update(AccountRow).where(AccountRow.id == row.id)
                     .values(disabled=bool(disabled), failed_attempts=0, locked_until=None))
        if disabled:
            end_all_sign_in_sessions(conn, row.id)
        audit.record_in(conn, "account_disabled" if disabled else "account_enabled", actor, target=row.username)
        return _read(conn, row.id)


def reset_password(username: str, password: str, *, actor: str, engine: Engine | None = None) -> Account:
    """A new password (which also lifts a lock-out)."""
    _check_password(password)
    with (engine or db.get_engine()).begin() as conn:
        _check_actor(conn, actor)
        row = _row_for_update(conn, username)
        conn.execute(update(AccountRow).where(AccountRow.id == row.id)
                     .values(password_hash=_hasher.hash(password), failed_attempts=0, locked_until=None))
        end_all_sign_in_sessions(conn, row.id)  # whoever knew the old password is signed out everywhere
        audit.record_in(conn, "password_reset", actor, target=row.username)
        return _read(conn, row.id)


def update_account(username: str, *, role: str | None = None, scope_code: str | None = None,
                   agency: str | None = None, email: str | None = None, display_name: str | None = None,
                   actor: str, engine: Engine | None = None) -> Account:
    """Change what is given (None: unchanged; "" clears agency or e-mail). The whole result is
    checked as for a new account; the last enabled administrator keeps the admin role."""
    engine = engine or db.get_engine()
    new_email = None
    try:
        with engine.begin() as conn:
            _lock_accounts(conn)
            _check_actor(conn, actor)
            row = _row_for_update(conn, username)
            new_role = row.role if role is None else _check_role(role)
            new_scope = row.scope_code if scope_code is None else normalize_scope(scope_code)
            _check_role_scope(new_role, new_scope)
            new_agency = row.agency if agency is None else agency
            if new_agency and (new_role != "reporter" or new_scope != NATIONAL_CODE) and agency is None:
                new_agency = None  # a role or scope change that rules out an agency drops it
            new_agency = _normalize_agency(conn, new_agency, new_role, new_scope)
            new_email = row.email if email is None else _normalize_email(email)
            new_display = (row.display_name if display_name is None
                           else _normalize_display_name(display_name, row.username))
            demoted = row.role == "admin" and new_role != "admin" and not row.disabled
            if demoted and _other_active_admins(conn, row.id) == 0:
                raise InvalidAccount("account_last_admin")
            new = {"role": new_role, "scope_code": new_scope, "agency": new_agency, "email": new_email,
                   "display_name": new_display}
            changes = {key: [getattr(row, key), value] for key, value in new.items() if getattr(row, key) != value}
            if changes:
                conn.execute(update(AccountRow).where(AccountRow.id == row.id).values(**new))
                audit.record_in(conn, "account_updated", actor, target=row.username, detail={"changes": changes})
            return _read(conn, row.id)
    except IntegrityError:
        raise AccountExists("account_email_exists", email=new_email) from None


# --- the language an account reads in (issue 12) -----------------------------------------------


def set_language(username: str, language: str, engine: Engine | None = None) -> None:
    """Remember the language the person chose ("vi" or "en"); their next sign-in opens in it. A
    preference, not an account change: no audit entry. An unknown language raises ValueError."""
    from data_loaders.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    with (engine or db.get_engine()).begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.username == str(username or "").strip().lower())
                     .values(language=language))


def account_language(username: str, engine: Engine | None = None) -> str | None:
    """The language the account last chose, or None (never chose one, or no such account)."""
    with (engine or db.get_engine()).connect() as conn:
        return conn.execute(select(AccountRow.language)
                            .where(AccountRow.username == str(username or "").strip().lower())).scalar_one_or_none()
