"""Sign-ins that survive a browser refresh: a random token in a cookie, its SHA-256 in the database."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from data_loaders.identity import accounts
from data_loaders.identity import sessions as sign_in_sessions
from data_loaders.identity.admin import change_setting
from data_loaders.store.models import SignInSession

PASSWORD = "mat-khau-du-dai-2025"
NOW = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.timezone.utc)


def _people(engine):
    admin = accounts.create_first_admin("quan.tri", PASSWORD, engine=engine)
    viewer = accounts.create_account("lanh.dao", PASSWORD, "viewer", "68", actor="cli:test", engine=engine)
    return admin, viewer


def test_a_token_signs_its_account_in_again_until_sign_out(empty_engine):
    _, viewer = _people(empty_engine)
    token = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    account, signed_in_at = sign_in_sessions.resume_session(token, engine=empty_engine, now=NOW + dt.timedelta(hours=1))
    assert account.username == "lanh.dao" and account.scope_code == "68" and signed_in_at == NOW
    for wrong in ("", None, token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500):
        assert sign_in_sessions.resume_session(wrong, engine=empty_engine, now=NOW) is None
    sign_in_sessions.end_session(token, engine=empty_engine, now=NOW)
    assert sign_in_sessions.resume_session(token, engine=empty_engine, now=NOW) is None


def test_only_the_digest_is_stored(empty_engine):
    _, viewer = _people(empty_engine)
    token = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    with empty_engine.connect() as conn:
        stored = conn.execute(select(SignInSession.token_sha256)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored
    assert len(token) >= 40  # 32 random bytes, URL-safe


def test_a_session_expires_after_session_minutes(empty_engine):
    _, viewer = _people(empty_engine)
    change_setting("session_minutes", 60, empty_engine, user="cli:test")
    token = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    assert sign_in_sessions.resume_session(token, engine=empty_engine, now=NOW + dt.timedelta(minutes=59))
    assert sign_in_sessions.resume_session(token, engine=empty_engine, now=NOW + dt.timedelta(minutes=61)) is None
    # a shorter limit set later applies to sessions already open
    late = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    change_setting("session_minutes", 10, empty_engine, user="cli:test")
    assert sign_in_sessions.resume_session(late, engine=empty_engine, now=NOW + dt.timedelta(minutes=20)) is None


def test_disabling_or_a_new_password_signs_every_browser_out(empty_engine):
    admin, viewer = _people(empty_engine)
    first = sign_in_sessions.open_session(viewer, engine=empty_engine)
    second = sign_in_sessions.open_session(viewer, engine=empty_engine)
    own = sign_in_sessions.open_session(admin, engine=empty_engine)
    accounts.reset_password("lanh.dao", PASSWORD + "!", actor="quan.tri", engine=empty_engine)
    assert sign_in_sessions.resume_session(first, engine=empty_engine) is None
    assert sign_in_sessions.resume_session(second, engine=empty_engine) is None
    assert sign_in_sessions.resume_session(own, engine=empty_engine)[0].username == "quan.tri"  # others untouched
    again = sign_in_sessions.open_session(viewer, engine=empty_engine)
    accounts.set_disabled("lanh.dao", True, actor="quan.tri", engine=empty_engine)
    assert sign_in_sessions.resume_session(again, engine=empty_engine) is None
    accounts.set_disabled("lanh.dao", False, actor="quan.tri", engine=empty_engine)
    assert sign_in_sessions.resume_session(again, engine=empty_engine) is None  # re-enabling does not revive it


def test_old_sessions_are_swept_out(empty_engine):
    _, viewer = _people(empty_engine)
    sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW - dt.timedelta(days=30))
    sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    with empty_engine.connect() as conn:
        assert len(conn.execute(select(SignInSession.id)).all()) == 1


def test_check_session_says_why_a_token_no_longer_signs_in(empty_engine):
    admin, viewer = _people(empty_engine)
    token = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    live = sign_in_sessions.check_session(token, engine=empty_engine, now=NOW + dt.timedelta(minutes=5))
    assert live.live and live.account == accounts.get_account("lanh.dao", engine=empty_engine) and live.reason is None
    assert sign_in_sessions.check_session(token, engine=empty_engine,
                                          now=NOW + dt.timedelta(days=2)).reason == sign_in_sessions.EXPIRED
    assert sign_in_sessions.check_session("nope", engine=empty_engine).reason == sign_in_sessions.UNKNOWN
    sign_in_sessions.end_session(token, engine=empty_engine, now=NOW)  # signed out in another tab
    ended = sign_in_sessions.check_session(token, engine=empty_engine, now=NOW)
    assert not ended.live and ended.reason == sign_in_sessions.ENDED
    other = sign_in_sessions.open_session(viewer, engine=empty_engine, now=NOW)
    accounts.set_disabled("lanh.dao", True, actor="quan.tri", engine=empty_engine)
    assert sign_in_sessions.check_session(other, engine=empty_engine, now=NOW).reason == sign_in_sessions.DISABLED


def test_check_session_is_one_query(empty_engine):
    """The app runs it on every interaction: one statement, on the token digest's unique index."""
    from sqlalchemy import event

    _, viewer = _people(empty_engine)
    token = sign_in_sessions.open_session(viewer, engine=empty_engine)
    statements: list[str] = []
    record = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
    event.listen(empty_engine, "before_cursor_execute", record)
    try:
        assert sign_in_sessions.check_session(token, engine=empty_engine, session_minutes=480).live
    finally:
        event.remove(empty_engine, "before_cursor_execute", record)
    assert len(statements) == 1 and "sign_in_session" in statements[0] and "account" in statements[0]
