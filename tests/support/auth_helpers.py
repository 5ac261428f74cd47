"""Signing in for tests: accounts created through data_loaders.accounts (as the command line
does, with a "cli:" actor) and the session state of a signed-in person put in place for AppTest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from components.auth import METHOD_KEY, SIGNED_IN_AT_KEY, USERNAME_KEY
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


def sign_in(app: AppTest, username: str, signed_in_at: dt.datetime | None = None) -> AppTest:
    """The session state a password sign-in leaves, so the app's next run is that person's."""
    app.session_state[USERNAME_KEY] = username
    app.session_state[SIGNED_IN_AT_KEY] = signed_in_at or dt.datetime.now(dt.timezone.utc)
    app.session_state[METHOD_KEY] = "password"
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
    return sign_in(app, TEST_ADMIN)


def sign_in_as_test_admin() -> None:
    """Inside a running script (AppTest.from_function): the test administrator's session."""
    import streamlit as st

    st.session_state.setdefault(USERNAME_KEY, TEST_ADMIN)
    st.session_state.setdefault(SIGNED_IN_AT_KEY, dt.datetime.now(dt.timezone.utc))
    st.session_state.setdefault(METHOD_KEY, "password")
