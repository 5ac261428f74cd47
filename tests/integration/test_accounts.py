"""Accounts (data_loaders/accounts.py): first-run setup, creating and checking accounts, sign-in
with argon2 hashes, lock-out kept in the database (so every app process agrees), session expiry,
the identity-provider path and account changes. Runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from data_loaders.identity import accounts, audit
from data_loaders.identity.accounts import (
    AccountDisabled,
    AccountError,
    AccountExists,
    AccountLocked,
    InvalidCredentials,
)
from data_loaders.identity.admin import change_setting
from data_loaders.store.engine import make_engine
from data_loaders.store.models import Account as AccountRow

PASSWORD = "correct horse battery"
ACTOR = "cli:test"
UTC = dt.timezone.utc


def key_of(call) -> str:
    with pytest.raises(AccountError) as error:
        call()
    return error.value.key


def test_first_run_setup_creates_one_administrator_only(empty_engine):
    assert accounts.needs_setup(empty_engine)
    admin = accounts.create_first_admin(" Admin ", PASSWORD, "Quản trị", "Admin@Example.VN", engine=empty_engine)
    assert (admin.username, admin.role, admin.scope_code, admin.display_name, admin.email, admin.disabled) == (
        "admin", "admin", "VN", "Quản trị", "admin@example.vn", False)
    assert admin.created_at.tzinfo is not None and admin.last_sign_in_at is None
    assert not accounts.needs_setup(empty_engine)
    with pytest.raises(AccountExists) as refused:
        accounts.create_first_admin("second", PASSWORD, engine=empty_engine)
    assert refused.value.key == "account_setup_done"
    assert [a.username for a in accounts.list_accounts(empty_engine)] == ["admin"]
    [entry] = audit.entries(action="setup_admin", engine=empty_engine)
    assert (entry["actor"], entry["target"]) == ("admin", "admin")


def test_two_browsers_racing_through_setup_make_one_administrator(empty_engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def setup(name: str) -> None:
        engine = make_engine(url)  # a process of its own, as far as the database can tell
        barrier.wait()
        try:
            accounts.create_first_admin(name, PASSWORD, engine=engine)
            outcomes.append("created")
        except AccountExists:
            outcomes.append("refused")
        finally:
            engine.dispose()

    threads = [threading.Thread(target=setup, args=(f"admin{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert len(accounts.list_accounts(empty_engine)) == 1


def test_new_accounts_are_checked(empty_engine):
    def create(name="nguyen.van.a", password=PASSWORD, role="reporter", scope="68", **kwargs):
        return lambda: accounts.create_account(name, password, role, scope, actor=ACTOR, engine=empty_engine, **kwargs)

    assert key_of(create(name="ab")) == "account_bad_username"
    assert key_of(create(name="nguyễn")) == "account_bad_username"
    assert key_of(create(name="a" * 61)) == "account_bad_username"
    assert key_of(create(name="x y z")) == "account_bad_username"
    assert key_of(create(password="short1234")) == "account_weak_password"
    assert key_of(create(password=None)) == "account_weak_password"
    assert key_of(create(role="superuser")) == "account_bad_role"
    assert key_of(create(scope="99")) == "account_bad_scope"
    assert key_of(create(scope="ha noi")) == "account_bad_scope"
    assert key_of(create(role="admin", scope="24781")) == "account_admin_scope"  # national or a province's
    assert key_of(create(agency="Bộ Tài chính")) == "account_bad_agency"  # an agency needs scope VN
    assert key_of(create(role="viewer", scope="VN", agency="Bộ Tài chính")) == "account_bad_agency"
    assert key_of(create(email="not an address")) == "account_bad_email"
    assert key_of(create(display_name="x" * 121)) == "account_bad_display_name"
    assert accounts.list_accounts(empty_engine) == []  # bad input changes nothing

    made = create(name="Nguyen.Van.A", scope=68, email="A@Example.vn")()
    assert (made.username, made.scope_code, made.email, made.display_name) == ("nguyen.van.a", "68", "a@example.vn",
                                                                               "nguyen.van.a")
    assert accounts.create_account("xa.reporter", PASSWORD, "reporter", "24781", actor=ACTOR,
                                   engine=empty_engine).scope_code == "24781"
    with pytest.raises(AccountExists) as taken:
        create(name="NGUYEN.VAN.A")()
    assert taken.value.key == "account_exists" and taken.value.params == {"username": "nguyen.van.a"}
    with pytest.raises(AccountExists) as taken:
        create(name="other.person", email="a@EXAMPLE.VN")()
    assert taken.value.key == "account_email_exists"
    with empty_engine.connect() as conn:
        stored = conn.execute(select(AccountRow.password_hash)
                              .where(AccountRow.username == "nguyen.van.a")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_only_an_enabled_administrator_or_the_command_line_manages_accounts(empty_engine):
    accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    accounts.create_account("reporter", PASSWORD, "reporter", "68", actor="admin", engine=empty_engine)
    for actor in ("reporter", "nobody", "", "cli:", None):
        assert key_of(lambda actor=actor: accounts.create_account("x.y.z", PASSWORD, "viewer", actor=actor,
                                                      engine=empty_engine)) == "not_permitted"
        assert key_of(lambda actor=actor: accounts.set_disabled("admin", True, actor=actor,
                                                                engine=empty_engine)) == "not_permitted"
    accounts.create_account("admin2", PASSWORD, "admin", actor="admin", engine=empty_engine)
    accounts.set_disabled("admin2", True, actor="admin", engine=empty_engine)
    assert key_of(lambda: accounts.reset_password("reporter", PASSWORD + "!", actor="admin2",
                                                  engine=empty_engine)) == "not_permitted"
    assert [a.username for a in accounts.list_accounts(empty_engine)] == ["admin", "admin2", "reporter"]


def test_sign_in_with_the_right_password_only(empty_engine):
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor=ACTOR, engine=empty_engine)
    signed_in = accounts.authenticate(" LD.Reporter ", PASSWORD, engine=empty_engine)
    assert signed_in.username == "ld.reporter" and signed_in.last_sign_in_at is not None
    for username, password in (("ld.reporter", "wrong password"), ("ld.reporter", ""), ("nobody.here", PASSWORD),
                               ("bad name!", PASSWORD), ("ld.reporter", None), ("ld.reporter", "x" * 5000)):
        with pytest.raises(InvalidCredentials) as refused:
            accounts.authenticate(username, password, engine=empty_engine)
        assert refused.value.key == "account_invalid_credentials"  # the same message, whatever was wrong
    failures = audit.entries(action="sign_in_failed", engine=empty_engine)
    assert len(failures) == 6
    unknown = [e for e in failures if e["target"] == accounts.UNKNOWN_TARGET]  # never what was typed
    assert len(unknown) == 2 and unknown[0]["actor"] is None and unknown[0]["detail"] == {"reason": "unknown_user"}
    assert not [e for e in failures if e["target"] in ("nobody.here", "bad name!")]


def test_an_unknown_username_costs_a_hash_verification_too(empty_engine, monkeypatch):
    calls = []
    original = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, p: calls.append(h) or original(h, p))
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("nobody.here", PASSWORD, engine=empty_engine)
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_lock_out_after_repeated_failures_then_unlock(empty_engine):
    change_setting("lockout_attempts", 3, empty_engine, user="admin")
    change_setting("lockout_minutes", 10, empty_engine, user="admin")
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor=ACTOR, engine=empty_engine)
    now = dt.datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("ld.reporter", "wrong password", engine=empty_engine, now=now)
    with pytest.raises(AccountLocked) as locked:
        accounts.authenticate("ld.reporter", "wrong password", engine=empty_engine, now=now)
    assert locked.value.key == "account_locked" and locked.value.params == {"minutes": 10}
    # while locked even the right password is refused, and says how long is left
    with pytest.raises(AccountLocked) as locked:
        accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine, now=now + dt.timedelta(minutes=6,
                                                                                                   seconds=1))
    assert locked.value.params == {"minutes": 4}
    assert accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine, now=now + dt.timedelta(minutes=10))
    [entry] = audit.entries(action="account_locked", engine=empty_engine)
    assert entry["target"] == "ld.reporter" and entry["detail"]["failed_attempts"] == 3


def test_a_success_resets_the_count_and_every_process_shares_it(empty_engine):
    change_setting("lockout_attempts", 3, empty_engine, user="admin")
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor=ACTOR, engine=empty_engine)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("ld.reporter", "wrong password", engine=empty_engine)
    accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)  # back to zero
    other_process = make_engine(empty_engine.url.render_as_string(hide_password=False))
    try:
        for engine in (empty_engine, other_process):
            with pytest.raises(InvalidCredentials):
                accounts.authenticate("ld.reporter", "wrong password", engine=engine)
        with pytest.raises(AccountLocked):
            accounts.authenticate("ld.reporter", "wrong password", engine=other_process)
        with pytest.raises(AccountLocked):
            accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)
    finally:
        other_process.dispose()


def test_disabled_accounts_cannot_sign_in_and_resets_lift_a_lock(empty_engine):
    change_setting("lockout_attempts", 1, empty_engine, user="admin")
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor=ACTOR, engine=empty_engine)
    accounts.set_disabled("ld.reporter", True, actor=ACTOR, engine=empty_engine)
    with pytest.raises(AccountDisabled):
        accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)
    accounts.set_disabled("ld.reporter", False, actor=ACTOR, engine=empty_engine)
    with pytest.raises(AccountLocked):
        accounts.authenticate("ld.reporter", "wrong password", engine=empty_engine)
    accounts.reset_password("ld.reporter", "a brand new password", actor=ACTOR, engine=empty_engine)
    with pytest.raises(AccountLocked):  # lock-out_attempts is 1: the old password locks again at once
        accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)
    accounts.reset_password("ld.reporter", "a brand new password", actor=ACTOR, engine=empty_engine)
    assert accounts.authenticate("ld.reporter", "a brand new password", engine=empty_engine).username == "ld.reporter"
    assert key_of(lambda: accounts.reset_password("ld.reporter", "short", actor=ACTOR, engine=empty_engine)) == \
        "account_weak_password"
    assert key_of(lambda: accounts.set_disabled("nobody.here", True, actor=ACTOR, engine=empty_engine)) == \
        "account_unknown"


def test_an_outdated_hash_is_upgraded_at_sign_in(empty_engine):
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor=ACTOR, engine=empty_engine)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with empty_engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.username == "ld.reporter").values(password_hash=weak))
    accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)
    with empty_engine.connect() as conn:
        upgraded = conn.execute(select(AccountRow.password_hash)
                                .where(AccountRow.username == "ld.reporter")).scalar_one()
    assert upgraded != weak and not accounts._hasher.check_needs_rehash(upgraded)
    assert accounts.authenticate("ld.reporter", PASSWORD, engine=empty_engine)


def test_sessions_expire_after_session_minutes():
    settings = {"session_minutes": 30}
    signed_in = dt.datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert accounts.session_is_valid(signed_in, settings=settings, now=signed_in + dt.timedelta(minutes=29, seconds=59))
    assert not accounts.session_is_valid(signed_in, settings=settings, now=signed_in + dt.timedelta(minutes=30))
    assert not accounts.session_is_valid(signed_in, settings=settings, now=signed_in - dt.timedelta(hours=1))  # future
    naive = signed_in.replace(tzinfo=None)  # read as UTC
    assert accounts.session_is_valid(naive, settings=settings, now=signed_in + dt.timedelta(minutes=1))
    assert not accounts.session_is_valid(None, settings=settings)


def test_identity_provider_sign_in_matches_the_email(empty_engine):
    made = accounts.create_account("lanh.dao", PASSWORD, "viewer", "VN", email="Lanh.Dao@Gov.VN", actor=ACTOR,
                                   engine=empty_engine)
    assert accounts.account_by_email("LANH.DAO@gov.vn", empty_engine) == made
    assert accounts.account_by_email("other@gov.vn", empty_engine) is None
    assert accounts.account_by_email("", empty_engine) is None
    accounts.record_external_sign_in(made, "mock-oidc", empty_engine)
    assert accounts.get_account("lanh.dao", empty_engine).last_sign_in_at is not None
    [entry] = audit.entries(action="sign_in", engine=empty_engine)
    assert (entry["actor"], entry["detail"]) == ("lanh.dao", {"provider": "mock-oidc"})
    accounts.set_disabled("lanh.dao", True, actor=ACTOR, engine=empty_engine)
    assert accounts.account_by_email("lanh.dao@gov.vn", empty_engine) is None


def test_update_account_and_the_last_administrator(empty_engine):
    accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    accounts.create_account("bo.tc", PASSWORD, "reporter", "VN", agency="Bộ Tài chính", actor="admin",
                            engine=empty_engine)
    changed = accounts.update_account("bo.tc", scope_code="68", actor="admin", engine=empty_engine)
    assert (changed.scope_code, changed.agency) == ("68", None)  # a province reporter has no agency
    changed = accounts.update_account("bo.tc", role="viewer", email="TC@mof.gov.vn", display_name="Bộ Tài chính",
                                      actor="admin", engine=empty_engine)
    assert (changed.role, changed.email, changed.display_name) == ("viewer", "tc@mof.gov.vn", "Bộ Tài chính")
    assert accounts.update_account("bo.tc", email="", actor="admin", engine=empty_engine).email is None
    assert key_of(lambda: accounts.update_account("bo.tc", role="admin", scope_code="24781", actor="admin",
                                                  engine=empty_engine)) == "account_admin_scope"
    assert key_of(lambda: accounts.update_account("bo.tc", scope_code="VN", agency="Bộ Tài chính", actor="admin",
                                                  engine=empty_engine)) == "account_bad_agency"  # a viewer
    entry = audit.entries(action="account_updated", engine=empty_engine)[-1]
    assert entry["detail"]["changes"]["scope_code"] == ["VN", "68"]

    assert key_of(lambda: accounts.set_disabled("admin", True, actor="admin",
                                                engine=empty_engine)) == "account_last_admin"
    assert key_of(lambda: accounts.update_account("admin", role="viewer", actor=ACTOR, engine=empty_engine)) == \
        "account_last_admin"
    accounts.create_account("admin2", PASSWORD, "admin", actor="admin", engine=empty_engine)
    assert accounts.set_disabled("admin", True, actor="admin2", engine=empty_engine).disabled
    assert accounts.get_account("ADMIN", empty_engine).disabled and accounts.get_account("no such",
                                                                                         empty_engine) is None
