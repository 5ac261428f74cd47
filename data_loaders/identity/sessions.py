"""Password sign-ins that survive a browser refresh or a new tab.

Streamlit keeps a signed-in person in the server-side session of one browser tab; a refresh or a
link opened in a new tab starts a new one. So a sign-in also opens a row here and hands the browser
a random token to keep in a cookie; the next session presents the cookie and is signed in again,
in whichever app process it lands. The database stores only the token's SHA-256. A session ends at
sign-out, when it is older than the setting `session_minutes`, and for every session of an account
that is disabled or whose password is reset (accounts.end_all_sign_in_sessions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from data_loaders.identity import accounts, audit
from data_loaders.store import engine as db
from data_loaders.store.models import Account as AccountRow
from data_loaders.store.models import SignInSession
from data_loaders.store.settings import get_settings

TOKEN_BYTES = 32  # 256 bits from the operating system's CSPRNG


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: dt.datetime | None) -> dt.datetime:
    return audit.utc(now) if now is not None else dt.datetime.now(dt.timezone.utc)


def open_session(account: accounts.Account, *, signed_in_at: dt.datetime | None = None,
                 engine: Engine | None = None, now: dt.datetime | None = None) -> str:
    """A new token for `account`'s sign-in (made at `signed_in_at`, default now); ended sessions
    and long-expired ones are swept out on the way."""
    engine = engine or db.get_engine()
    started = _now(signed_in_at or now)
    lifetime = dt.timedelta(minutes=get_settings(engine)["session_minutes"])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with engine.begin() as conn:
        conn.execute(delete(SignInSession).where(SignInSession.expires_at < _now(now) - dt.timedelta(days=1)))
        conn.execute(insert(SignInSession), [{"token_sha256": _digest(token), "account_id": account.id,
                                               "created_at": started, "expires_at": started + lifetime}])
    return token


ENDED = "ended"  # signed out (here or in another tab), a new password, or disabled then re-enabled
EXPIRED = "expired"  # older than its expiry or than today's session_minutes
DISABLED = "disabled"  # the account is disabled
UNKNOWN = "unknown"  # no such token (never issued, swept out, or malformed)


@dataclass(frozen=True)
class SessionCheck:
    """What a token is worth now: the account and its sign-in time while live, else why not."""

    account: accounts.Account | None
    signed_in_at: dt.datetime | None
    reason: str | None  # None while live; else ENDED, EXPIRED, DISABLED or UNKNOWN

    @property
    def live(self) -> bool:
        return self.account is not None


def check_session(token: str | None, *, engine: Engine | None = None,
                  now: dt.datetime | None = None, session_minutes: int | None = None) -> SessionCheck:
    """The token's sign-in session as the database holds it now: one indexed query (the token's
    digest is unique) joined to its account. The app calls it on every run and at every download, so
    a sign-out in another tab, a password reset, an expiry or a disabled account stops an open tab
    at its next interaction. `session_minutes` saves reading the settings when the caller has them."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return SessionCheck(None, None, UNKNOWN)
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        row = conn.execute(
            select(SignInSession.created_at.label("session_created_at"),  # the account has a created_at too
                   SignInSession.expires_at.label("session_expires_at"),
                   SignInSession.ended_at.label("session_ended_at"), *accounts.ACCOUNT_COLUMNS)
            .join(AccountRow, AccountRow.id == SignInSession.account_id)
            .where(SignInSession.token_sha256 == _digest(token))
        ).first()
    if row is None:
        return SessionCheck(None, None, UNKNOWN)
    signed_in_at = audit.utc(row.session_created_at)
    if row.disabled:  # disabling also ends its sessions: say the reason that still holds
        return SessionCheck(None, signed_in_at, DISABLED)
    if row.session_ended_at is not None:
        return SessionCheck(None, signed_in_at, ENDED)
    if session_minutes is None:
        session_minutes = get_settings(engine)["session_minutes"]
    if _now(now) >= audit.utc(row.session_expires_at) or not accounts.session_is_valid(
            signed_in_at, settings={"session_minutes": session_minutes}, now=now):
        return SessionCheck(None, signed_in_at, EXPIRED)
    return SessionCheck(accounts.account_from_row(row), signed_in_at, None)


def resume_session(token: str | None, *, engine: Engine | None = None,
                   now: dt.datetime | None = None) -> tuple[accounts.Account, dt.datetime] | None:
    """(account, time of its sign-in) for a live token, else None: unknown, ended, expired (by
    the expiry it was given or by today's session_minutes, whichever is sooner) or a disabled account."""
    checked = check_session(token, engine=engine, now=now)
    return (checked.account, checked.signed_in_at) if checked.live else None


def end_session(token: str | None, *, engine: Engine | None = None, now: dt.datetime | None = None) -> None:
    """Sign-out: the token no longer signs anyone in, in any process."""
    if not token:
        return
    with (engine or db.get_engine()).begin() as conn:
        conn.execute(update(SignInSession).where(SignInSession.token_sha256 == _digest(token),
                                                 SignInSession.ended_at.is_(None)).values(ended_at=_now(now)))
