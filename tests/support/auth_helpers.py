"""Signing in for tests: accounts created through data_loaders.accounts (as the command line
does, with a "cli:" actor) and the session state of a signed-in person put in place for AppTest,
with a real sign-in session in the database (the app checks it on every run)."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from components.auth import session_state_for
from data_loaders.identity import accounts
from data_loaders.identity.accounts import Account
from data_loaders.store.engine import make_engine

TEST_ADMIN = "pytest-admin"
PASSWORD = "mat-khau-thu-nghiem-57"  # long enough for the password rule
ACTOR = "cli:pytest"


def ensure_account(engine: Engine, username: str = TEST_ADMIN, role: str = "admin", scope: str = "VN", *,
                   agency: str | None = None, email: str | None = None, password: str = PASSWORD) -> Account:
    """The account, created if it does not exist yet (idempotent, so a shared database keeps one)."""
    existing = accounts.get_account(username, engine=engine)
    if existing is not None:
        return existing
    return accounts.create_account(username, password, role, scope, agency=agency, email=email,
                                   display_name=username, actor=ACTOR, engine=engine)


_ENGINES: dict[str, Engine] = {}


def _engine(database_url: str | None) -> Engine:
    url = database_url or os.environ["DATABASE_URL"]  # the database the app under test runs on
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def sign_in(app: AppTest, username: str, signed_in_at: dt.datetime | None = None, *,
            database_url: str | None = None) -> AppTest:
    """The session state a password sign-in leaves, so the app's next run is that person's: a sign-in
    session opened in the database (default: $DATABASE_URL, where the app runs) and its token."""
    engine = _engine(database_url)
    account = accounts.get_account(username, engine=engine)
    assert account is not None, f"no account {username!r} to sign in"
    for key, value in session_state_for(account, engine=engine, signed_in_at=signed_in_at).items():
        app.session_state[key] = value
    return app


_READY: set[str] = set()


def sign_in_test_admin(app: AppTest, database_url: str) -> AppTest:
    """Sign `app` in as the test administrator of the database it runs on (created once)."""
    if database_url not in _READY:
        engine = make_engine(database_url)
        try:
            ensure_account(engine)
        finally:
            engine.dispose()
        _READY.add(database_url)
    return sign_in(app, TEST_ADMIN, database_url=database_url)


def sign_in_as_test_admin() -> None:
    """Inside a running script (AppTest.from_function): the test administrator's session."""
    import streamlit as st

    from components import cached
    from components.auth import USERNAME_KEY

    if USERNAME_KEY not in st.session_state:
        account = accounts.get_account(TEST_ADMIN, engine=cached.engine())
        st.session_state.update(session_state_for(account, engine=cached.engine()))
